"""The check engine with the real model: each label, the precedence rules, the sample repost."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from credibility.app import sample_paths
from credibility.embed.embedder import Embedder
from credibility.engine.check import NEAR_DUPLICATE_CLAIM_MARGIN, CheckEngine
from credibility.engine.ingest import ingest, open_reader, open_writer
from credibility.engine.similarity import align, dice, trigrams
from credibility.errors import InputError
from credibility.inputs.loaders import InputReader
from credibility.model.records import ArticleRecord
from credibility.model.verdicts import DEBUNKED_VERDICTS
from credibility.settings import Settings

pytestmark = pytest.mark.slow

EXPLAINER = ArticleRecord(
    id="sample-5g-explainer",
    title="Why the 5G flu rumour keeps spreading",
    text=(
        "A viral post claimed that 5G phone masts spread the virus that causes the flu. "
        "Health officials said the post was shared more than 40,000 times before it was removed."
    ),
    source="Example Daily (sample)",
)


RESTATING_FACTCHECK = ArticleRecord(
    id="sample-fc-microchips",
    kind="factcheck",
    claim="Vaccines contain microchips that track people.",
    rating="pants-fire",
    title="No, vaccines do not contain tracking microchips",
    text="Posts shared online claim that vaccines contain microchips that track people. There is no evidence.",
    source="Example Fact Check (sample)",
)


LIBYA_REPORT = ArticleRecord(
    id="sample-libya-truce",
    title="Russia and Turkey call for a ceasefire in Libya",
    text=(
        "Russia and Turkey have called for a ceasefire in Libya from midnight on Sunday. "
        "Turkey has not revealed that it has supplied Tripoli with drones.\n\n"
        "The United Nations envoy said talks between the two Libyan camps would resume in Geneva next month. "
        "Fighting around the capital has forced more than 150,000 people from their homes since April."
    ),
    source="Example Wire (sample)",
)


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory, real_embedder: Embedder) -> CheckEngine:
    settings = Settings(home=tmp_path_factory.mktemp("check-home"))
    paths = sample_paths()
    with open_writer(settings, real_embedder) as writer:
        ingest(InputReader(kind="reporting").read([str(paths["articles"])]), writer, real_embedder)
        ingest(InputReader(kind="factcheck").read([str(paths["factchecks"])]), writer, real_embedder)
        ingest([EXPLAINER, RESTATING_FACTCHECK, LIBYA_REPORT], writer, real_embedder)
    return CheckEngine(open_reader(settings, real_embedder), real_embedder, settings)


def labels_of(engine: CheckEngine, text: str) -> dict[str, tuple[str, tuple[str, ...]]]:
    result = engine.check(text)
    return {s.text: (s.label, s.flags) for s in result.sentences}


def test_sample_repost_comes_out_as_documented(engine: CheckEngine) -> None:
    text = sample_paths()["repost"].read_text(encoding="utf-8")
    result = engine.check(text)
    by_text = {s.text: s for s in result.sentences}
    assert result.verdict.copied_from == ("sample-harbour-bridge",)
    assert result.verdict.label == "debunked"

    cost = next(s for t, s in by_text.items() if t.startswith("The Kestrel Harbour Bridge in Port Ellery"))
    assert cost.label == "altered"
    assert [(c.kind, c.article_text, c.evidence_text) for c in cost.changes] == [
        ("number", "85", "45")
    ] or any(c.kind == "number" and "85" in c.article_text and "45" in c.evidence_text for c in cost.changes)
    mayor = next(s for t, s in by_text.items() if t.startswith("Mayor Daniel Price"))
    assert mayor.label == "altered"
    assert any(
        c.kind == "name" and "Price" in c.article_text and "Okafor" in c.evidence_text for c in mayor.changes
    )
    tender = next(s for t, s in by_text.items() if "proper tender" in t)
    assert tender.label == "altered" and any(c.kind == "negation" for c in tender.changes)

    promo = next(s for t, s in by_text.items() if t.startswith("READ ALSO"))
    assert promo.label == "debunked" and "injected" in promo.flags
    assert promo.evidence is not None and promo.evidence.verdict == "false" and promo.evidence.url
    plastic = by_text["The Kestrel Harbour Bridge was rebuilt with cheap recycled plastic cables."]
    assert plastic.label == "debunked" and "injected" in plastic.flags
    invented = by_text["Insiders say the mayor's brother owns the company that supplied the cables."]
    assert invented.label == "injected"
    assert by_text["Via Example Daily"].label == "not_checked" and by_text["Via Example Daily"].reason

    expected_other = {"supported"}
    special = {
        cost.text,
        mayor.text,
        tender.text,
        promo.text,
        plastic.text,
        invented.text,
        "Via Example Daily",
    }
    assert {s.label for s in result.sentences if s.text not in special} == expected_other
    assert result.verdict.counts["supported"] == 7
    assert result.verdict.coverage == pytest.approx(7 / 13, abs=1e-3)


REPOST_PARAPHRASE = (
    "A wildfire in the Kessel Valley forced about 3,000 people to leave their homes on Thursday night, "
    "fire officials said.\n\n"
    "Since it began on Monday close to the village of Arnholt, the blaze has scorched over 4,500 hectares. "
    "Strong winds pushed the flames east overnight.\n\n"
    "{inserted}"
    "Fire chief Tomas Reyes said no deaths had been reported, but 12 firefighters were treated for smoke "
    'inhalation. "We are not out of danger yet," Reyes said.\n\n'
    "The regional government declared a state of emergency and asked the national army for two water-bombing "
    "aircraft."
)


def test_paraphrase_in_its_slot_stays_supported(engine: CheckEngine) -> None:
    result = engine.check(REPOST_PARAPHRASE.format(inserted=""))
    assert result.verdict.copied_from == ("sample-kessel-wildfire",)
    assert result.verdict.label == "clean", [(s.text, s.label, s.reason) for s in result.sentences]
    assert result.verdict.coverage == 1.0


def test_invented_in_topic_sentence_is_injected(engine: CheckEngine) -> None:
    invented = "Police suspect the fire was started deliberately by a local farmer.\n\n"
    result = engine.check(REPOST_PARAPHRASE.format(inserted=invented))
    by_text = {s.text: s for s in result.sentences}
    assert by_text[invented.strip()].label == "injected"
    assert result.verdict.label == "injected"
    assert sum(s.label == "supported" for s in result.sentences) == len(result.sentences) - 1


@pytest.mark.parametrize(
    ("source", "variant", "expected"),
    [
        # Grey zone (cosine 0.5-0.9) in the source sentence's own slot: a rewording is kept ...
        (
            "Strong winds pushed the flames east overnight.",
            "Overnight, strong gusts drove the fire eastward.",
            {"supported"},
        ),
        # ... an in-topic invention in the same slot is not, though it reuses the topic's words.
        (
            "Strong winds pushed the flames east overnight.",
            "Firefighters blamed a downed power line for starting the flames overnight.",
            {"injected"},
        ),
        (
            "The regional government declared a state of emergency and asked the national army for two "
            "water-bombing aircraft.",
            "The regional government was criticised for waiting a week before asking the army for help.",
            {"injected"},
        ),
    ],
)
def test_a_sentence_in_its_source_slot_is_kept_when_it_rewords_and_flagged_when_it_invents(
    engine: CheckEngine, source: str, variant: str, expected: set[str]
) -> None:
    base = REPOST_PARAPHRASE.format(inserted="")
    assert source in base
    result = engine.check(base.replace(source, variant))
    sentence = next(s for s in result.sentences if s.text == variant)
    assert sentence.label in expected, (sentence.label, sentence.score, sentence.reason)
    others = [s.label for s in result.sentences if s.text != variant]
    assert set(others) == {"supported"}, [(s.text, s.label) for s in result.sentences]


@pytest.mark.parametrize(
    ("edited", "kind"),
    [
        (
            "Fire chief Tomas Reyes said no deaths had been reported, but 21 firefighters were treated for smoke "
            "inhalation.",
            "number",
        ),
        (
            "A wildfire in the Kessel Valley forced about 3,000 people to leave their homes on Friday night, "
            "fire officials said.",
            "date",
        ),
        (
            "Fire chief Maria Lindqvist said no deaths had been reported, but 12 firefighters were treated for "
            "smoke inhalation.",
            "name",
        ),
        ('"We are out of danger now," Reyes said.', "negation"),
    ],
)
def test_alterations_of_each_kind(engine: CheckEngine, edited: str, kind: str) -> None:
    base = REPOST_PARAPHRASE.format(inserted="")
    original = {
        "number": "Fire chief Tomas Reyes said no deaths had been reported, but 12 firefighters were treated for "
        "smoke inhalation.",
        "date": "A wildfire in the Kessel Valley forced about 3,000 people to leave their homes on Thursday "
        "night, fire officials said.",
        "name": "Fire chief Tomas Reyes said no deaths had been reported, but 12 firefighters were treated for "
        "smoke inhalation.",
        "negation": '"We are not out of danger yet," Reyes said.',
    }[kind]
    assert original in base
    result = engine.check(base.replace(original, edited))
    sentence = next(s for s in result.sentences if s.text == edited)
    assert sentence.label == "altered", sentence.reason
    assert kind in {c.kind for c in sentence.changes}
    assert sentence.evidence is not None and sentence.evidence.article_id == "sample-kessel-wildfire"
    assert result.verdict.label == "altered"


def test_a_swapped_compass_direction_is_altered_and_a_necessity_is_not_a_negation(
    engine: CheckEngine,
) -> None:
    base = REPOST_PARAPHRASE.format(inserted="")
    winds = "Strong winds pushed the flames east overnight."
    result = engine.check(base.replace(winds, "Strong winds pushed the flames west overnight."))
    sentence = next(s for s in result.sentences if s.text.startswith("Strong winds"))
    assert sentence.label == "altered" and [
        (c.kind, c.article_text, c.evidence_text) for c in sentence.changes
    ] == [("name", "west", "east")]
    # "could not ... without" restates "needed": no negation change (the sentence is in its slot).
    emergency = (
        "The regional government declared a state of emergency and asked the national army for two "
        "water-bombing aircraft."
    )
    reworded = (
        "The regional government declared a state of emergency, saying it could not fight the fire without "
        "two water-bombing aircraft from the national army."
    )
    result = engine.check(base.replace(emergency, reworded))
    sentence = next(s for s in result.sentences if s.text == reworded)
    assert not [c for c in sentence.changes if c.kind == "negation"], sentence.changes


def test_typo_and_function_word_are_not_alterations(engine: CheckEngine) -> None:
    base = REPOST_PARAPHRASE.format(inserted="")
    edited = base.replace(
        "Strong winds pushed the flames east overnight.", "Strong winds pusshed the flames east over night."
    )
    result = engine.check(edited)
    assert result.verdict.label == "clean", [(s.text, s.label, s.reason) for s in result.sentences]


def test_standalone_false_claim_is_debunked(engine: CheckEngine) -> None:
    result = engine.check("Drinking hot water every hour cures the flu within a day, doctors say.")
    (sentence,) = result.sentences
    assert sentence.label == "debunked"
    assert sentence.evidence is not None and sentence.evidence.article_id == "sample-fc-hot-water"
    assert sentence.evidence.rating == "false" and sentence.evidence.verdict == "false"
    assert "injected" not in sentence.flags  # not inside copied text


def test_negated_false_claim_is_not_debunked(engine: CheckEngine) -> None:
    result = engine.check("Drinking hot water every hour does not cure the flu within a day.")
    assert result.sentences[0].label != "debunked"


def test_reporting_that_quotes_a_debunked_claim_stays_supported(engine: CheckEngine) -> None:
    result = engine.check("A viral post claimed that 5G phone masts spread the virus that causes the flu.")
    (sentence,) = result.sentences
    assert sentence.label == "supported"
    assert "quotes_debunked_claim" in sentence.flags
    assert sentence.evidence is not None and sentence.evidence.article_id == "sample-5g-explainer"


def test_unrelated_article_is_unsupported(engine: CheckEngine) -> None:
    result = engine.check(
        "The national orchestra announced a new season of twelve concerts. Tickets go on sale next week."
    )
    assert {s.label for s in result.sentences} == {"unsupported"}
    assert result.verdict.label == "unsupported" and result.verdict.copied_from == ()
    assert all(s.reason for s in result.sentences)


def test_mixed_article(engine: CheckEngine) -> None:
    result = engine.check(
        "Riverton city council approved a budget of 212 million dollars on Tuesday, with 38 percent of "
        "spending going to schools. The national orchestra announced a new season of concerts."
    )
    assert [s.label for s in result.sentences] == ["supported", "unsupported"]
    assert result.verdict.label == "mixed" and result.verdict.coverage == 0.5


def test_results_carry_offsets_and_engine_info(engine: CheckEngine) -> None:
    text = "\n\nRiverton city council approved a budget of 212 million dollars on Tuesday, with 38 percent of spending going to schools.\n"
    result = engine.check(text, url="https://copy.example.net/a")
    (sentence,) = result.sentences
    assert text[sentence.start : sentence.end] == sentence.text
    assert result.article.id == "https://copy.example.net/a"
    info = result.verdict.engine
    assert info.model and info.index_generation >= 1 and info.settings_hash
    assert info.encoder_backend == engine.embedder.backend == "onnx-int8"  # the default encoder


@pytest.mark.parametrize("text", ["", "   \n\n  "])
def test_empty_input_is_a_clear_error(engine: CheckEngine, text: str) -> None:
    with pytest.raises(InputError, match="empty"):
        engine.check(text)


def test_huge_input_is_refused(engine: CheckEngine, tmp_path: Path) -> None:
    small = CheckEngine(engine.reader, engine.embedder, Settings(home=tmp_path, max_check_bytes=100))
    with pytest.raises(InputError, match="cap"):
        small.check("word " * 100)


def test_alignment_is_monotonic_and_skips_gaps() -> None:

    sim = np.array([[0.9, 0.1, 0.1], [0.2, 0.2, 0.3], [0.1, 0.8, 0.1], [0.1, 0.1, 0.95]])
    assert align(sim, 0.5) == [(0, 0), (2, 1), (3, 2)]
    crossing = np.array([[0.1, 0.9], [0.9, 0.1]])
    assert len(align(crossing, 0.5)) == 1


def test_fast_path_labels_like_the_full_path(engine: CheckEngine) -> None:
    full = CheckEngine(
        engine.reader, engine.embedder, engine.settings.model_copy(update={"check_fast_path": False})
    )
    texts = [
        sample_paths()["repost"].read_text(encoding="utf-8"),
        REPOST_PARAPHRASE.format(inserted="Police suspect the fire was started deliberately.\n\n"),
        "Drinking hot water every hour cures the flu within a day. Riverton city council approved a budget of "
        "212 million dollars on Tuesday, with 38 percent of spending going to schools.",
    ]
    for text in texts:
        fast_result, full_result = engine.check(text), full.check(text)
        assert [(s.label, s.changes) for s in fast_result.sentences] == [
            (s.label, s.changes) for s in full_result.sentences
        ]
        assert fast_result.verdict.copied_from == full_result.verdict.copied_from
        assert fast_result.verdict.label == full_result.verdict.label


def test_a_factcheck_restating_its_claim_does_not_support_it(engine: CheckEngine) -> None:
    result = engine.check("Vaccines contain microchips that track people.")
    (sentence,) = result.sentences
    assert sentence.label == "debunked", sentence.reason
    assert sentence.evidence is not None and sentence.evidence.article_id == "sample-fc-microchips"


class _CountingEmbedder:
    """Wraps the real embedder and counts the sentences it is asked to encode."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.encoded: list[str] = []
        self.model_name, self.backend, self.dimension = inner.model_name, inner.backend, inner.dimension

    def encode(self, sentences: Sequence[str]) -> np.ndarray:
        self.encoded.extend(sentences)
        return self.inner.encode(sentences)


