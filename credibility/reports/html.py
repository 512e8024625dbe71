"""The HTML report: one self-contained file a reviewer opens in any browser, offline.

Layout: a legend with a filter per label, a sortable summary table of the articles,
then each article's full text with every sentence coloured by its label (the
stored sentence offsets place the highlights; the text between sentences and the
paragraphs are kept), the evidence and score on hover or keyboard focus, and a
list of the sentences to review with their evidence, reviewer decision and, for
``altered``, a word-level diff side by side with the verified sentence.

With the ledger of the monitored sources (:class:`~credibility.model.ledger.Ledger`), a "Sources"
section comes first: a sortable table of the monitored sites (articles, copies, uncredited copies,
articles per flagged label, the share of sentences flagged, first and last seen), each site
linking to the list of its flagged articles (to their place in this report when they are in it,
else to their URL), then the monitored sources with their fetch state.

Article text is untrusted: every value goes through Jinja2 autoescaping, links are
made only from http(s) URLs, and a Content-Security-Policy (``default-src 'none'``,
the one inline script and stylesheet allowed by their SHA-256 hash) keeps any
markup that slipped through from loading or running anything.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import os
import re
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from credibility import __version__
from credibility.model.ledger import LEDGER_LABELS, Ledger, LedgerRow
from credibility.model.result import FLAGGED_LABELS, LABELS, ArticleCheck, SentenceCheck
from credibility.store.results import check_key
from credibility.text.normalize import clean_text

DEFAULT_TITLE = "Credibility report"

#: Display name and one-line meaning of each sentence label, in legend order.
LABEL_INFO: dict[str, tuple[str, str]] = {
    "supported": ("Supported", "backed by verified reporting"),
    "altered": ("Altered", "near match of verified reporting with changed facts"),
    "unsupported": ("Unsupported", "no verified sentence says this"),
    "injected": ("Injected", "inserted into copied verified reporting"),
    "debunked": ("Debunked", "repeats a claim fact-checkers rated false or misleading"),
    "not_checked": ("Not checked", "nothing to verify: byline, dateline, share text, other language"),
}
#: Article labels from the most to the least serious: the summary table sorts by this rank.
ARTICLE_LABEL_RANK: dict[str, int] = {
    "debunked": 0,
    "injected": 1,
    "altered": 2,
    "mixed": 3,
    "unsupported": 4,
    "clean": 5,
}

_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r\f\v]*\n\s*")
# Words (with inner apostrophes, dots, commas, hyphens: "didn't", "3.2", "1,000"), runs of
# space, single punctuation marks; joined back they give the sentence exactly.
_DIFF_TOKEN = re.compile(r"\w+(?:['’.,\-]\w+)*|\s+|[^\w\s]")
_SAFE_URL = re.compile(r"^https?://[^\s<>\"']+$", re.IGNORECASE)


# --- view model -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DiffPart:
    text: str
    changed: bool


@dataclass(slots=True)
class SentenceView:
    anchor: str
    index: int
    text: str
    label: str
    label_title: str
    flags: tuple[str, ...]
    reason: str
    score: str
    evidence: dict[str, Any] | None
    evidence_url: str
    changes: list[dict[str, str]]
    review: dict[str, Any] | None
    dismissed: bool
    #: Shown with its label (False: a dismissed flag in the default view, plain text).
    shown: bool
    diff: tuple[list[DiffPart], list[DiffPart]] | None = None

    @property
    def flagged(self) -> bool:
        return self.label in FLAGGED_LABELS

    @property
    def has_detail(self) -> bool:
        return self.shown and self.flagged

    @property
    def css_class(self) -> str:
        classes = ["s"]
        if self.shown:
            classes.append(f"s-{self.label}")
        if self.dismissed:
            classes.append("dismissed")
        return " ".join(classes)


@dataclass(frozen=True, slots=True)
class Segment:
    text: str
    sentence: SentenceView | None = None


@dataclass(slots=True)
class ArticleView:
    anchor: str
    number: int
    article_id: str
    title: str
    url: str
    safe_url: str
    input: str
    checked_at: str
    label: str
    label_rank: int
    reason: str
    coverage: float
    copied_from: list[str]
    engine: dict[str, Any]
    counts: dict[str, int]
    dismissed: int
    paragraphs: list[list[Segment]]
    sentences: list[SentenceView]
    offsets_ok: bool
    review: dict[str, Any] = field(default_factory=dict)

    @property
    def to_review(self) -> list[SentenceView]:
        return [s for s in self.sentences if s.has_detail]


def _safe_url(url: object) -> str:
    """The URL if a link to it is harmless (http/https only), else ''."""
    text = str(url or "").strip()
    return text if _SAFE_URL.match(text) else ""


def _diff_key(token: str) -> str:
    # Case, quote style and the amount of space are not what a reviewer looks for.
    return clean_text(token).casefold()


def word_diff(article: str, evidence: str) -> tuple[list[DiffPart], list[DiffPart]]:
    """Word-level diff of an article sentence and its evidence: (article parts, evidence parts)."""
    a, b = _DIFF_TOKEN.findall(article), _DIFF_TOKEN.findall(evidence)
    a_changed, b_changed = [False] * len(a), [False] * len(b)
    matcher = SequenceMatcher(None, [_diff_key(t) for t in a], [_diff_key(t) for t in b], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            a_changed[i1:i2] = [True] * (i2 - i1)
            b_changed[j1:j2] = [True] * (j2 - j1)
    return _merge(a, a_changed), _merge(b, b_changed)


def _merge(tokens: Sequence[str], changed: list[bool]) -> list[DiffPart]:
    # Space is highlighted only between two changed words, so a mark never starts or ends blank.
    for i, token in enumerate(tokens):
        if token.isspace():
            changed[i] = 0 < i < len(tokens) - 1 and changed[i - 1] and changed[i + 1]
    parts: list[DiffPart] = []
    for token, flag in zip(tokens, changed, strict=True):
        if parts and parts[-1].changed == flag:
            parts[-1] = DiffPart(parts[-1].text + token, flag)
        else:
            parts.append(DiffPart(token, flag))
    return parts


def _score(value: object) -> str:
    return f"{value:.2f}" if isinstance(value, int | float) else ""


def _sentence_view(anchor: str, s: SentenceCheck, show_dismissed: bool) -> SentenceView:
    evidence = s.evidence.as_dict() if s.evidence is not None else None
    view = SentenceView(
        anchor=anchor,
        index=s.index,
        text=s.text,
        label=s.label,
        label_title=LABEL_INFO.get(s.label, (s.label, ""))[0],
        flags=s.flags,
        reason=s.reason,
        score=_score(s.score),
        evidence=evidence,
        evidence_url=_safe_url(s.evidence.url) if s.evidence is not None else "",
        changes=[c.as_dict() for c in s.changes],
        review=s.review.as_dict() if s.review is not None else None,
        dismissed=s.dismissed,
        shown=show_dismissed or not s.dismissed,
    )
    if s.label == "altered" and s.evidence is not None and s.evidence.sentence:
        view.diff = word_diff(view.text, s.evidence.sentence)
    return view


def _offsets_fit(text: str, sentences: Sequence[SentenceCheck]) -> bool:
    pos = 0
    for s in sentences:
        if not pos <= s.start <= s.end <= len(text) or text[s.start : s.end] != s.text:
            return False
        pos = s.end
    return True


def _paragraphs(
    text: str, sentences: Sequence[SentenceView], spans: Sequence[tuple[int, int]]
) -> list[list[Segment]]:
    """Split the text into paragraphs of plain and sentence segments, keeping every character."""
    pieces: list[Segment] = []
    pos = 0
    for view, (start, end) in zip(sentences, spans, strict=True):
        if start > pos:
            pieces.append(Segment(text[pos:start]))
        pieces.append(Segment(text[start:end], view))
        pos = end
    if pos < len(text):
        pieces.append(Segment(text[pos:]))
    paragraphs: list[list[Segment]] = [[]]
    for piece in pieces:
        if piece.sentence is not None:
            paragraphs[-1].append(piece)
            continue
        chunks = _PARAGRAPH_BREAK.split(piece.text)
        for n, chunk in enumerate(chunks):
            if n:
                paragraphs.append([])
            if chunk:
                paragraphs[-1].append(Segment(chunk))
    out: list[list[Segment]] = []
    for para in paragraphs:
        # Leading and trailing space of a paragraph is layout, not content.
        while para and para[0].sentence is None and not para[0].text.strip():
            para.pop(0)
        while para and para[-1].sentence is None and not para[-1].text.strip():
            para.pop()
        if para and para[0].sentence is None:
            para[0] = Segment(para[0].text.lstrip())
        if para and para[-1].sentence is None:
            para[-1] = Segment(para[-1].text.rstrip())
        if para:
            out.append(para)
    return out


def _article_view(number: int, check: ArticleCheck, show_dismissed: bool) -> ArticleView:
    article, verdict = check.article, check.verdict
    ordered = sorted(check.sentences, key=lambda s: (s.start, s.index))
    anchor = f"a{number}"
    views = [_sentence_view(f"{anchor}-s{s.index}", s, show_dismissed) for s in ordered]
    text = check.text
    offsets_ok = bool(text) and _offsets_fit(text, ordered)
    if offsets_ok:
        spans = [(s.start, s.end) for s in ordered]
    else:
        # No stored text (or it does not match): show the sentences in order, one paragraph.
        text, spans = "", []
        for view in views:
            if text:
                text += " "
            spans.append((len(text), len(text) + len(view.text)))
            text += view.text
    counts = Counter(v.label for v in views if not v.dismissed)
    dismissed = sum(1 for v in views if v.dismissed)
    return ArticleView(
        anchor=anchor,
        number=number,
        article_id=article.id,
        title=article.title or article.url or article.input or article.id or f"Article {number}",
        url=article.url,
        safe_url=_safe_url(article.url),
        input=article.input,
        checked_at=article.checked_at,
        label=verdict.label,
        label_rank=ARTICLE_LABEL_RANK.get(verdict.label, len(ARTICLE_LABEL_RANK)),
        reason=verdict.reason,
        coverage=verdict.coverage,
        copied_from=list(verdict.copied_from),
        engine=verdict.engine.as_dict(),
        counts={name: counts.get(name, 0) for name in LABELS},
        dismissed=dismissed,
        paragraphs=_paragraphs(text, views, spans),
        sentences=views,
        offsets_ok=offsets_ok,
        review=verdict.review.as_dict() if verdict.review is not None else {},
    )


@dataclass(frozen=True, slots=True)
class LedgerArticleView:
    title: str
    url: str
    #: Where the link goes: the article's section in this report, else its (http/https) URL, else "".
    href: str
    label: str
    labels: tuple[str, ...]
    flagged_sentences: int


@dataclass(slots=True)
class LedgerRowView:
    anchor: str
    name: str
    kind: str
    articles: int
    copying: int
    uncredited: int
    counts: dict[str, int]
    flagged_articles: int
    share: float
    first_seen: str
    last_seen: str
    publishers: str
    uncredited_publishers: str
    weeks: str
    flagged: list[LedgerArticleView]
    status: str = ""
    failing: bool = False


def _publishers(counts: dict[str, int]) -> str:
    return ", ".join(f"{name} ({n})" for name, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _ledger_row(number: int, prefix: str, row: LedgerRow, anchors: dict[str, str]) -> LedgerRowView:
    flagged = []
    for article in row.flagged:
        anchor = anchors.get(article.check_key, "")
        flagged.append(
            LedgerArticleView(
                title=article.title or article.url or article.check_key,
                url=article.url,
                href=f"#{anchor}" if anchor else _safe_url(article.url),
                label=article.label,
                labels=article.labels,
                flagged_sentences=article.flagged_sentences,
            )
        )
    status = ""
    failing = False
    if row.state is not None:
        state = row.state
        failing = state.failing
        if state.failing:
            status = f"failing ({state.failures} in a row, next try {state.next_due[:16].replace('T', ' ')}): {state.last_error}"
        elif state.last_success:
            status = f"fetched {state.last_success[:16].replace('T', ' ')}"
    return LedgerRowView(
        anchor=f"{prefix}{number}",
        name=row.name,
        kind=row.kind,
        articles=row.articles,
        copying=row.copying,
        uncredited=row.uncredited,
        counts={label: row.count(label) for label in LEDGER_LABELS},
        flagged_articles=row.flagged_articles,
        share=row.flagged_share,
        first_seen=row.first_seen,
        last_seen=row.last_seen,
        publishers=_publishers(row.publishers),
        uncredited_publishers=_publishers(row.uncredited_publishers),
        weeks=" · ".join(f"{w.week}: {w.flagged_articles}/{w.articles}" for w in row.weeks),
        flagged=flagged,
        status=status,
        failing=failing,
    )


# --- rendering ------------------------------------------------------------------------------------


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("credibility.reports", "templates"),
        autoescape=True,  # every value is escaped unless marked safe; only our CSS and JS are
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


@cache
def _asset(name: str) -> str:
    return (resources.files("credibility.reports") / "templates" / name).read_text(encoding="utf-8")


def _csp_hash(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode("utf-8")).digest()).decode() + "'"


def content_security_policy(css: str, js: str) -> str:
    """Nothing loads, connects or runs except the report's own inline stylesheet and script."""
    return "; ".join(
        [
            "default-src 'none'",
            f"script-src {_csp_hash(js)}",
            f"style-src {_csp_hash(css)}",
            "img-src data:",
            "base-uri 'none'",
            "form-action 'none'",
            "object-src 'none'",
        ]
    )


