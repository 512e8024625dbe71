"""Promo lines: "READ ALSO: ...", "Related", "Watch:", "Advertisement" and the like.

News pages put links to other stories, media embeds, ads and photo credits between the
paragraphs of an article. Three parts of the library need to recognise them, each on
its own kind of text and with its own need for certainty, so there are four patterns,
built from the same vocabulary (all ignore case, and all are used as yes/no tests):

:data:`PROMO_SENTENCE` (``match``)
    A sentence of a checked article that opens with a link label ("Read also ...",
    "Related: ..."): the check engine does not look for reporting behind such a
    sentence of a repost. Words are separated by exactly one space; the label may be
    followed by spaces and ``: | - – —``.
:data:`PROMO_BLOCK` (``match``)
    A block of extracted HTML text that opens with a promo label, link or not ("Read
    next", "Related stories", "You may also like", "Sponsored", "Trending"): the
    extractor classifies the block as a promo. Words may be separated by any white space.
:data:`PROMO_LABEL` (``match``)
    A line of plain text that opens with a label and a separator (``: | » › >``):
    "Read more: ...", "See also | ...", "Photo: ...", "Credit: ...". The sentence
    splitter does not join such a line to its neighbours as wrapped prose. The separator
    is required, so a sentence that merely begins with "Read" or "More" is not a label.
:data:`PROMO_LINE` (``fullmatch``)
    A whole line of page furniture: "Read more", "Advertisement", "Continue reading",
    "Story continues below advertisement", "Sign up", "Subscribe" (trailing punctuation
    allowed). Also for the sentence splitter.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = [
    "CREDIT_LABELS",
    "LINK_LABELS",
    "MEDIA_LABELS",
    "PROMO_BLOCK",
    "PROMO_LABEL",
    "PROMO_LINE",
    "PROMO_SENTENCE",
]

#: Labels of a link to another story, in every pattern but :data:`PROMO_LINE`.
LINK_LABELS = ("read also", "also read", "read more", "see also")
#: Labels of embedded audio or video.
MEDIA_LABELS = ("watch", "listen")
#: Labels of a photo caption or credit (:data:`PROMO_LABEL` only).
CREDIT_LABELS = (
    "photo",
    "photos",
    "image",
    "video",
    "credit",
    "credits",
    "source",
    "caption",
    "pictured",
    "file photo",
)
#: Where an ad interrupts the article.
ADVERTISEMENT = "advertisement"


def _either(phrases: Iterable[str], space: str = r"\s+") -> str:
    """The phrases as regex alternatives, their words joined by ``space``."""
    return "|".join(space.join(re.escape(word) for word in phrase.split(" ")) for phrase in phrases)


PROMO_SENTENCE = re.compile(
    rf"^\s*({_either((*LINK_LABELS, 'related', 'recommended', 'more from', *MEDIA_LABELS), ' ')})\b"
    r"[\s:|\-–—]*",
    re.IGNORECASE,
)

PROMO_BLOCK = re.compile(
    rf"^(?:{_either(LINK_LABELS)}|read\s+next|"
    r"related(?:\s+(?:articles?|stories|coverage|news))?|more\s+on\s+this|recommended(?:\s+for\s+you)?|"
    rf"{_either(MEDIA_LABELS)}|sponsored|{ADVERTISEMENT}|you\s+may\s+also\s+like|don'?t\s+miss|trending)\b",
    re.IGNORECASE,
)

PROMO_LABEL = re.compile(
    rf"(?:read|also read|see|see also|{_either(MEDIA_LABELS, ' ')}|related|more|recommended|trending|"
    rf"{_either(CREDIT_LABELS, ' ')})(?:\s+(?:also|more|too|now))?\s*[:|»›>]",
    re.IGNORECASE,
)

PROMO_LINE = re.compile(
    rf"(?:read more|{ADVERTISEMENT}|continue reading|story continues below(?: {ADVERTISEMENT})?|"
    rf"skip {ADVERTISEMENT}|share this article|sign up|subscribe)\W*",
    re.IGNORECASE,
)