def test_sentences_outside_the_index_are_encoded_once_per_process(engine: CheckEngine) -> None:
    counting = _CountingEmbedder(engine.embedder)
    cached = CheckEngine(engine.reader, counting, engine.settings)
    text = "Tea brewed with sea water was served at the Riverton fair. Nobody in Riverton has said so before."
    first = cached.check(text)
    assert len(counting.encoded) == 2
    second = cached.check(text + " A third line, new to this engine, about something else.")
    assert counting.encoded[2:] == ["A third line, new to this engine, about something else."]
    assert [s.label for s in second.sentences[:2]] == [s.label for s in first.sentences]
    assert [s.score for s in second.sentences[:2]] == [s.score for s in first.sentences]
    # The memo belongs to the embedder: the next engine (the flows build one per article) shares it.
    CheckEngine(engine.reader, counting, engine.settings).check(text)
    assert len(counting.encoded) == 3

    uncached = CheckEngine(
        engine.reader, counting, engine.settings.model_copy(update={"check_embedding_cache": 0})
    )
    uncached.check(text)
    uncached.check(text)
    assert len(counting.encoded) == 3 + 4


def test_near_duplicates_skip_the_encoder_and_label_like_the_full_path(engine: CheckEngine) -> None:
    counting = _CountingEmbedder(engine.embedder)  # a new embedder object: an empty memo
    near = CheckEngine(engine.reader, counting, engine.settings)
    full = CheckEngine(
        engine.reader, engine.embedder, engine.settings.model_copy(update={"check_fast_path": False})
    )
    text = sample_paths()["repost"].read_text(encoding="utf-8")
    result, reference = near.check(text), full.check(text)
    assert [(s.label, s.changes, s.evidence and s.evidence.sentence_id) for s in result.sentences] == [
        (s.label, s.changes, s.evidence and s.evidence.sentence_id) for s in reference.sentences
    ]
    assert (result.verdict.label, result.verdict.copied_from, result.verdict.counts) == (
        reference.verdict.label,
        reference.verdict.copied_from,
        reference.verdict.counts,
    )
    by_text = {s.text: s for s in result.sentences}
    near_duplicates = {t for t, s in by_text.items() if "near_duplicate" in s.flags}
    # The changed cost: its sentence is about the bridge a debunked claim is about. When its stand-in
    # (the verified sentence) comes within the margin of that claim, only its own vector can tell
    # whether the edit repeats the claim, and it is encoded. The stand-in's score sits at the margin
    # (0.5712 with torch, 0.5679 with the default int8 encoder, against 0.57): the rule is tested.
    cost = next(t for t in by_text if t.startswith("The Kestrel Harbour Bridge in Port Ellery"))
    verified = next(
        row
        for row in engine.reader.article_sentences("sample-harbour-bridge")
        if row.text.startswith("The Kestrel Harbour Bridge in Port Ellery")
    )
    claim_hits = engine.reader.search_claims(
        engine.reader.vectors([verified.id]), 1, sorted(DEBUNKED_VERDICTS)
    )
    near_the_claim = claim_hits[0][0][1] >= engine.settings.check_claim_score - NEAR_DUPLICATE_CLAIM_MARGIN
    assert by_text[cost].label == "altered" and (cost in counting.encoded) == near_the_claim
    # The swapped mayor and the dropped "not" are found by their text (and the cost, away from the claim).
    expected = {"Daniel", "opposition"} | (set() if near_the_claim else {"Kestrel"})
    assert {t.split()[1] for t in near_duplicates} == expected
    assert {by_text[t].label for t in near_duplicates} == {"altered"}
    # ... and never reach the encoder; the invented lines and the promo do.
    assert not near_duplicates & set(counting.encoded)
    assert "Insiders say the mayor's brother owns the company that supplied the cables." in counting.encoded
    for t in near_duplicates:
        score = by_text[t].score
        assert score is not None and near.settings.check_near_duplicate <= score < 1.0

    off = CheckEngine(
        engine.reader,
        _CountingEmbedder(engine.embedder),
        engine.settings.model_copy(update={"check_near_duplicate": 1.0}),
    )
    assert not any("near_duplicate" in s.flags for s in off.check(text).sentences)