def render_report(
    results: Sequence[ArticleCheck],
    *,
    show_dismissed: bool = False,
    title: str = DEFAULT_TITLE,
    generated_at: str | None = None,
    ledger: Ledger | None = None,
) -> str:
    """The HTML report of check results, with their text (and the ledger of the monitored sources).

    Give reviewed results (:func:`credibility.review.apply.apply_decisions`) for reviewer
    decisions: dismissed flags show as plain text unless ``show_dismissed``.
    """
    articles = [_article_view(n, r, show_dismissed) for n, r in enumerate(results, start=1)]
    anchors = {check_key(r): a.anchor for r, a in zip(results, articles, strict=True)}
    sites = [_ledger_row(n, "site-", row, anchors) for n, row in enumerate(ledger.sites if ledger else (), 1)]
    feeds = [
        _ledger_row(n, "source-", row, anchors) for n, row in enumerate(ledger.sources if ledger else (), 1)
    ]
    totals: Counter[str] = Counter()
    for a in articles:
        totals.update(a.counts)
    css, js = _asset("report.css"), _asset("report.js")
    template = _environment().get_template("report.html.j2")
    return template.render(
        title=title or DEFAULT_TITLE,
        generated_at=generated_at or dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        version=__version__,
        csp=content_security_policy(css, js),
        # Markup: trusted package files, kept byte-for-byte so their CSP hashes match.
        css=Markup(css),
        js=Markup(js),
        articles=articles,
        labels=[
            {
                "name": name,
                "title": LABEL_INFO[name][0],
                "description": LABEL_INFO[name][1],
                "count": totals[name],
            }
            for name in LABELS
        ],
        article_labels=Counter(a.label for a in articles),
        dismissed_total=sum(a.dismissed for a in articles),
        show_dismissed=show_dismissed,
        label_info=LABEL_INFO,
        label_names=LABELS,
        ledger_sites=sites,
        ledger_sources=feeds,
        ledger_labels=[(label, LABEL_INFO[label][0]) for label in LEDGER_LABELS],
        ledger_since=ledger.since if ledger else "",
    )


def write_report(
    path: Path,
    results: Sequence[ArticleCheck],
    *,
    show_dismissed: bool = False,
    title: str = DEFAULT_TITLE,
    generated_at: str | None = None,
    ledger: Ledger | None = None,
) -> Path:
    """Render and write the report atomically (a reader never sees half a file); returns the path."""
    path = Path(path)
    html = render_report(
        results, show_dismissed=show_dismissed, title=title, generated_at=generated_at, ledger=ledger
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(html)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
