"""The generator's own text tools: sentence splitter, normalisation, near-duplicate index."""

from __future__ import annotations

import random

from benchmarks.textkit import (
    NearDupIndex,
    char_grams,
    jaccard,
    normalize,
    sentences,
    split_sentences,
    text_key,
)


def test_splitter_keeps_abbreviations_and_initials_together() -> None:
    text = (
        'It was introduced in January 2019 by Del. Kathy Tran, D-Fairfax. John F. Kennedy said "no." '
        "The U.S. Census Bureau agreed! Did it? Yes."
    )
    assert sentences(text) == [
        "It was introduced in January 2019 by Del. Kathy Tran, D-Fairfax.",
        'John F. Kennedy said "no."',
        "The U.S. Census Bureau agreed!",
        "Did it?",
        "Yes.",
    ]


def test_splitter_opening_quote_and_parenthesis() -> None:
    text = 'All new income is going to the top 1 percent," he said. "(That\'s) not what America is about."'
    assert len(sentences(text)) == 2


def test_splitter_offsets_and_newlines() -> None:
    text = "  First one.  Second one?\nThird line without stop\n\nFourth."
    spans = split_sentences(text)
    assert [text[s:e] for s, e in spans] == [
        "First one.",
        "Second one?",
        "Third line without stop",
        "Fourth.",
    ]
    assert all(text[s:e] == text[s:e].strip() for s, e in spans)


def test_normalize_folds_quotes_case_and_punctuation() -> None:
    assert normalize("“Don’t”  STOP—now.") == normalize('"Don\'t" stop - now')
    assert text_key("A  b\u00a0c.") == text_key("a b c")


def test_near_dup_index_matches_brute_force() -> None:
    rng = random.Random(3)
    words = [
        "tax",
        "jobs",
        "state",
        "bill",
        "vote",
        "health",
        "plan",
        "budget",
        "school",
        "court",
        "police",
        "water",
        "farm",
        "rate",
    ]
    texts = [" ".join(rng.choice(words) for _ in range(rng.randint(3, 12))) for _ in range(300)]
    index = NearDupIndex(texts, threshold=0.8)
    probes = texts[:40] + [t + " plan" for t in texts[40:80]] + [t[:-2] for t in texts[80:120]]
    for probe in probes:
        grams = char_grams(probe)
        expected = {i for i, t in enumerate(texts) if jaccard(grams, char_grams(t)) >= 0.8}
        assert {m.position for m in index.similar(probe)} == expected


def test_near_dup_index_exact_and_absent() -> None:
    index = NearDupIndex(["The bill died on a partisan vote in a House subcommittee."])
    assert index.contains_exact("the bill died on a partisan vote in a house subcommittee")
    assert index.is_present("The bill died on a partisan vote in a House subcommittee!")
    assert index.is_present(
        "The bill died on a partisan vote in a House subcommitee."
    )  # typo: near duplicate
    assert not index.is_present("A completely different sentence about farm subsidies in Iowa.")


def test_presence_by_containment_and_clauses() -> None:
    index = NearDupIndex(
        [
            "President Trump recently campaigned at a rally in Hershey, Pa. The Inquirer reported on the event.",
            'Trump: "Judicial Watch made a settlement.',
        ]
    )
    # another splitter would cut the first text in two: each half is present
    assert index.is_present("The Inquirer reported on the event.")
    assert index.is_present("President Trump recently campaigned at a rally in Hershey, Pa.")
    # the candidate holds an indexed sentence
    assert index.is_present('The letter read, in part: Trump: "Judicial Watch made a settlement.')
    assert not index.is_present('Trump: "Judicial Watch made a deal.')
    # word-aligned only: "event" is not "events"
    assert not index.is_present("The Inquirer reported on the events of the week.")
    assert not index.contained("reported on the eve")