def test_a_near_duplicate_without_a_changed_fact_is_supported(engine: CheckEngine) -> None:
    text = sample_paths()["repost"].read_text(encoding="utf-8")
    edited = text.replace(
        "according to the regional transport agency", "according to the regional transport authority"
    )
    counting = _CountingEmbedder(engine.embedder)
    result = CheckEngine(engine.reader, counting, engine.settings).check(edited)
    sentence = next(s for s in result.sentences if "transport authority" in s.text)
    assert sentence.label == "supported" and "near_duplicate" in sentence.flags, sentence.reason
    assert "text similarity" in sentence.reason and sentence.text not in counting.encoded


def test_trigram_dice() -> None:
    a = trigrams("The bridge cost 85 million euros.")
    assert dice(a, trigrams("the bridge cost 85 million euros")) == 1.0
    assert 0.85 < dice(a, trigrams("The bridge cost 45 million euros.")) < 1.0
    assert dice(a, trigrams("Tickets go on sale next week.")) < 0.2
    assert dice(a, frozenset()) == 0.0


def test_near_duplicates_out_of_place_go_through_the_full_path(engine: CheckEngine) -> None:
    text = sample_paths()["repost"].read_text(encoding="utf-8")
    audit = "The mayor rejected the criticism and said an independent audit would be published in May."
    cables = "Engineers replaced 310 steel cables and resurfaced the deck, according to the regional transport agency."
    assert audit in text and cables in text
    moved = "The mayor rejected the criticism and said an independent audit would be published in June."
    variants = {
        # A lightly edited sentence moved to the top, out of its source's order.
        "moved": (moved, moved + "\n\n" + text.replace(audit, "")),
        # A lightly edited copy of a sentence the repost also copies verbatim, in another slot.
        "repeated": (
            cables.replace("310", "320"),
            text.replace(
                "Local traders said the closure",
                cables.replace("310", "320") + " Local traders said the closure",
            ),
        ),
    }
    full = CheckEngine(
        engine.reader, engine.embedder, engine.settings.model_copy(update={"check_fast_path": False})
    )
    for name, (sentence, variant) in variants.items():
        counting = _CountingEmbedder(engine.embedder)
        result = CheckEngine(engine.reader, counting, engine.settings).check(variant)
        checked = next(s for s in result.sentences if s.text == sentence)
        assert "near_duplicate" not in checked.flags and sentence in counting.encoded, name
        reference = full.check(variant)
        assert [(s.label, s.changes) for s in result.sentences] == [
            (s.label, s.changes) for s in reference.sentences
        ], name


