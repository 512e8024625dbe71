"""schema.org ClaimReview JSON-LD to fact-check records, from JSON and from fetched pages."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from webfixtures import LocalServer, fast_settings

from credibility.errors import InputError
from credibility.web.claimreview import (
    claimreview_records,
    claimreviews_from_html,
    parse_claimreview,
    parse_claimreview_json,
    records_from_html,
)
from credibility.web.fetch import Fetcher
from credibility.web.pages import fetch_article_record, record_from_html

# Invented example data.
REVIEW: dict[str, Any] = {
    "@context": "https://schema.org",
    "@type": "ClaimReview",
    "url": "https://checks.example.org/2024/bridge-closed-forever",
    "name": "No, the harbour bridge is not closed forever",
    "claimReviewed": "The harbour bridge will never reopen.",
    "datePublished": "2024-03-06",
    "author": {"@type": "Organization", "name": "Example Checks"},
    "reviewRating": {"@type": "Rating", "ratingValue": 1, "bestRating": 5, "alternateName": "False"},
    "itemReviewed": {
        "@type": "Claim",
        "author": {"@type": "Person", "name": "A. Commentator"},
        "datePublished": "2024-03-01",
    },
    "reviewBody": "The bridge reopened on 5 March after repairs.",
}


def test_single_object() -> None:
    (record,) = claimreview_records(REVIEW, origin="test")
    assert record.kind == "factcheck"
    assert record.id == record.url == REVIEW["url"]
    assert record.claim == "The harbour bridge will never reopen."
    assert record.rating == "False"
    assert record.source == "Example Checks"
    assert record.speaker == "A. Commentator"
    assert record.published == "2024-03-06"
    assert record.title == "No, the harbour bridge is not closed forever"
    assert record.text == "The bridge reopened on 5 March after repairs."
    assert record.origin == "test"


def test_list_graph_nesting_and_type_spellings() -> None:
    second = {
        **REVIEW,
        "@type": ["schema:ClaimReview", "Review"],
        "url": "https://checks.example.org/2024/ferry",
        "claimReviewed": "The ferry was free for everyone.",
        "reviewRating": {"@type": "Rating", "ratingValue": "2"},
        "name": None,
        "author": [{"@type": "Person", "name": "Fact Writer"}],
    }
    third = {**REVIEW, "@type": "http://schema.org/ClaimReview", "url": "https://checks.example.org/c3"}
    data = [
        {"@context": "https://schema.org", "@graph": [{"@type": "WebPage", "name": "page"}, REVIEW]},
        {"@type": "WebPage", "mainEntity": second},
        third,
        {"@type": "NewsArticle", "headline": "not a review"},
    ]
    records = claimreview_records(data)
    assert [r.url for r in records] == [REVIEW["url"], second["url"], third["url"]]
    ferry = records[1]
    assert ferry.rating == "2"  # ratingValue when there is no alternateName
    assert ferry.source == "Fact Writer"
    assert ferry.title == "The ferry was free for everyone."  # no name: the claim


def test_ids_stay_unique_and_stable() -> None:
    other = {**REVIEW, "claimReviewed": "Another claim on the same page."}
    ids = [r.id for r in claimreview_records([REVIEW, other])]
    assert len(set(ids)) == 2 and all(i.startswith(REVIEW["url"] + "#claim-") for i in ids)
    assert ids == [r.id for r in claimreview_records([REVIEW, other])]
    anonymous = {k: v for k, v in REVIEW.items() if k != "url"}
    (record,) = claimreview_records(anonymous)
    assert record.id.startswith("claimreview:") and record.url == ""
    (on_page,) = claimreview_records(anonymous, page_url="https://checks.example.org/page")
    assert on_page.id == on_page.url == "https://checks.example.org/page"


def test_reviews_without_a_claim_are_skipped() -> None:
    assert claimreview_records({**REVIEW, "claimReviewed": ""}) == []
    assert claimreview_records({"@type": "NewsArticle"}) == []
    assert claimreview_records("just a string") == []


def test_bad_json_is_an_input_error_naming_the_source() -> None:
    with pytest.raises(InputError, match=r"reviews\.json: not valid JSON-LD"):
        parse_claimreview_json('{"@type": "ClaimReview", ', origin="reviews.json")
    assert len(parse_claimreview_json(json.dumps(REVIEW).encode(), origin="ok.json")) == 1


def _page(*blocks: str, body: str = "") -> str:
    scripts = "".join(f'<script type="application/ld+json">{b}</script>' for b in blocks)
    article = body or (
        "<article><h1>No, the harbour bridge is not closed forever</h1>"
        "<p>A post shared widely this week says the harbour bridge will never reopen to traffic.</p>"
        "<p>The city transport office reopened the bridge on 5 March after eight months of repairs.</p>"
        "<p>We rate the claim False because the bridge is open and carries traffic again.</p></article>"
    )
    return f"<html><head><title>Check</title>{scripts}</head><body>{article}</body></html>"


def test_json_ld_in_html_with_a_broken_block() -> None:
    wrapped = "<!--\n" + json.dumps(REVIEW) + "\n-->"
    html = _page("{not json", wrapped)
    (record,) = claimreviews_from_html(html, "https://checks.example.org/page")
    assert record.claim == REVIEW["claimReviewed"]
    with pytest.raises(InputError, match=r"https://checks\.example\.org/page: JSON-LD block 1"):
        claimreviews_from_html(html, "https://checks.example.org/page", strict=True)


def test_aliases_used_by_the_loaders() -> None:
    (record,) = parse_claimreview({"@graph": [REVIEW]}, origin="reviews.json")
    assert record.origin == "reviews.json" and record.claim == REVIEW["claimReviewed"]
    (saved,) = records_from_html(_page(json.dumps(REVIEW)), origin="saved/page.html")
    assert saved.origin == "saved/page.html" and saved.id == REVIEW["url"]


def test_page_with_claimreview_becomes_a_factcheck_record() -> None:
    record = record_from_html(_page(json.dumps(REVIEW)), "https://checks.example.org/page")
    assert record.kind == "factcheck" and record.rating == "False" and record.speaker == "A. Commentator"
    assert record.id == record.url == "https://checks.example.org/page"
    assert "We rate the claim False" in record.text  # the article text, not just reviewBody
    assert record.title == "No, the harbour bridge is not closed forever"


def test_markup_alone_is_enough_when_the_page_has_no_body() -> None:
    record = record_from_html(
        _page(json.dumps(REVIEW), body="<div></div>"), "https://checks.example.org/bare"
    )
    assert record.kind == "factcheck" and record.text == REVIEW["reviewBody"]


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    with LocalServer() as s:
        yield s


def test_fetch_claimreview_page(tmp_path: Path, server: LocalServer) -> None:
    url = server.add("/checks/bridge", _page(json.dumps({"@graph": [REVIEW]})))
    with Fetcher(fast_settings(tmp_path)) as fetcher:
        record = fetch_article_record(fetcher, url)
    assert record.kind == "factcheck" and record.claim == REVIEW["claimReviewed"]
    assert record.url == url and record.source == "Example Checks" and record.published == "2024-03-06"
