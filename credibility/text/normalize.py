"""Text normalization for hashing and comparison.

The normalized form decides which sentences count as "the same text" (the exact
fast path, the embedding cache, duplicate articles), so its version is recorded
in every index: an index built with another version is refused.
"""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata
from html.entities import html5 as html5_entities

#: 2: HTML entities left in the text ("&amp;", "&#8217;", "&nbsp;") are decoded and every
#: invisible format character (soft hyphen, zero-width space/joiners, word joiner, BOM,
#: direction marks) dropped, so a repost that went through a CMS or a feed keeps its keys.
NORMALIZATION_VERSION = 2

_QUOTES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "`": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
    }
)
#: Invisible format characters (Unicode category Cf) that pages scatter inside words: soft
#: hyphens, zero-width spaces and joiners, the word joiner, BOMs, direction marks. They must not
#: split or change a word.
_INVISIBLE = re.compile("[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]")
#: An HTML character reference with its closing semicolon ("&amp;", "&#8217;", "&#x2019;"). Without
#: the semicolon nothing is decoded: "AT&T", "R&D" and "&parent" are text.
ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
#: What one shown character (or an entity's characters) comes from: a reference or one character.
_SHOWN_UNIT = re.compile(ENTITY.pattern + "|.", re.DOTALL)
# Punctuation is dropped unless it sits between two letters or digits: "3.2",
# "U.S", "don't" and "1,000" keep theirs, so 3.2 and 32 never share a key.
_LOOSE_PUNCT = re.compile(r"(?<![\w])[^\w\s]+|[^\w\s]+(?![\w])")
_SPACES = re.compile(r"\s+")
#: Half of a UTF-16 surrogate pair on its own ("\\ud83d" in JSON: a truncated emoji). Python strings
#: may hold one; UTF-8 cannot encode it, so hashing, SQLite and JSON output would fail on it.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def lone_surrogate(text: str) -> str | None:
    """Where the first lone surrogate of ``text`` is ("\\ud83d at character 12"), or None."""
    m = _LONE_SURROGATE.search(text)
    return None if m is None else f"\\u{ord(m.group()):04x} at character {m.start() + 1}"


def scrub_surrogates(text: str) -> str:
    """``text`` with every lone surrogate replaced by U+FFFD (one character for one: offsets hold)."""
    return _LONE_SURROGATE.sub("\ufffd", text) if _LONE_SURROGATE.search(text) else text


def decode_entity(reference: str) -> str:
    """One character reference ("&amp;", "&#8217;") decoded; an unknown name stays as it is
    ("&notanentity;" is not "&not;" followed by text)."""
    if reference[1] == "#":
        return html.unescape(reference)
    return html5_entities.get(reference[1:], reference)


def unescape_entities(text: str) -> str:
    """``text`` with its HTML character references decoded (twice, for a page escaped twice:
    "&amp;#8217;"); references without their semicolon are left alone."""
    for _ in range(2):
        if "&" not in text:
            break
        decoded = ENTITY.sub(lambda m: decode_entity(m.group()), text)
        if decoded == text:
            break
        text = decoded
    return text


def web_text_with_offsets(text: str) -> tuple[str, list[tuple[int, int]]]:
    """``text`` as :func:`web_text` shows it (one decoding pass), with the span of ``text`` each of
    its characters comes from, so a position found in the shown text maps back to the original."""
    shown: list[str] = []
    spans: list[tuple[int, int]] = []
    for match in _SHOWN_UNIT.finditer(text):
        piece = match.group()
        if len(piece) > 1:
            piece = decode_entity(piece)
        elif _INVISIBLE.match(piece):
            continue
        shown.append(piece)
        spans.extend([match.span()] * len(piece))
    return "".join(shown), spans


def web_text(text: str) -> str:
    """``text`` as its page shows it: HTML entities decoded, invisible characters dropped; nothing
    else changes (quotes, dashes, spaces and case stay)."""
    return _INVISIBLE.sub("", unescape_entities(text))


def clean_text(text: str) -> str:
    """Unicode-clean display text: HTML entities decoded, invisible characters dropped, NFKC,
    straight quotes and dashes, single spaces."""
    text = unicodedata.normalize("NFKC", web_text(text)).translate(_QUOTES)
    return _SPACES.sub(" ", text).strip()


def normalize(text: str) -> str:
    """The comparison key of a sentence: cleaned, case-folded, loose punctuation removed."""
    text = clean_text(text).casefold()
    text = _LOOSE_PUNCT.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


def text_hash(text: str) -> str:
    """Hash of the normalized text (hex, 32 chars)."""
    return hashlib.blake2b(normalize(text).encode("utf-8"), digest_size=16).hexdigest()


def content_hash(*parts: str) -> str:
    """Hash of several normalized fields, order-sensitive (article identity for duplicates)."""
    joined = "\x1f".join(normalize(part) for part in parts)
    return hashlib.blake2b(joined.encode("utf-8"), digest_size=16).hexdigest()