CABLES = (
    "Engineers replaced 310 steel cables and resurfaced the deck, according to the regional transport agency."
)


def _repost_with(engine: CheckEngine, replace: str, by: str) -> dict[str, object]:
    text = sample_paths()["repost"].read_text(encoding="utf-8")
    assert replace in text
    result = engine.check(text.replace(replace, by))
    return {s.text: s for s in result.sentences}


def test_a_false_clause_appended_to_a_copied_sentence_is_debunked_with_its_span(engine: CheckEngine) -> None:
    tail = ", and officials admitted the vaccines contain microchips that track people"
    edited = CABLES[:-1] + tail + "."
    sentence = _repost_with(engine, CABLES, edited)[edited]
    assert sentence.label == "debunked" and "added_clause" in sentence.flags  # type: ignore[attr-defined]
    added = sentence.added  # type: ignore[attr-defined]
    assert added is not None and edited[added.start : added.end] == added.text
    assert "microchips" in added.text and "Engineers" not in added.text
    assert sentence.evidence.article_id == "sample-fc-microchips"  # type: ignore[attr-defined]


def test_an_invented_tail_on_a_copied_sentence_is_injected(engine: CheckEngine) -> None:
    edited = CABLES[:-1] + ", a contract the mayor's brother won without any tender."
    sentence = _repost_with(engine, CABLES, edited)[edited]
    assert (sentence.label, sentence.flags) == ("injected", ("added_clause",))  # type: ignore[attr-defined]
    assert "mayor's brother" in sentence.added.text  # type: ignore[attr-defined]
    assert "sample-harbour-bridge" in sentence.reason  # type: ignore[attr-defined]


