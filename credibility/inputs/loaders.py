"""Read verified articles and fact-checks from files and folders.

Every input yields records or :class:`LoadProblem` entries: one bad file or line
is reported with its name (and line number) and the rest of the batch goes on.
Supported: ``.txt`` and ``.md`` (one article per file), ``.json`` (a record, a
list of records, or schema.org ClaimReview JSON-LD), ``.jsonl`` and
``.jsonl.gz`` (one record per line), ``.csv`` (a header row naming the fields),
``.html`` and ``.htm`` (a saved page: its article, or a ClaimReview fact-check),
and folders of those (recursively, in name order).

Bounds: the size cap (``max_file_bytes``) applies to the bytes read, *after*
decompression for ``.jsonl.gz`` (streamed: a gzip bomb is stopped at the cap, never
inflated in memory). A record is refused, with its file and line, when its JSON nests
deeper than the parser goes, a number has more digits than Python converts, or a
field holds a lone surrogate (``"\\ud83d"``, half an emoji: not text); the other
records of the file and of the batch still go in.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import zlib
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from credibility.errors import InputError
from credibility.model.records import ARTICLE_KINDS, ArticleKind, ArticleRecord, LoadProblem
from credibility.text.normalize import lone_surrogate

SUPPORTED_SUFFIXES = (".txt", ".md", ".json", ".jsonl", ".jsonl.gz", ".csv", ".html", ".htm")

# Field names seen in the wild, mapped to ours; the first present wins.
_ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id", "article_id", "vclaim_id", "guid"),
    "text": ("text", "body", "content", "article", "article_text"),
    "title": ("title", "headline", "name"),
    "url": ("url", "link", "canonical_url"),
    "source": ("source", "publisher", "site", "author"),
    "published": ("published", "date", "published_at", "datePublished", "pubdate"),
    "claim": ("claim", "claimReviewed", "vclaim", "statement"),
    "rating": ("rating", "verdict_raw", "truth_rating", "label"),
    "speaker": ("speaker", "claimant"),
}

Item = ArticleRecord | LoadProblem

#: Decompressed bytes read at a time from a ``.jsonl.gz`` file.
_GZIP_CHUNK = 1 << 20


def suffix_of(path: Path) -> str:
    name = path.name.lower()
    return ".jsonl.gz" if name.endswith(".jsonl.gz") else path.suffix.lower()


def record_from_mapping(
    data: dict[str, Any], *, kind: ArticleKind, source: str, origin: str, fallback_id: str
) -> ArticleRecord:
    """Map one JSON/CSV record to an ArticleRecord; raises InputError when it is unusable."""

    def pick(field: str) -> str:
        for key in _ALIASES[field]:
            value = data.get(key)
            if value not in (None, ""):
                if isinstance(value, dict | list):
                    raise InputError(f"field {key!r} must be text, not {type(value).__name__}")
                return str(value).strip()
        return ""

    text, claim = pick("text"), pick("claim")
    for field in _ALIASES:
        where = lone_surrogate(pick(field))
        if where is not None:
            raise InputError(
                f"field {field!r} holds a lone surrogate {where} (half of an emoji or other character "
                "outside the BMP): not valid Unicode text; fix the record"
            )
    if not text and not claim:
        raise InputError("record has neither text nor claim")
    record_kind = str(data.get("kind") or kind)
    if record_kind not in ARTICLE_KINDS:
        raise InputError(f"kind must be one of {', '.join(ARTICLE_KINDS)}, got {record_kind!r}")
    url = pick("url")
    return ArticleRecord(
        id=pick("id") or url or fallback_id,
        text=text,
        title=pick("title"),
        url=url,
        source=source or pick("source"),
        published=pick("published"),
        kind=record_kind,
        claim=claim,
        rating=pick("rating"),
        speaker=pick("speaker"),
        origin=origin,
    )


class InputReader:
    """Turns CLI inputs (files, folders) into records. Options are fixed for one batch."""

    def __init__(
        self,
        *,
        kind: ArticleKind = "reporting",
        source: str = "",
        max_file_bytes: int = 50 * 1024 * 1024,
    ) -> None:
        self.kind = kind
        self.source = source
        self.max_file_bytes = max_file_bytes

    def read(self, inputs: list[str]) -> Iterator[Item]:
        for raw in inputs:
            path = Path(raw)
            if path.is_dir():
                yield from self._read_dir(path)
            elif path.exists():
                yield from self._read_file(path)
            else:
                yield LoadProblem(raw, "no such file or folder")

    def _read_dir(self, folder: Path) -> Iterator[Item]:
        try:
            entries = sorted(folder.rglob("*"))
        except OSError as exc:
            yield LoadProblem(str(folder), f"cannot list folder: {exc.strerror or exc}")
            return
        for path in entries:
            if path.is_file() and suffix_of(path) in SUPPORTED_SUFFIXES and not path.name.startswith("."):
                yield from self._read_file(path)

    def _read_file(self, path: Path) -> Iterator[Item]:
        origin = str(path)
        suffix = suffix_of(path)
        if suffix not in SUPPORTED_SUFFIXES:
            yield LoadProblem(
                origin, f"unsupported file type {suffix or '(none)'}; use {', '.join(SUPPORTED_SUFFIXES)}"
            )
            return
        try:
            size = path.stat().st_size
            if size > self.max_file_bytes and suffix != ".jsonl.gz":
                yield LoadProblem(
                    origin,
                    f"file is {size:,} bytes, above the {self.max_file_bytes:,}-byte cap "
                    "(raise CREDIBILITY_MAX_FILE_BYTES or split the file)",
                )
                return
            if size == 0:
                yield LoadProblem(origin, "file is empty")
                return
            data = self._read_gzip(path) if suffix == ".jsonl.gz" else path.read_bytes()
        except InputError as exc:
            yield LoadProblem(origin, str(exc))
            return
        except OSError as exc:
            yield LoadProblem(origin, f"cannot read file: {exc.strerror or exc}")
            return
        if suffix in (".jsonl", ".jsonl.gz"):
            # One record per line: a line that is not UTF-8 (or holds a NUL) is one bad record.
            if not data.strip():
                yield LoadProblem(origin, "file has no text")
            else:
                yield from self._jsonl(path, data)
            return
        try:
            # A NUL inside one CSV row is that row's business, not a sign of a binary file.
            text = decode_utf8(data, sniff_binary=suffix != ".csv")
        except InputError as exc:
            yield LoadProblem(origin, str(exc))
            return
        if not text.strip():
            yield LoadProblem(origin, "file has no text")
            return
        if suffix in (".txt", ".md"):
            yield from self._plain(path, text)
        elif suffix == ".json":
            yield from self._json(path, text)
        elif suffix == ".csv":
            yield from self._csv(path, text)
        else:
            yield from self._html(path, text)

    def _read_gzip(self, path: Path) -> bytes:
        """The decompressed bytes, streamed: refused as soon as they pass the cap."""
        cap = self.max_file_bytes
        out = bytearray()
        try:
            with gzip.open(path, "rb") as handle:
                while True:
                    chunk = handle.read(min(_GZIP_CHUNK, cap + 1 - len(out)))
                    if not chunk:
                        break
                    out += chunk
                    if len(out) > cap:
                        raise InputError(
                            f"decompresses to more than the {cap:,}-byte cap (a gzip bomb, or raise "
                            "CREDIBILITY_MAX_FILE_BYTES; the cap applies to the decompressed size)"
                        )
        except (OSError, EOFError, zlib.error) as exc:
            raise InputError(f"not a valid gzip file: {exc}") from exc
        return bytes(out)

    def _plain(self, path: Path, text: str) -> Iterator[Item]:
        title, body = split_title(text, markdown=path.suffix.lower() == ".md")
        if not body.strip():
            # One line and nothing under it: that line is the article, not a title of nothing.
            title, body = "", title
        if not any(c.isalnum() for c in body):
            yield LoadProblem(str(path), "file has no text")
            return
        yield ArticleRecord(
            id=path.stem,
            text=body,
            title=title,
            source=self.source,
            kind=self.kind,
            origin=str(path),
        )

    def _json(self, path: Path, text: str) -> Iterator[Item]:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            yield LoadProblem(f"{path}:{exc.lineno}", f"not valid JSON: {exc.msg}")
            return
        except (RecursionError, ValueError) as exc:
            yield LoadProblem(str(path), _json_problem(exc))
            return
        if _looks_like_claimreview(data):
            from credibility.web.claimreview import parse_claimreview

            try:
                yield from parse_claimreview(data, origin=str(path))
            except InputError as exc:
                yield LoadProblem(str(path), str(exc))
            except RecursionError as exc:
                yield LoadProblem(str(path), _json_problem(exc))
            return
        records = data if isinstance(data, list) else [data]
        for n, item in enumerate(records, start=1):
            yield self._mapping(item, origin=f"{path}#{n}", fallback=f"{path.stem}-{n}")

    def _jsonl(self, path: Path, data: bytes) -> Iterator[Item]:
        for lineno, raw in enumerate(data.split(b"\n"), start=1):
            if not raw.strip():
                continue
            origin = f"{path}:{lineno}"
            try:
                line = raw.decode("utf-8-sig" if lineno == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                yield LoadProblem(
                    origin, f"not UTF-8 text (invalid byte at offset {exc.start} of the line); fix the line"
                )
                continue
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                yield LoadProblem(origin, f"not valid JSON: {exc.msg}")
                continue
            except (RecursionError, ValueError) as exc:
                yield LoadProblem(origin, _json_problem(exc))
                continue
            yield self._mapping(item, origin=origin, fallback=f"{path.stem}-{lineno}")

    def _csv(self, path: Path, text: str) -> Iterator[Item]:
        # A whole article fits in a field (the csv module's default limit is 128 KiB).
        if csv.field_size_limit() < self.max_file_bytes:
            csv.field_size_limit(self.max_file_bytes)
        reader = csv.DictReader(io.StringIO(text, newline=""))
        try:
            fieldnames = reader.fieldnames
        except csv.Error as exc:
            yield LoadProblem(f"{path}:{reader.line_num}", f"bad CSV header: {exc}")
            return
        if not fieldnames:
            yield LoadProblem(str(path), "CSV has no header row")
            return
        while True:
            before = reader.line_num
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                # One bad row is skipped; the reader goes on with the next line.
                yield LoadProblem(f"{path}:{reader.line_num}", f"bad CSV: {exc}")
                if reader.line_num == before:
                    return
                continue
            origin = f"{path}:{reader.line_num}"
            yield self._mapping(dict(row), origin=origin, fallback=f"{path.stem}-{reader.line_num}")

    def _html(self, path: Path, text: str) -> Iterator[Item]:
        try:
            yield html_file_record(path, text, kind=self.kind, source=self.source)
        except InputError as exc:
            yield LoadProblem(str(path), str(exc))
        except Exception as exc:  # the extractor's own errors name the page
            yield LoadProblem(str(path), f"cannot extract an article: {exc}")

    def _mapping(self, item: object, *, origin: str, fallback: str) -> Item:
        if not isinstance(item, dict):
            return LoadProblem(origin, f"expected a JSON object, got {type(item).__name__}")
        try:
            return record_from_mapping(
                item, kind=self.kind, source=self.source, origin=origin, fallback_id=fallback
            )
        except InputError as exc:
            return LoadProblem(origin, str(exc))
        except (RecursionError, ValueError) as exc:  # str() of a nested or huge value
            return LoadProblem(origin, _json_problem(exc))


def html_file_record(path: Path, html: str, *, kind: ArticleKind, source: str) -> ArticleRecord:
    """The record of a saved HTML page: a ClaimReview fact-check if it has the markup, else the article."""
    # The page extractor (trafilatura, lxml, feedparser: ~0.4 s of imports) only for HTML inputs.
    from credibility.web.pages import record_from_html

    record = record_from_html(html, "", kind=kind, source=source, origin=str(path))
    return replace(record, id=record.id or path.stem)


def decode_utf8(data: bytes, *, sniff_binary: bool = True) -> str:
    """Strict UTF-8 (a BOM is dropped); binary data and other encodings get a clear error."""
    if sniff_binary and b"\x00" in data[:8192]:
        raise InputError("looks like a binary file (NUL bytes); give a text, JSON, CSV or HTML file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"not UTF-8 text (invalid byte at offset {exc.start}); convert it, e.g. `iconv -t UTF-8`"
        ) from exc


def split_title(text: str, *, markdown: bool = False) -> tuple[str, str]:
    """A leading headline line (a Markdown ``#`` heading, or a short line followed by a blank line)."""
    stripped = text.lstrip("\ufeff")
    lines = stripped.split("\n", 2)
    first = lines[0].strip()
    if markdown and first.startswith("#"):
        return first.lstrip("#").strip(), stripped[len(lines[0]) + 1 :] if len(lines) > 1 else ""
    if len(lines) >= 2 and not lines[1].strip() and 0 < len(first) <= 200 and first[-1] not in '.!?"”':
        return first, stripped[len(lines[0]) + 1 :]
    return "", stripped


def _json_problem(exc: BaseException) -> str:
    if isinstance(exc, RecursionError):
        return "JSON nested too deeply to read (thousands of levels of [ or {); fix the record"
    return f"not valid JSON: {exc}"


def fallback_id(text: str) -> str:
    return "sha1-" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def _looks_like_claimreview(data: object) -> bool:
    items = data if isinstance(data, list) else [data]
    for item in items:
        if isinstance(item, dict):
            if "@graph" in item:
                return True
            kind = item.get("@type")
            if kind == "ClaimReview" or (isinstance(kind, list) and "ClaimReview" in kind):
                return True
    return False
