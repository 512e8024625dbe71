"""The reviewer row: one row per sentence that needs a look, as the reviewer CSV holds it.

Shared by the writer (:mod:`credibility.reports.reviewer_csv`) and the reader of filled-in
files (:mod:`credibility.review.importer`), so the two agree on columns, row ids and the
formula guard.

- ``row_id`` is stable for the same article, sentence and evidence across runs, so
  appending to a file never duplicates a row.
- Article text is untrusted: a cell a spreadsheet would run as a formula is written with a
  ``'`` before it, and the reader takes that ``'`` off again. That is a cell starting with
  ``=``, ``+``, ``-``, ``@`` (or their full-width forms), tab, CR or LF; one where such a
  character follows leading spaces or invisible characters (some spreadsheets trim them, then
  evaluate); and one that already starts with ``'``, so that a text starting with a quote
  reads back as written and never passes for a neutralised cell. A plain negative number
  ("-0.25") is left as it is.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator

from credibility.model.result import FLAGGED_LABELS, ArticleCheck, SentenceCheck
from credibility.text.normalize import normalize

CSV_COLUMNS = (
    "row_id",
    "checked_at",
    "article_id",
    "article_url",
    "article_title",
    "article_label",
    "sentence_index",
    "label",
    "flags",
    "score",
    "reason",
    "sentence",
    "evidence_article_id",
    "evidence_sentence_id",
    "evidence_kind",
    "evidence_sentence",
    "evidence_claim",
    "evidence_title",
    "evidence_url",
    "evidence_source",
    "evidence_rating",
    "evidence_verdict",
    "changes",
    "copied_from",
    "coverage",
    "reviewer_decision",
    "reviewer_note",
)
#: Cells starting with these are formulas to a spreadsheet.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_FORMULA_CHARS = "=+-@\uff1d\uff0b\uff0d\uff20"
#: Leading characters a spreadsheet may trim before it looks for a formula.
_LEADING = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff]+")
#: A negative number ("-0.25", a score) is a number to a spreadsheet, not a formula; "+1" is a formula.
_NUMBER = re.compile(r"-\d+(?:\.\d+)?")

Row = dict[str, object]


def _formula_like(value: str) -> bool:
    if value.startswith(FORMULA_START):
        return not _NUMBER.fullmatch(value)
    lead = _LEADING.match(value)
    return lead is not None and value[lead.end() : lead.end() + 1] in tuple(_FORMULA_CHARS)


def neutralise(value: str) -> str:
    """Keep a spreadsheet from evaluating untrusted text as a formula (see the module's doc)."""
    return "'" + value if value.startswith("'") or _formula_like(value) else value


def unneutralise(value: str) -> str:
    """Undo :func:`neutralise` (the ``'`` put before formula-like or quote-led cells).

    ``unneutralise(neutralise(text)) == text`` for every text; files written before quote-led
    cells were neutralised read back as before."""
    if not value.startswith("'"):
        return value
    rest = value[1:]
    return rest if rest.startswith(("'", *FORMULA_START)) or _formula_like(rest) else value


def row_id(article_id: str, sentence_index: int, sentence: str, evidence_sentence_id: object) -> str:
    """Stable for the same article, sentence and evidence across runs."""
    blob = "\x1f".join(
        [article_id, str(sentence_index), normalize(sentence), str(evidence_sentence_id or "")]
    )
    return hashlib.blake2b(blob.encode("utf-8"), digest_size=10).hexdigest()


def sentence_row_id(check: ArticleCheck, sentence: SentenceCheck) -> str:
    evidence_id = sentence.evidence.sentence_id if sentence.evidence else ""
    return row_id(check.article.id, sentence.index, sentence.text, evidence_id)


def rows_for(
    check: ArticleCheck, *, include_all: bool = False, show_dismissed: bool = False
) -> Iterator[Row]:
    """The reviewer rows of one check (not yet neutralised).

    Flagged sentences only unless ``include_all``; a flag a reviewer dismissed stays out unless
    ``show_dismissed``. Rows of reviewed sentences carry the decision and note, so the file
    reads back (and re-imports) as decided.
    """
    article, verdict = check.article, check.verdict
    for sentence in check.sentences:
        if not include_all and sentence.label not in FLAGGED_LABELS:
            continue
        review = sentence.review
        if sentence.dismissed and not show_dismissed:
            continue
        evidence = sentence.evidence
        decided = review is not None and review.status in ("dismissed", "confirmed")
        yield {
            "row_id": sentence_row_id(check, sentence),
            "checked_at": article.checked_at,
            "article_id": article.id,
            "article_url": article.url,
            "article_title": article.title,
            "article_label": verdict.label,
            "sentence_index": sentence.index,
            "label": sentence.label,
            "flags": ";".join(sentence.flags),
            "score": "" if sentence.score is None else f"{sentence.score:.4f}",
            "reason": sentence.reason,
            "sentence": sentence.text,
            "evidence_article_id": evidence.article_id if evidence else "",
            "evidence_sentence_id": evidence.sentence_id if evidence else "",
            "evidence_kind": evidence.kind if evidence else "",
            "evidence_sentence": evidence.sentence if evidence else "",
            "evidence_claim": evidence.claim if evidence else "",
            "evidence_title": evidence.title if evidence else "",
            "evidence_url": evidence.url if evidence else "",
            "evidence_source": evidence.source if evidence else "",
            "evidence_rating": evidence.rating if evidence else "",
            "evidence_verdict": evidence.verdict if evidence else "",
            "changes": json.dumps([c.as_dict() for c in sentence.changes], ensure_ascii=False)
            if sentence.changes
            else "",
            "copied_from": ";".join(verdict.copied_from),
            "coverage": f"{verdict.coverage:.4f}",
            "reviewer_decision": review.decision if decided and review else "",
            "reviewer_note": review.note if decided and review else "",
        }