def test_a_clause_repeated_many_times_is_not_a_near_duplicate(engine: CheckEngine) -> None:
    edited = CABLES[:-1] + "".join(", and the deck was resurfaced again" for _ in range(50)) + "."
    sentence = _repost_with(engine, CABLES, edited)[edited]
    assert sentence.label != "supported" and "near_duplicate" not in sentence.flags  # type: ignore[attr-defined]
    assert sentence.added is not None  # type: ignore[attr-defined]


def test_a_light_edit_or_a_paraphrase_adds_no_clause(engine: CheckEngine) -> None:
    for edited in (
        CABLES.replace("according to the regional transport agency", "the regional transport agency said"),
        CABLES.replace("Engineers replaced", "Engineers have replaced"),
    ):
        sentence = _repost_with(engine, CABLES, edited)[edited]
        assert sentence.label == "supported" and sentence.added is None, sentence  # type: ignore[attr-defined]


LIBYA_TRUCE = "Russia and Turkey have called for a ceasefire in Libya from midnight on Sunday."
LIBYA_DRONES = "Turkey has not revealed that it has supplied Tripoli with drones."


def _libya_repost_label(engine: CheckEngine, old: str, new: str) -> tuple[str, tuple[str, ...]]:
    text = LIBYA_REPORT.text.replace(old, new)
    result = engine.check(text)
    assert result.verdict.copied_from == ("sample-libya-truce",)
    sentence = next(s for s in result.sentences if s.text == new)
    return sentence.label, tuple(c.kind for c in sentence.changes)


