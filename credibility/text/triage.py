"""Triage: which sentences carry nothing a reviewer could verify, and why.

``triage_sentence(text)`` returns ``None`` for a sentence that must be checked against the verified
reporting, or a :class:`Triage` naming why it is ``not_checked``: page furniture (bylines, datelines,
publisher lines, share/navigation text), no words at all, or a language the embedding model does not
read. Length is never a reason: "Sirte has fallen." is checked, a long share-button line is not.

What is deliberately *not* triaged here, because the product must flag it when the source lacks it:
promo lines ("READ ALSO <headline>", "Read more: <headline>"), photo captions and credits
("(Photo by ABDULLAH DOMA/AFP via Getty Images)"), and any dateline prefix followed by a real sentence
("LONDON (Reuters) - Oil prices rose on Monday."). Every rule below matches the *whole* line, so a real
sentence that merely starts like furniture ("By Friday, the council had approved the plan.",
"Share prices fell.") stays checkable.

Language detection: py3langid 0.4.0 (BSD, ships its ~4.5 MB model inside the wheel, nothing is
downloaded). Compared with langdetect 1.0.9 (seeded) on 82 hand-written sentences: 46 English news
sentences, many dense with Arabic/Turkish/French/German/Spanish names, and 36 in
fr/de/es/it/pt/nl/tr/pl/sv/id/ru/ar/zh; same process, same inputs, busy 2-core machine:

=========================================  ===============  ===============  =============  =========
detector and rule                          English flagged  foreign flagged  ms / sentence  load
=========================================  ===============  ===============  =============  =========
py3langid, content words, P(en) < 0.01     0 / 46           36 / 36          0.4-0.6        ~2-4 s
langdetect, content words, top p >= 0.9    0 / 46           35 / 36          11-12          ~1-2 s
py3langid on raw text                      3 / 46           36 / 36          1.2
langdetect on raw text                     5 / 46           35 / 36          24
=========================================  ===============  ===============  =============  =========

(On an idle machine: py3langid ~0.17 ms, langdetect ~4.3 ms a sentence, py3langid loads in ~1.2 s.)
On raw text both call English foreign when names dominate ("Sergei Lavrov met Mevlüt Çavuşoğlu in
Moscow.": langdetect says Turkish, p=1.00); dropping capitalised words first (``_content_words``) is what
makes the check safe. py3langid was chosen: as accurate, ~25x faster, maintained (langdetect's last
release is from 2021), and its probabilities are calibrated enough to threshold on P(model language).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from credibility.text.normalize import web_text

__all__ = ["LANGUAGE_NAMES", "MULTILINGUAL", "Triage", "triage_sentence"]


@dataclass(frozen=True, slots=True)
class Triage:
    """Why a sentence is not checked: ``reason`` for people, ``code`` for machines."""

    reason: str
    code: str  # "empty" | "punctuation" | "byline" | "dateline" | "publisher" | "navigation" | "link" | "language"


# --------------------------------------------------------------------------------------------------
# Shared vocabulary

# Stripped from both ends before any rule: whitespace, invisible joiners/BOM, then bullets and arrows.
_SPACE = " \t\n\r\x0b\x0c\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
_SPACE += "\u2028\u2029\u202f\u205f\u3000\u200b\u200c\u200d\u2060\ufeff"
_EDGE = _SPACE + "•·▪►▶»›"

_MONTHS = {
    "jan", "january", "feb", "february", "mar", "march", "apr", "april", "may", "jun", "june", "jul",
    "july", "aug", "august", "sep", "sept", "september", "oct", "october", "nov", "november", "dec",
    "december",
}  # fmt: skip
_WEEKDAYS = {
    "mon", "monday", "tue", "tues", "tuesday", "wed", "wednesday", "thu", "thur", "thurs", "thursday",
    "fri", "friday", "sat", "saturday", "sun", "sunday", "today", "yesterday",
}  # fmt: skip
_TIMEZONES = {
    "gmt", "utc", "bst", "cet", "cest", "eet", "eest", "msk", "est", "edt", "et", "ct", "cst", "cdt", "mt",
    "mst", "mdt", "pt", "pst", "pdt", "aest", "aedt", "ist", "jst", "hkt", "sgt", "z",
}  # fmt: skip
_DATE_WORDS = {
    "published", "updated", "posted", "modified", "created", "last", "first", "on", "at", "date", "time",
    "of", "the", "and", "ago", "a", "p", "m", "am", "pm", "noon", "midnight", "sec", "secs", "second",
    "seconds", "min", "mins", "minute", "minutes", "hr", "hrs", "hour", "hours", "day", "days", "week",
    "weeks", "month", "months", "year", "years",
}  # fmt: skip

# News agencies and outlets that appear alone or after a separator as a credit ("— Reuters",
# "John Smith | Reuters"). Lowercase, without a leading "the".
_OUTLETS = {
    "reuters", "ap", "associated press", "afp", "agence france-presse",
    "agence france presse", "bloomberg", "bloomberg news", "dpa", "xinhua", "anadolu", "anadolu agency",
    "aa", "ansa", "efe", "kyodo", "yonhap", "tass", "ria novosti", "interfax", "pa", "pa media",
    "press association", "upi", "cnn", "bbc", "bbc news", "al jazeera", "al arabiya", "guardian",
    "new york times", "nyt", "washington post", "financial times", "ft", "times", "telegraph",
    "independent", "sky news", "npr", "cnbc", "fox news", "nbc news", "abc news", "cbs news", "politico",
    "axios", "economist", "deutsche welle", "dw", "france 24", "euronews", "middle east eye",
    "libya observer", "libya herald", "daily sabah", "hurriyet", "hürriyet", "trt world", "arab news",
    "national", "asharq al-awsat", "wire services", "news agencies", "agencies",
}  # fmt: skip

# Words allowed between names in a credit: particles of names, and connectors.
_PARTICLES = {
    "al", "el", "bin", "ibn", "bint", "abu", "de", "da", "di", "du", "del", "della", "der", "den", "van",
    "von", "la", "le", "st", "ter", "dos", "das", "do", "y", "e", "mac",
}  # fmt: skip
_CONNECTORS = {"and", "with", "in", "for", "at", "of", "the", "from", "our", "own"}
# Job titles: a credit line ends with one of these ("Staff writer", "Reuters Staff").
_ROLE_NOUNS = {
    "writer", "writers", "reporter", "reporters", "correspondent", "correspondents", "editor", "editors",
    "staff", "columnist", "columnists", "contributor", "contributors", "journalist", "journalists",
    "desk", "bureau", "newsroom", "photographer",
}  # fmt: skip
_ROLE_WORDS = _ROLE_NOUNS | {
    "senior", "chief", "special", "political", "foreign", "business", "economics", "economic", "diplomatic",
    "security", "defence", "defense", "health", "science", "technology", "tech", "energy", "markets",
    "contributing", "freelance", "deputy", "associate", "international", "national", "investigative",
    "investigations", "news", "digital", "world", "regional", "local", "legal", "data", "environment",
    "sports", "culture", "arts", "opinion", "managing", "executive", "global", "wire", "agency", "middle",
    "east", "africa", "europe", "asia", "affairs",
}  # fmt: skip

# A photo/image credit or caption must stay checkable even when it looks like a byline or source line.
_PHOTO = re.compile(r"\b(?:photos?|photograph\w*|images?|pictures?|pictured|getty|caption|credit)\b", re.I)

_TOKEN = re.compile(r"[^\s,;|/&•·]+")
_NAME_SPLIT = re.compile(r"\s+[-–—]+\s+|[-–—]{2,}|[–—]|[,;|/&•·]|\s+(?:and|with)\s+", re.I)
_ARABIC_PREFIX = re.compile(r"^(?:al|el|ad|ar|as|ash|at|az|an|ben|bin|abd|abu)[-‘'’]\w", re.I)


def _clean(text: str) -> str:
    return text.strip(_EDGE)


def _core(text: str) -> str:
    """The line without edge punctuation, lowercased: what whole-line UI patterns are matched against."""
    return re.sub(r"\s+", " ", text.strip(_EDGE + ".:!?…>→«»\"'“”‘’()[]-–—|*")).lower()


def _name_tokens(segment: str) -> list[str] | None:
    """Tokens of a segment made only of names, name particles, connectors and job titles, else None."""
    tokens = [t.strip("()[]\"'“”‘’.:") for t in _TOKEN.findall(segment)]
    tokens = [t for t in tokens if t]
    if not tokens:
        return None
    for token in tokens:
        low = token.lower()
        if token.startswith("@") or "@" in token:  # handle or e-mail address
            continue
        if low in _PARTICLES or low in _CONNECTORS or low in _ROLE_WORDS:
            continue
        if _ARABIC_PREFIX.match(token):
            continue
        if token[0].isupper() and not any(c.isdigit() for c in token):
            continue
        return None
    return tokens


def _is_credit(text: str) -> bool:
    """A list of people/outlets, possibly with titles ("John Smith and Jane Doe, Reuters")."""
    segments = [s for s in _NAME_SPLIT.split(text) if s and s.strip()]
    return bool(segments) and all(_name_tokens(s) is not None for s in segments)


def _strip_place(segment: str) -> str:
    # "Staff Reporter in Tripoli" -> "Staff Reporter"
    return re.sub(r"\s+in\s+[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*)*$", "", segment.strip())


def _is_outlet(segment: str) -> bool:
    low = re.sub(r"\s+", " ", segment.strip(" ()[].")).lower()
    low = low.removeprefix("the ")
    for tail in (" and news agencies", " and agencies", " with agencies"):
        low = low.removesuffix(tail)
    return low in _OUTLETS


# --------------------------------------------------------------------------------------------------
# Bylines

_BY = re.compile(r"^\(?\s*by\s+(?P<rest>.+?)\)?$", re.I | re.S)
_ROLE_BY = re.compile(
    r"\b(?:additional\s+)?(?:reporting|writing|editing|written|compiled|edited|produced|translated|"
    r"research|interviews?|words|text|story|contributed|report|reported|fact-?checking|graphics)\s+by\b"
    r"\s*:?",
    re.I,
)
_AUTHOR = re.compile(r"^(?:authors?|written\s+by|reporter|byline)\s*:\s*(?P<rest>.+)$", re.I | re.S)


def _is_byline(text: str) -> bool:
    if _PHOTO.search(text):
        return False
    if m := _BY.match(text):
        rest = m.group("rest")
        tokens = _TOKEN.findall(rest)
        first = tokens[0].strip("()[].,'\"").lower() if tokens else ""
        # "By Friday, ..." / "By 2020 ...": a date right after "By" opens a sentence, not a credit.
        if first in _MONTHS or first in _WEEKDAYS or not first[:1].isalpha():
            return False
        return _is_credit(rest)
    if m := _AUTHOR.match(text):
        return _is_credit(m.group("rest"))
    inner = text.strip("() ")
    if _ROLE_BY.match(inner):
        # "Reporting by A in Tripoli and B; Writing by C; Editing by D"
        return _is_credit(_ROLE_BY.sub(" , ", inner))
    segments = [s.strip() for s in _NAME_SPLIT.split(text) if s and s.strip()]
    if not segments or not all(_name_tokens(s) is not None for s in segments):
        return False
    # "Staff writer", "John Smith, Middle East correspondent", "Reuters Staff"
    if any(_strip_place(s).split()[-1].lower() in _ROLE_NOUNS for s in segments if _strip_place(s)):
        return True
    # "John Smith | Reuters": a 2-4 word name, then a known outlet.
    if len(segments) == 2 and _is_outlet(segments[1]):
        left = _name_tokens(segments[0]) or []
        return 2 <= len(left) <= 4 and not any(t.lower() in _CONNECTORS for t in left)
    return False


# --------------------------------------------------------------------------------------------------
# Datelines

_DATE_TOKEN = re.compile(r"\d+(?:st|nd|rd|th|h\d*|t\d+)?|[^\W\d_]+|\S", re.I)
_DATE_NUMBER = re.compile(r"\d{1,4}(?:st|nd|rd|th|h\d*|t\d+)?")  # "8", "2020", "8th", "14h03", "08t14"
# Digit lookarounds rather than \b: ISO stamps glue letters to digits ("2020-01-08T14:03:00Z").
_NUMERIC_DATE = re.compile(r"(?<!\d)\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}(?!\d)")
_TIME = re.compile(r"(?<!\d)\d{1,2}[:.h]\d{2}(?!\d)|(?<!\d)\d{1,2}\s*[ap]\.?m\b", re.I)
# "LONDON (Reuters) -", "TRIPOLI, Libya, Jan 8 (AP) —", "ISTANBUL/TRIPOLI (Reuters) -", "WASHINGTON —"
_PLACE_DATELINE = re.compile(
    r"""^(?:
        (?P<place>[A-Z][A-Z'’.\-]*(?:[ /][A-Z][A-Z'’.\-]*)*)   # all-caps place(s)
        (?:,\s*[A-Z][\w.'’\- ]{1,30})?                        # ", Libya" / ", Calif."
        (?:,\s*[\w.]+\.?\s+\d{1,2}|\s*,\s*\d{1,2}\s+[A-Za-z]+\.?)?  # ", Jan 8" / ", 8 January"
        \s*(?P<agency>\((?:[A-Z][\w.&'’-]*)(?:[ /][A-Z][\w.&'’-]*){0,3}\))?  # "(Reuters)"
      | (?P<agency_only>\((?:[A-Z][\w.&'’-]*)(?:[ /][A-Z][\w.&'’-]*){0,3}\))
    )\s*(?P<dash>-{1,2}|[–—]|:)?\s*(?P<rest>.*)$""",
    re.X | re.S,
)


# All-caps labels that open a line like a place dateline does.
_LABELS = {
    "update", "updated", "breaking", "breaking news", "exclusive", "live", "analysis", "opinion", "comment",
    "explainer", "factbox", "correction", "editor's note", "watch", "video", "audio", "read also",
    "read more", "related", "see also", "also read",
}  # fmt: skip


def _is_date_only(text: str) -> bool:
    """Only dates, times, zones and words like "Published"/"Updated"/"ago"; at least one real date."""
    tokens = _DATE_TOKEN.findall(text)
    anchored = bool(_NUMERIC_DATE.search(text) or _TIME.search(text))
    for token in tokens:
        low = token.lower()
        if low in _MONTHS or low in _WEEKDAYS or low == "ago":
            anchored = True
        elif not (
            low in _DATE_WORDS or low in _TIMEZONES or _DATE_NUMBER.fullmatch(low) or not token.isalnum()
        ):
            return False
    return anchored


def _dateline_rest(text: str) -> str | None:
    """For "PLACE (Agency) - rest", the rest; None when the text does not open with a place dateline."""
    m = _PLACE_DATELINE.match(text)
    if not m or not (m.group("agency") or m.group("dash")):
        return None  # a bare "(AFP)" is an outlet credit, left to the publisher rule
    place = m.group("place")
    if place and (len(place.replace(" ", "").replace("/", "")) < 3 or place.lower() in _LABELS):
        return None  # "US:" is too thin to be a place; "UPDATE:" is a label
    return m.group("rest")


# --------------------------------------------------------------------------------------------------
# Publisher lines

_PUBLISHER_LEAD = re.compile(
    r"^(?:(?:this\s+(?:article|story|piece|post|report)\s+)?(?:was\s+)?"
    r"(?:(?:originally|first)\s+)?(?:published|appeared|posted|ran)|republished|reprinted|syndicated)"
    r"(?:\s+with\s+permission)?\s*(?:by|on|in|at|from)\s+(?P<rest>.+)$",
    re.I | re.S,
)
_COPYRIGHT = re.compile(r"^(?:copyright\s*)?(?:©|\(c\)|copyright)\s*(?:\d{4}|.*all rights reserved)", re.I)
_RIGHTS = re.compile(r"^(?P<who>.*?)[.,]?\s*all rights reserved\.?$", re.I | re.S)


def _is_credit_or_date(text: str) -> bool:
    """Outlet name(s), possibly followed by a date: "The Conversation on January 8, 2020"."""
    m = re.match(r"^(?P<who>.+?)(?:\s+on\s+(?P<date>.+))?$", text.strip(" ."), re.S)
    if not m:
        return False
    if m.group("date") and not _is_date_only(m.group("date")):
        return False
    return _is_credit(m.group("who"))


def _is_publisher(text: str) -> bool:
    if _PHOTO.search(text):
        return False
    if _COPYRIGHT.match(text):
        return True
    if (m := _RIGHTS.match(text)) and (not m.group("who").strip() or _is_credit(m.group("who"))):
        return True
    if m := re.match(r"^(?:via|sources?\s*[:\-–—])\s*(?P<rest>.+)$", text, re.I | re.S):
        return _is_credit(m.group("rest").rstrip(". "))
    if m := _PUBLISHER_LEAD.match(text):
        return _is_credit_or_date(m.group("rest"))
    # An outlet alone, e.g. an end-of-article signature: "— Reuters", "(AFP)", "Al Jazeera and news agencies".
    return _is_outlet(text.strip(" -–—()[]."))


# --------------------------------------------------------------------------------------------------
# Share / navigation text

# Lines made only of these words are UI: "Facebook Twitter Email", "Print", "Copy link".
_UI_WORDS = {
    "share", "facebook", "twitter", "x", "whatsapp", "linkedin", "email", "e-mail", "mail", "print",
    "reddit", "pinterest", "telegram", "messenger", "flipboard", "pocket", "copy", "link", "copied",
    "tweet", "save", "saved", "bookmark", "comment", "comments", "menu", "search", "close", "home",
    "next", "previous", "prev", "more", "sections", "subscribe", "advertisement", "advertising", "ad",
    "sponsored", "video", "audio", "listen", "watch", "play", "gallery", "expand", "collapse", "top",
    "sign", "in", "up", "out", "login", "logout", "log", "register", "account", "newsletter",
    "newsletters", "related", "tags", "topics", "this", "page", "article", "story", "on", "via",
    "the", "to", "and", "or", "|",
}  # fmt: skip
_NAV_LINES = [
    re.compile(p)
    for p in (
        r"share( this| the)?( article| story| page| post| video| link| via| on| to)*( [\w.+-]+)?",
        r"click (here|to)\b.*",
        r".*\bopens? in (a )?new (window|tab)\b.*",
        r"(follow|like|join|find|connect with) us\b.{0,80}",
        r"follow @\w+.*",
        r"(subscribe|sign up|sign-up|signup)(( now| today| here| free| for free)*|( to| for) .{0,60}"
        r"\b(newsletters?|e-?mails?|alerts|updates|briefing|digest|channel|podcast|free|daily|weekly)\b.*)",
        r"(sign|log) (in|out)|login|logout|register( now| here| for free)?|create an account",
        r"(advertisement|advertising|ad|sponsored( content| links?)?|paid (post|content|partner content)"
        r"|promoted( content| stories)?)",
        r"(story|article|content|text) continues (below|after)( (the )?(advertisement|ad))?",
        r"continue reading( (below|the main story|the article|the story|here|more))?",
        r"scroll (down|to continue)( (with|to) (content|the article))?",
        r"read (more|the full (story|article)|the original article|full article|full story|next)",
        r"(see|show|load|view) (more|all|comments|less)( comments| stories| articles)?",
        r"\d+ comments?|(view|add|post|leave|hide|show) (a )?comments?|comments( are closed)?",
        r"(tags?|topics?|filed under|categor(y|ies)|keywords?|related topics|more on|more about)\s*:.*",
        r"(tags|topics)",
        r"(update|breaking( news)?|exclusive|live( updates| blog)?|explainer|factbox|editor'?s note|correction)",
        r"related( articles?| stories| story| content| coverage| news| links| videos?| posts?| reading)?",
        r"more (stories|news|articles|videos|from [\w .'’&-]{1,40})",
        r"(most (read|popular|viewed|shared|watched)|trending( now)?|recommended( for you)?|top stories"
        r"|latest( news| stories| headlines)?|editor'?s picks|you (may|might) (also )?(like|be interested in))",
        r"(skip|jump) to (the )?(main )?(content|navigation|footer|search|article)",
        r"skip (navigation|ad|advertisement)",
        r"(back|return|go|scroll) to (the )?(top|top of (the )?page|homepage|home page|home)|top of (the )?page",
        r"\d+\s*-?\s*(min|mins|minute|minutes) (read|listen|watch)|reading time:? \d+ (min|mins|minutes)",
        r"listen to (this|the) (article|story)( \d+ (min|mins|minutes))?",
        r"(previous|next) (article|story|page|post|slide)",
        r"home( (›|»|>|/) [\w &'’-]{1,30}){1,6}",  # breadcrumb "Home › World › Africa"
    )
]


# One alternation, matched once, instead of a loop over the patterns: same lines, a tenth the time.
_ANY_NAV_LINE = re.compile("|".join(f"(?:{p.pattern})" for p in _NAV_LINES))


def _is_nav_part(text: str) -> bool:
    core = _core(text)
    if not core:
        return False
    if _ANY_NAV_LINE.fullmatch(core):
        return True
    words = re.findall(r"[\w-]+|\|", core)
    return bool(words) and all(w in _UI_WORDS for w in words)


def _is_navigation(text: str) -> bool:
    # Widgets run together on one line: "Advertisement - scroll to continue", "Print | Email".
    return _is_nav_part(text) or all(_is_nav_part(p) for p in re.split(r"\s[-–—|·•]\s", text))


# A line that is only a link (a share or tracking URL: "https://site/story/?utm_source=facebook&..."),
# possibly after a label: nothing in it can be verified.
_LINK_LINE = re.compile(
    r"(?:(?:source|link|url|via|shared via|permalink|original(?:ly)?(?: posted| published)?(?: at| on)?)"
    r"\s*[:\-–—]?\s*)?(?:https?://|www\.)\S+|\S*[?&]utm_[a-z]+=\S*",
    re.I,
)


# --------------------------------------------------------------------------------------------------
# Language

LANGUAGE_NAMES: dict[str, str] = {
    "af": "Afrikaans", "am": "Amharic", "ar": "Arabic", "az": "Azerbaijani", "be": "Belarusian",
    "bg": "Bulgarian", "bn": "Bengali", "bs": "Bosnian", "ca": "Catalan", "cs": "Czech", "cy": "Welsh",
    "da": "Danish", "de": "German", "el": "Greek", "en": "English", "es": "Spanish", "et": "Estonian",
    "eu": "Basque", "fa": "Persian", "fi": "Finnish", "fr": "French", "ga": "Irish", "gl": "Galician",
    "gu": "Gujarati", "he": "Hebrew", "hi": "Hindi", "hr": "Croatian", "hu": "Hungarian", "hy": "Armenian",
    "id": "Indonesian", "is": "Icelandic", "it": "Italian", "ja": "Japanese", "ka": "Georgian",
    "kk": "Kazakh", "km": "Khmer", "kn": "Kannada", "ko": "Korean", "ku": "Kurdish", "lt": "Lithuanian",
    "lv": "Latvian", "mk": "Macedonian", "ml": "Malayalam", "mn": "Mongolian", "mr": "Marathi",
    "ms": "Malay", "mt": "Maltese", "my": "Burmese", "ne": "Nepali", "nl": "Dutch", "no": "Norwegian",
    "pa": "Punjabi", "pl": "Polish", "ps": "Pashto", "pt": "Portuguese", "ro": "Romanian", "ru": "Russian",
    "si": "Sinhala", "sk": "Slovak", "sl": "Slovenian", "so": "Somali", "sq": "Albanian", "sr": "Serbian",
    "sv": "Swedish", "sw": "Swahili", "ta": "Tamil", "te": "Telugu", "th": "Thai", "tl": "Tagalog",
    "tr": "Turkish", "uk": "Ukrainian", "ur": "Urdu", "uz": "Uzbek", "vi": "Vietnamese", "zh": "Chinese",
}  # fmt: skip
"""Languages the detector may answer (py3langid codes). Its rarer labels (Wu, Nigerian Pidgin, Crimean
Tatar, ...) are left out: on news text they only ever won on names."""

MULTILINGUAL = "mul"
"""``model_language`` for a multilingual model: no language check."""

_MIN_LETTERS = 20  # content letters needed before the detector is trusted at all
_MAX_MODEL_LANGUAGE_P = 0.01  # flag only when P(model language) is below this
# On the benchmark above, P(en) of content words was >= 0.32 for every English sentence long enough to
# test (26 of 46) and <= 0.0007 for every foreign one: 0.01 leaves a wide margin on both sides.

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_detector: Any = None
_detector_lock = threading.Lock()


def _get_detector(cache_dir: Path | None = None) -> Any:
    """py3langid identifier restricted to LANGUAGE_NAMES; loaded on first use, once per process
    (10-30 ms from the decompressed copy :mod:`credibility.text.langid_model` caches in
    ``cache_dir``, the settings' per-user cache folder)."""
    global _detector
    if _detector is None:
        with _detector_lock:
            if _detector is None:
                from credibility.text.langid_model import load_identifier

                _detector = load_identifier(LANGUAGE_NAMES, cache_dir)
    return _detector


# Kana, CJK ideographs and Hangul syllables.
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")


def _letter_count(text: str) -> int:
    # One CJK character carries about as much as a short word: it counts 3, so that a Chinese or
    # Japanese sentence reaches the length gate about when a European one does.
    return sum(map(str.isalpha, text)) + 2 * len(_CJK.findall(text))


def _content_words(text: str) -> str:
    """The words that are not capitalised: names (Erdogan, Çavuşoğlu, Société Générale) are what make
    detectors call English news foreign, while function words and verbs are what tell languages apart.
    All-caps text is lowercased instead. Scripts without case (Arabic, CJK) are kept whole."""
    if text.isupper():
        return text.lower()
    return " ".join(w for w in _WORD.findall(text) if not w[0].isupper())


#: Function words found only in English among the Latin-script languages a newsroom meets.
_ENGLISH_MARKERS = frozenset(
    [
        "the",
        "and",
        "that",
        "with",
        "which",
        "would",
        "their",
        "they",
        "been",
        "said",
        "its",
        "who",
        "there",
        "what",
        "when",
        "than",
        "she",
        "his",
        "them",
        "about",
        "after",
        "because",
        "could",
        "should",
        "those",
        "these",
        "then",
        "only",
        "how",
        "why",
        "where",
        "many",
        "some",
        "any",
        "other",
        "more",
        "into",
        "out",
        "were",
        "this",
        "from",
        "has",
        "had",
        "not",
        "you",
        "our",
        "can",
        "did",
        "does",
        "if",
        "all",
        "up",
        "it",
        "are",
    ]
)
#: Frequent in English but also words elsewhere ("was" and "will" in German, "of" and "we" in
#: Dutch, "to" in Polish, "for" and "have" in Danish): they count only beside a marker.
_ENGLISH_SHARED = frozenset(
    [
        "to",
        "of",
        "in",
        "is",
        "was",
        "for",
        "he",
        "as",
        "on",
        "by",
        "at",
        "a",
        "an",
        "be",
        "we",
        "or",
        "but",
        "will",
        "have",
        "her",
        "also",
        "just",
        "so",
    ]
)


def _plainly_english(content: str) -> bool:
    """A cheap sure case before the statistical detector, which costs ~0.4 ms a sentence: an
    English-only function word, three distinct function words, a quarter of all the words."""
    words = [w.lower() for w in _WORD.findall(content)]
    markers = {w for w in words if w in _ENGLISH_MARKERS}
    if not markers:
        return False
    function = [w for w in words if w in _ENGLISH_MARKERS or w in _ENGLISH_SHARED]
    return len(set(function)) >= 3 and len(function) * 4 >= len(words)


def _language_triage(text: str, model_language: str, cache_dir: Path | None) -> Triage | None:
    if model_language == MULTILINGUAL:
        return None
    content = _content_words(text)
    if _letter_count(content) < _MIN_LETTERS:
        return None
    if model_language == "en" and _plainly_english(content):
        return None
    ranked: list[tuple[str, float]] = _get_detector(cache_dir).rank(content)
    probs = dict(ranked)
    top = ranked[0][0]
    if top == model_language or probs.get(model_language, 0.0) >= _MAX_MODEL_LANGUAGE_P:
        return None
    expected = LANGUAGE_NAMES[model_language]
    return Triage(f"not {expected} (detected: {LANGUAGE_NAMES.get(top, top)})", "language")


# --------------------------------------------------------------------------------------------------


def triage_sentence(text: str, *, model_language: str = "en", cache_dir: Path | None = None) -> Triage | None:
    """Why ``text`` should not be checked, or ``None`` when it must be.

    ``model_language`` is the ISO 639-1 code of the language the embedding model reads ("en" for
    all-MiniLM-L6-v2), or ``"mul"`` to skip the language check. The detector is loaded lazily, only
    for sentences that reach the language check, from its cache in ``cache_dir`` (the settings'
    ``cache_dir``; None: the platform's user cache folder).
    """
    if model_language != MULTILINGUAL and model_language not in LANGUAGE_NAMES:
        raise ValueError(f"unknown model language {model_language!r}; use one of {sorted(LANGUAGE_NAMES)}")
    # Entities left by a CMS ("Share&nbsp;on Facebook") and invisible characters are read as the page shows them.
    text = web_text(text)
    if not text.strip(_SPACE):
        return Triage("empty", "empty")
    line = _clean(text)
    if not any(c.isalnum() for c in line):
        return Triage("punctuation only", "punctuation")

    rest = _dateline_rest(line)
    if rest is not None:
        if not any(c.isalnum() for c in rest):
            return Triage("dateline", "dateline")
        # A dateline opening a real sentence: judge the sentence, not the dateline.
        line = _clean(rest)
    if _is_date_only(line):
        return Triage("dateline", "dateline")
    if _is_navigation(line):
        return Triage("share/navigation text", "navigation")
    if _LINK_LINE.fullmatch(line.rstrip(".")):
        return Triage("link only", "link")
    # Publisher before byline: "Al Jazeera and news agencies" is an outlet credit, not a person's.
    if _is_publisher(line):
        return Triage("publisher line", "publisher")
    if _is_byline(line):
        return Triage("byline", "byline")
    return _language_triage(line, model_language, cache_dir)
