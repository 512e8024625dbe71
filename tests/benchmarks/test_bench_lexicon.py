"""Alterations change what they say they change, and only that."""

from __future__ import annotations

import random

import pytest

from benchmarks.lexicon import (
    Lexicon,
    alter_date,
    alter_negation,
    alter_number,
    alter_org,
    alter_person,
    alter_place,
    is_person_name,
    negation_count,
)

LEXICON = Lexicon(
    persons=["Maria Lopez", "John Carter", "Alice Brown"],
    places={
        "state": ["Ohio", "Texas", "Oregon"],
        "country": ["Mexico", "Canada"],
        "city": ["Austin", "Dayton"],
    },
    orgs=["Census Bureau", "Department of Labor", "Urban Institute"],
    acronyms=["FBI", "CDC"],
)


def test_person_names() -> None:
    assert is_person_name("GayDonna Vandergriff")
    assert is_person_name("John F. Kennedy")
    assert not is_person_name("Facebook posts")
    assert not is_person_name("National Republican Congressional Committee")
    assert not is_person_name("Bloggers")


@pytest.mark.parametrize("seed", range(5))
def test_number_changes_one_figure_and_keeps_format(seed: int) -> None:
    sentence = "California added 354,100 jobs while Florida added 190,500 jobs in 2015."
    alt = alter_number(sentence, sentence, LEXICON, random.Random(seed))
    assert alt is not None and alt.kind == "number"
    assert alt.old in ("354,100", "190,500") and alt.new != alt.old and len(alt.new) == len(alt.old)
    assert alt.text == sentence.replace(alt.old, alt.new, 1)
    assert "2015" in alt.text  # years belong to the date kind


def test_number_words_in_compounds_are_left_alone() -> None:
    sentence = "Two-thirds of the votes were counted."
    assert alter_number(sentence, sentence, LEXICON, random.Random(0)) is None


def test_number_word() -> None:
    sentence = "The state Department of Health has recorded two this century."
    alt = alter_number(sentence, sentence, LEXICON, random.Random(1))
    assert alt is not None and alt.old == "two" and alt.new != "two" and alt.new in alt.text


@pytest.mark.parametrize("seed", range(6))
def test_date_moves_year_month_or_day(seed: int) -> None:
    sentence = "Tran, during a Jan. 28 hearing in 2019, acknowledged it."
    alt = alter_date(sentence, sentence, LEXICON, random.Random(seed))
    assert alt is not None and alt.kind == "date" and alt.text != sentence
    assert alt.old in ("Jan.", "28", "2019") and alt.new != alt.old
    if alt.old == "2019":
        assert abs(int(alt.new) - 2019) <= 5


def test_person_swap_uses_someone_absent_from_the_article() -> None:
    article = "Maria Lopez said so. Lopez repeated it. John Carter disagreed."
    alt = alter_person("Lopez repeated it on Monday.", article, LEXICON, random.Random(0))
    assert alt is not None and alt.kind == "person"
    assert alt.old == "Lopez" and alt.new == "Brown"  # Carter is in the article, so not a candidate
    assert alt.text == "Brown repeated it on Monday."


def test_place_and_org_swaps() -> None:
    sentence = "The Census Bureau counted more people in Ohio than in Mexico."
    place = alter_place(sentence, sentence, LEXICON, random.Random(2))
    assert place is not None and place.kind == "place"
    assert (place.old, place.new) in {("Ohio", "Texas"), ("Ohio", "Oregon"), ("Mexico", "Canada")}
    assert place.old not in place.text
    org = alter_org(sentence, sentence, LEXICON, random.Random(2))
    assert org is not None and org.kind == "organisation" and org.old == "Census Bureau"
    assert org.new in ("Department of Labor", "Urban Institute") and "Census Bureau" not in org.text


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("The measure never came up for a vote.", "The measure came up for a vote."),
        ("VanValkenburg doesn’t sit on the panel.", "VanValkenburg does sit on the panel."),
        ("The bill would not have passed.", "The bill would have passed."),
    ],
)
def test_negation_removal(sentence: str, expected: str) -> None:
    alt = alter_negation(sentence, sentence, LEXICON, random.Random(0))
    assert alt is not None and alt.text == expected
    assert negation_count(alt.text) == negation_count(sentence) - 1


def test_negation_addition_goes_after_the_first_auxiliary() -> None:
    alt = alter_negation("The legislation would have lowered the threshold.", "", LEXICON, random.Random(0))
    assert alt is not None and alt.text == "The legislation would not have lowered the threshold."
    assert alter_negation("Did her life have value?", "", LEXICON, random.Random(0)) is None
    # a negation just after the auxiliary is removed, never doubled
    alt = alter_negation("Caravan members are also not illegal.", "", LEXICON, random.Random(0))
    assert alt is not None and alt.text == "Caravan members are also illegal."


def test_nothing_to_alter() -> None:
    sentence = "Nobody knows."
    for fn in (alter_number, alter_date, alter_person, alter_place, alter_org):
        assert fn(sentence, sentence, LEXICON, random.Random(0)) is None
