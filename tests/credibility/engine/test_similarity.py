"""Added-span detection on text as pages deliver it (entities, invisible characters)."""

from __future__ import annotations

from credibility.engine.similarity import added_span
from credibility.text.normalize import web_text_with_offsets

EVIDENCE = 'The mayor said "the bridge carries our city" and thanked the engineers who repaired it.'
ESCAPED = (
    "The mayor said &quot;the bridge carries our city&quot; and thanked the engi\u00adneers who repaired it."
)


def test_entities_and_soft_hyphens_add_no_words() -> None:
    assert added_span(ESCAPED, EVIDENCE) is None


def test_an_added_tail_is_found_with_offsets_in_the_original_text() -> None:
    tail = ", and officials admitted the vaccine contains tracking microchips"
    article = ESCAPED[:-1] + tail + "."
    span = added_span(article, EVIDENCE)
    assert span is not None
    assert article[span[0] : span[1]] == tail.removeprefix(", ")


def test_shown_text_maps_back_to_the_original() -> None:
    text = "D&#8217;Souza said no\u00adthing &amp; left."
    shown, spans = web_text_with_offsets(text)
    assert shown == "D\u2019Souza said nothing & left."
    apostrophe = shown.index("\u2019")
    assert text[spans[apostrophe][0] : spans[apostrophe][1]] == "&#8217;"
    ampersand = shown.index("&")
    assert text[spans[ampersand][0] : spans[ampersand][1]] == "&amp;"
    assert len(spans) == len(shown)
