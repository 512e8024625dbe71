"""Comparison keys survive what reposting does to text: entities, invisible characters, typography."""

from __future__ import annotations

import pytest

from credibility.text.normalize import clean_text, normalize, text_hash, unescape_entities, web_text

SENTENCE = "Sen. O'Neil said \"the $1.5 billion plan -- approved in 2019 -- isn't dead...\" on Monday."

# The same sentence as reposts carry it.
NOISY = [
    # smart punctuation, an ellipsis character, an em dash
    "Sen. O’Neil said “the $1.5 billion plan — approved in 2019 — isn’t dead…” on Monday.",
    # entities a feed or a CMS left escaped
    "Sen. O&#8217;Neil said &#8220;the $1.5 billion plan &#8212; approved in 2019 &#8212; isn&#8217;t"
    " dead&#8230;&#8221; on Monday.",
    "Sen. O&rsquo;Neil said &ldquo;the $1.5&nbsp;billion plan &mdash; approved in 2019 &mdash; isn&rsquo;t"
    " dead&hellip;&rdquo; on&nbsp;Monday.",
    "Sen. O&#39;Neil said &quot;the $1.5 billion plan -- approved in 2019 -- isn&#39;t dead...&quot; on Monday.",
    # escaped twice
    "Sen. O&amp;#8217;Neil said &amp;quot;the $1.5 billion plan -- approved in 2019 -- isn't dead...&amp;quot;"
    " on Monday.",
    # no-break spaces, a hard line break, soft hyphens, zero-width characters inside words
    "Sen.\u00a0O'Neil said \"the $1.5\u00a0billion plan -- approved in\n2019 -- isn't dead...\" on\u00a0Monday.",
    "Sen. O'Neil said \"the $1.5 bil\u00adlion plan -- ap\u00adpro\u00adved in 2019 -- isn't dead...\" on Mon\u00adday.",
    "Sen. O'Ne\u200bil said \"the $1.5 bill\u200cion plan -- approved\u2060 in 2019 -- isn't dead...\" on \ufeffMonday.",
    "Sen. O'Neil said \"the $1.5 billion plan -- approved in 2019 -- isn't dead...\" on Mon\u200eday.",
]


@pytest.mark.parametrize("noisy", NOISY)
def test_reposted_text_keeps_its_key(noisy: str) -> None:
    assert normalize(noisy) == normalize(SENTENCE)
    assert text_hash(noisy) == text_hash(SENTENCE)


def test_entities_are_decoded_only_with_their_semicolon() -> None:
    assert unescape_entities("AT&amp;T &lt;b&gt; &#x2019; &#8217;") == "AT&T <b> \u2019 \u2019"
    # "AT&T", "R&D" and "&parent" are text, not the legacy entities "&T"... or "&para"
    assert unescape_entities("AT&T, R&D and Johnson&parent &notanentity; &amp") == (
        "AT&T, R&D and Johnson&parent &notanentity; &amp"
    )
    assert unescape_entities("&amp;amp;") == "&"  # twice at most
    assert normalize("AT&T profits") != normalize("ATT profits")


def test_web_text_keeps_typography_for_display() -> None:
    shown = web_text("&#8220;Hi&nbsp;there,&#8221; she said &mdash; twice. Gov\u00adern\u200bment")
    assert shown == "\u201cHi\u00a0there,\u201d she said \u2014 twice. Government"
    assert clean_text(shown) == '"Hi there," she said - twice. Government'


def test_a_changed_word_still_changes_the_key() -> None:
    assert normalize("The plan isn&#8217;t dead.") != normalize("The plan is dead.")
    assert normalize("cost $1.5&nbsp;billion") != normalize("cost $15 billion")