@pytest.mark.parametrize(
    "new",
    [
        "Moscow and Ankara have called for a ceasefire in Libya from midnight on Sunday.",
        "The Kremlin and Ankara have called for a ceasefire in Libya from midnight on Sunday.",
        "Russian and Turkish leaders have called for a ceasefire in Libya from midnight on Sunday.",
    ],
)
def test_capitals_seats_of_government_and_demonyms_stand_for_their_country(
    engine: CheckEngine, new: str
) -> None:
    assert _libya_repost_label(engine, LIBYA_TRUCE, new) == ("supported", ())


@pytest.mark.parametrize(
    "new",
    [
        "Russia and Greece have called for a ceasefire in Libya from midnight on Sunday.",
        "Paris and Ankara have called for a ceasefire in Libya from midnight on Sunday.",
    ],
)
def test_another_country_or_its_capital_is_a_changed_name(engine: CheckEngine, new: str) -> None:
    label, kinds = _libya_repost_label(engine, LIBYA_TRUCE, new)
    assert label == "altered" and "name" in kinds


def test_a_negation_carried_by_a_verb_is_the_same_polarity(engine: CheckEngine) -> None:
    kept_quiet = "Turkey has kept quiet about having supplied Tripoli with drones."
    assert _libya_repost_label(engine, LIBYA_DRONES, kept_quiet) == ("supported", ())


def test_dropping_a_negation_carried_by_a_verb_is_a_change(engine: CheckEngine) -> None:
    revealed = "Turkey has revealed that it has supplied Tripoli with drones."
    label, kinds = _libya_repost_label(engine, LIBYA_DRONES, revealed)
    assert label == "altered" and "negation" in kinds
