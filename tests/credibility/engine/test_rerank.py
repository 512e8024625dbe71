"""The claim ranker: its features on hand-made sentences, the committed model, and its use by search and check."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest
from fakes import FakeEmbedder

from credibility.app import sample_paths
from credibility.embed.embedder import Embedder
from credibility.engine.check import CheckEngine
from credibility.engine.ingest import ingest, open_reader, open_writer
from credibility.engine.rerank import (
    FEATURES,
    NEAR_VERBATIM,
    CandidatePool,
    ClaimCandidate,
    ClaimQuery,
    ClaimRanker,
    LexicalIndex,
    asserted_claim,
    features,
    lexical_index,
    load_ranker,
    names,
    numbers,
    parse_date,
    person_words,
    rank_claims,
    terms,
)
from credibility.engine.search import search_texts
from credibility.inputs.loaders import InputReader
from credibility.model.records import ArticleRecord
from credibility.settings import Settings

COL = {name: k for k, name in enumerate(FEATURES)}


def candidate(
    key: str, claim: str, *, title: str = "", speaker: str = "", date: str = "", cos: float = 0.5
) -> ClaimCandidate:
    return ClaimCandidate(key, claim, title, speaker, date, cos, cos - 0.1 if title else 0.0)


LEXICAL = LexicalIndex(
    [
        ("unemployment", "Says veterans unemployment is lower than the general population Veterans jobs"),
        ("tax", "Says the tax plan raises taxes on 95 percent of families Tax plan"),
        ("wall", "Mexico will pay for the border wall Border wall"),
        ("flu", "Drinking hot water every hour cures the flu Hot water flu"),
    ]
)


# --------------------------------------------------------------------------- words


def test_terms_drop_stop_words_fold_case_and_stem_plurals() -> None:
    assert terms("The Veterans' unemployment is LOWER than it was.") == ["veteran", "unemployment", "lower"]
    assert terms("Taxes on families") == ["taxe", "family"] or terms("Taxes on families") == ["tax", "family"]


def test_numbers_ignore_separators_and_trailing_zeros() -> None:
    assert numbers("It cost $4,300 and 4300.0 dollars, 23 million, 3.5 percent") == {"4300", "23", "3.5"}
    assert numbers("no numbers here") == frozenset()


def test_names_skip_the_first_word_and_stop_words() -> None:
    assert names("Says Barack Obama raised taxes in Ohio.") == {"barack", "obama", "ohio"}
    assert names("The wall will be paid by Mexico.") == {"mexico"}
    assert "says" not in names("Says the plan works.")


def test_person_words_keep_the_identifying_words() -> None:
    assert person_words("Donald Trump") == {"donald", "trump"}
    assert person_words("J. D. Vance") == {"vance"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2020-01-14", dt.date(2020, 1, 14)),
        ("stated on October 22, 2019 in a mailer", dt.date(2019, 10, 22)),
        ("— Ilhan Omar (@IlhanMN) January 6, 2020", dt.date(2020, 1, 6)),
        ("26 May 2015", dt.date(2015, 5, 26)),
        ("Sept. 3, 2016", dt.date(2016, 9, 3)),
        ("no date", None),
        ("February 30, 2020", None),
    ],
)
def test_parse_date(text: str, expected: dt.date | None) -> None:
    assert parse_date(text) == expected


# --------------------------------------------------------------------------- BM25 and features


def test_bm25_prefers_rare_shared_words() -> None:
    top = LEXICAL.top(terms("veterans unemployment rate is lower"), 2)
    assert top[0][0] == "unemployment"
    small = LexicalIndex([("a", "tax cuts for families"), ("b", "tax rise"), ("c", "tax plan")])
    assert small.idf("family") > small.idf("tax") > 0
    assert small.top(["tax", "family"], 3)[0][0] == "a"
    assert "the" not in terms("the tax")  # a stop word is never indexed nor searched
    assert LEXICAL.top(terms("nothing in common"), 3) == []


def test_features_on_hand_made_candidates() -> None:
    query = ClaimQuery(
        "Veterans' unemployment is now lower than the general population's, 4 percent.",
        speaker="Barack Obama",
        date="2012-10-22",
    )
    pool = [
        candidate(
            "unemployment",
            "Says veterans unemployment is lower than the general population.",
            title="Obama on veterans jobs",
            speaker="Barack Obama",
            date="2012-10-22",
            cos=0.8,
        ),
        candidate(
            "tax", "Says the tax plan raises taxes on 95 percent of families.", speaker="Mitt Romney", cos=0.3
        ),
        candidate("wall", "Mexico will pay for the border wall.", date="2016-06-01", cos=0.1),
    ]
    rows = features(query, pool, LEXICAL)
    assert rows.shape == (3, len(FEATURES))
    right, tax, wall = rows
    assert right[COL["cos_best"]] == pytest.approx(0.8) and right[COL["cos_gap"]] == 0
    assert right[COL["dense_rank"]] == 0 and tax[COL["dense_rank"]] > 0
    assert right[COL["bm25"]] > tax[COL["bm25"]] and right[COL["bm25_gap"]] == 0
    assert right[COL["claim_cover"]] > 0.8 and wall[COL["claim_cover"]] == 0
    assert right[COL["speaker_given"]] == 1 and right[COL["speaker_match"]] == 1
    assert tax[COL["speaker_match"]] == 0
    assert right[COL["date_given"]] == 1 and right[COL["date_near"]] == 1 and right[COL["date_log_days"]] == 0
    assert wall[COL["date_given"]] == 1 and wall[COL["date_near"]] == 0 and wall[COL["date_log_days"]] > 0.5
    assert tax[COL["date_given"]] == 0  # the claim has no date
    assert tax[COL["numbers_conflict"]] == 1 and tax[COL["numbers_shared"]] == 0
    assert wall[COL["names_missing"]] == 1  # Mexico
    assert right[COL["names_shared"]] == 0 and right[COL["names_missing"]] == 1  # the title's Obama
    named = features(ClaimQuery(query.text, context="Obama said in the debate"), pool[:1], LEXICAL)[0]
    assert named[COL["names_shared"]] == 1 and named[COL["names_missing"]] == 0


def test_speaker_named_in_the_context() -> None:
    query = ClaimQuery("He said Mexico will pay for it.", context="Donald Trump spoke in Phoenix.")
    (row,) = features(
        query, [candidate("wall", "Mexico will pay for the wall.", speaker="Donald Trump")], LEXICAL
    )
    assert row[COL["speaker_given"]] == 0 and row[COL["speaker_named"]] == 1


def test_features_without_candidates() -> None:
    assert features(ClaimQuery("anything"), [], LEXICAL).shape == (0, len(FEATURES))


# --------------------------------------------------------------------------- the committed model


def test_the_committed_model_loads_and_has_a_threshold() -> None:
    ranker = load_ranker()
    assert ranker.features == FEATURES
    assert 0.05 <= ranker.threshold <= 0.95
    assert ranker.coef.shape == (len(FEATURES),) and np.all(ranker.scale > 0)
    assert ClaimRanker.from_dict(json.loads(json.dumps(ranker.to_dict()))).threshold == ranker.threshold


def test_a_model_for_other_features_is_refused() -> None:
    raw = load_ranker().to_dict()
    raw["features"] = raw["features"][:-1]
    with pytest.raises(ValueError, match="other features"):
        ClaimRanker.from_dict(raw)


def test_the_model_ranks_a_repeated_claim_above_an_unrelated_one_on_the_same_words() -> None:
    """Hand-set cosines: the reworded claim is closer in meaning and shares the rare words."""
    query = ClaimQuery("Drinking a glass of hot water each hour will cure your flu in one day.")
    pool = [
        candidate("wall", "Mexico will pay for the border wall.", title="Border wall", cos=0.12),
        candidate(
            "flu",
            "Drinking hot water every hour cures the flu within a day.",
            title="Hot water flu",
            cos=0.86,
        ),
    ]
    p = load_ranker().probabilities(features(query, pool, LEXICAL))
    assert p[1] > load_ranker().threshold > p[0]


# --------------------------------------------------------------------------- with the real model and an index

REWORDED_FALSE_CLAIM = (
    "A glass of hot water every hour will get rid of the flu in a single day, experts claim."
)
UNRELATED = "The national orchestra announced a new season of twelve concerts."

SPEECH_FACTCHECK = ArticleRecord(
    id="sample-fc-wall",
    kind="factcheck",
    claim="Mexico is going to pay for the border wall.",
    rating="false",
    title="Trump says Mexico will pay for the wall",
    speaker="Donald Trump",
    published="2017-08-22",
    text="",
    source="Example Fact Check (sample)",
)


@pytest.fixture(scope="module")
def real_engine(tmp_path_factory: pytest.TempPathFactory, real_embedder: Embedder) -> CheckEngine:
    settings = Settings(home=tmp_path_factory.mktemp("rerank-home"))
    paths = sample_paths()
    with open_writer(settings, real_embedder) as writer:
        ingest(InputReader(kind="reporting").read([str(paths["articles"])]), writer, real_embedder)
        ingest(InputReader(kind="factcheck").read([str(paths["factchecks"])]), writer, real_embedder)
        ingest([SPEECH_FACTCHECK], writer, real_embedder)
    return CheckEngine(open_reader(settings, real_embedder), real_embedder, settings)


@pytest.mark.slow
def test_the_model_ranks_the_repeated_false_claim_first(real_engine: CheckEngine) -> None:
    reader, embedder = real_engine.reader, real_engine.embedder
    vector = embedder.encode([REWORDED_FALSE_CLAIM])[0]
    ranked = rank_claims(reader, ClaimQuery(REWORDED_FALSE_CLAIM), vector, reader.article_ids("factcheck"))
    assert ranked[0][0].key == "sample-fc-hot-water"
    assert ranked[0][1] >= load_ranker().threshold > ranked[-1][1]
    unrelated = embedder.encode([UNRELATED])[0]
    best = rank_claims(reader, ClaimQuery(UNRELATED), unrelated, reader.article_ids("factcheck"))[0]
    assert best[1] < load_ranker().threshold


@pytest.mark.slow
def test_a_reworded_false_claim_is_debunked_by_the_check_engine(real_engine: CheckEngine) -> None:
    result = real_engine.check(REWORDED_FALSE_CLAIM)
    (sentence,) = result.sentences
    assert sentence.label == "debunked", sentence.reason
    assert sentence.evidence is not None and sentence.evidence.article_id == "sample-fc-hot-water"
    negated = real_engine.check("A glass of hot water every hour will not get rid of the flu in a day.")
    assert negated.sentences[0].label != "debunked"
    assert real_engine.check(UNRELATED).sentences[0].label == "unsupported"


@pytest.mark.slow
def test_a_verbatim_copy_of_a_claim_is_asserted_whatever_its_probability(real_engine: CheckEngine) -> None:
    reader, embedder = real_engine.reader, real_engine.embedder
    text = 'Mexico is going to pay for the "border wall".'  # the claim's words, other punctuation
    found = asserted_claim(reader, text, embedder.encode([text])[0], (), {"false"})
    assert found is not None and found[1].id == "sample-fc-wall" and found[2] == 1.0
    assert NEAR_VERBATIM >= 0.85
    assert asserted_claim(reader, text, embedder.encode([text])[0], (), {"true"}) is None


@pytest.mark.slow
def test_one_pool_for_an_article_ranks_as_fresh_reads_do(real_engine: CheckEngine) -> None:
    # The check engine reads each fact-check once per article (CandidatePool); every sentence must
    # get the ranking it would get reading the index itself.
    reader, embedder = real_engine.reader, real_engine.embedder
    pool = CandidatePool(reader)
    ids = reader.article_ids("factcheck")
    for text in (REWORDED_FALSE_CLAIM, UNRELATED, 'Mexico is going to pay for the "border wall".'):
        vector = embedder.encode([text])[0]
        fresh = rank_claims(reader, ClaimQuery(text), vector, ids)
        pooled = rank_claims(reader, ClaimQuery(text), vector, ids, pool=pool)
        assert [(c.key, c.claim_id, p) for c, p in pooled] == [(c.key, c.claim_id, p) for c, p in fresh]
        assert asserted_claim(reader, text, vector, (), {"false"}, pool=pool) == asserted_claim(
            reader, text, vector, (), {"false"}
        )


@pytest.mark.slow
def test_search_puts_the_claim_of_the_speaker_first(real_engine: CheckEngine) -> None:
    results = search_texts(
        real_engine.reader,
        real_engine.embedder,
        ["They will pay for that wall, believe me."],
        k=3,
        claims=[
            ClaimQuery("They will pay for that wall, believe me.", speaker="Donald Trump", date="2017-08-22")
        ],
    )
    assert results[0][0].article_id == "sample-fc-wall"


@pytest.mark.slow
def test_the_lexical_index_follows_the_reader(real_engine: CheckEngine) -> None:
    built = lexical_index(real_engine.reader)
    assert built is lexical_index(real_engine.reader)  # once per generation
    assert "sample-fc-wall" in built.keys and "sample-fc-hot-water" in built.keys


def test_search_refills_factcheck_places_and_keeps_reporting_in_place(
    tmp_path: Path, fake_embedder: Embedder
) -> None:
    settings = Settings(home=tmp_path / "home", model="fake-model")
    records = [
        ArticleRecord(
            id="report",
            title="Flu season",
            text="Hot water and the flu: doctors explain the season.",
            source="Daily",
        ),
        ArticleRecord(
            id="fc-flu",
            kind="factcheck",
            claim="Drinking hot water every hour cures the flu within a day.",
            rating="false",
            title="Hot water does not cure the flu",
            text="",
        ),
        ArticleRecord(
            id="fc-wall",
            kind="factcheck",
            claim="Mexico will pay for the border wall.",
            rating="false",
            text="",
        ),
    ]
    with open_writer(settings, fake_embedder) as writer:
        ingest(records, writer, fake_embedder)
    reader = open_reader(settings, fake_embedder)
    try:
        (hits,) = search_texts(reader, fake_embedder, ["hot water cures the flu"], k=3)
        ids = [h.article_id for h in hits]
        assert ids[0] in ("fc-flu", "report") and "fc-flu" in ids
        assert ids.index("fc-flu") < ids.index("fc-wall") if "fc-wall" in ids else True
        plain = search_texts(reader, fake_embedder, ["hot water cures the flu"], k=3)
        assert plain == [hits]  # deterministic
    finally:
        reader.close()


def test_the_claim_ranker_gets_the_title_and_the_two_sentences_before(
    settings: Settings, fake_embedder: FakeEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Trained with 2B's context (the lines before a sentence: who said it), the ranker gets the
    # same from an article: its title and the two sentences before the one it judges.
    from credibility.engine import check as check_module
    from credibility.model.records import ArticleRecord

    with open_writer(settings, fake_embedder) as writer:
        ingest([ArticleRecord(id="a1", text="Snow fell in the hills on Monday.")], writer, fake_embedder)
    seen: dict[str, str] = {}

    def spy(reader: object, text: str, *args: object, context: str = "", **kwargs: object) -> None:
        seen[text] = context

    monkeypatch.setattr(check_module, "asserted_claim", spy)
    engine = CheckEngine(open_reader(settings, fake_embedder), fake_embedder, settings)
    engine.check(
        "The senator spoke in Ohio on Tuesday. She answered questions for an hour. "
        "Taxes went up by 40 percent last year. Nobody in the room disputed it.",
        title="Senator visits Ohio",
    )
    assert seen["The senator spoke in Ohio on Tuesday."] == "Senator visits Ohio"
    assert seen["Taxes went up by 40 percent last year."] == (
        "Senator visits Ohio The senator spoke in Ohio on Tuesday. She answered questions for an hour."
    )
