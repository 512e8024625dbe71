"""Property-based fuzzing of the loaders (JSON, JSONL, CSV, gzip, HTML, text) and regression tests for
what fuzzing and the first probe found.

Invariant: a loader either yields records or names the file (and line) of the problem; a bad
record never takes the rest of the file or of the batch with it; records hold valid text.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import time
import tracemalloc
from pathlib import Path

import pytest
from fuzzing import target, texts
from hypothesis import given, settings
from hypothesis import strategies as st

from credibility.inputs.loaders import InputReader
from credibility.model.records import ArticleRecord, LoadProblem
from credibility.text.normalize import lone_surrogate

SUFFIXES = (".txt", ".md", ".json", ".jsonl", ".jsonl.gz", ".csv", ".html")

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | texts,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
records = st.fixed_dictionaries(
    {"id": st.text(min_size=1, max_size=20), "text": texts},
    optional={
        "title": texts,
        "claim": texts,
        "rating": st.text(max_size=12),
        "url": st.text(max_size=30),
        "kind": st.sampled_from(["reporting", "factcheck", "other"]),
        "extra": json_values,
    },
)
#: Lines that once sank a whole batch, and other hostile ones.
BAD_LINES = [
    "[" * 100_000,
    '{"id": "s", "text": "\\ud83d"}',
    '{"id": "big", "text": ' + "9" * 5000 + "}",
    '{"id": "nested", "text": ' + "[" * 3000 + "]" * 3000 + "}",
    "not json",
    "\x00\x01",
    '{"id": 1e999, "text": "x"}',
    '"just a string"',
]


def _check_items(items: list[ArticleRecord | LoadProblem], names: set[str]) -> None:
    for item in items:
        if isinstance(item, LoadProblem):
            assert any(name in item.origin for name in names), item
            assert item.message and "\n" not in item.message
        else:
            assert isinstance(item, ArticleRecord)
            assert item.id.strip() and (item.text.strip() or item.claim.strip())
            for field in ("id", "text", "title", "claim", "url", "source", "rating"):
                assert lone_surrogate(getattr(item, field)) is None, (field, item)
            assert any(name in item.origin for name in names)


def _read(paths: list[Path], **options: object) -> list[ArticleRecord | LoadProblem]:
    return list(InputReader(**options).read([str(p) for p in paths]))  # type: ignore[arg-type]


@given(
    st.sampled_from(SUFFIXES), st.binary(max_size=3000) | texts.map(lambda t: t.encode("utf-8", "replace"))
)
@target("loaders: random bytes")
def test_random_bytes_give_records_or_named_problems(
    tmp_path_factory: pytest.TempPathFactory, suffix: str, data: bytes
) -> None:
    folder = tmp_path_factory.mktemp("bytes")
    path = folder / f"input{suffix}"
    path.write_bytes(gzip.compress(data) if suffix == ".jsonl.gz" and data[:1] != b"\x1f" else data)
    _check_items(_read([path]), {str(path)})


def _csv_text(rows: list[dict[str, object]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=["id", "text", "title", "claim"], extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: v if isinstance(v, str) else json.dumps(v) for k, v in row.items()})
    return out.getvalue()


@given(
    st.lists(records, min_size=1, max_size=6),
    st.lists(st.sampled_from(BAD_LINES), max_size=3),
    st.sampled_from([".jsonl", ".jsonl.gz", ".json", ".csv"]),
    st.randoms(),
)
@target("loaders: JSON/JSONL/CSV/gzip with bad records")
def test_bad_records_never_sink_the_rest(
    tmp_path_factory: pytest.TempPathFactory,
    good: list[dict[str, object]],
    bad: list[str],
    suffix: str,
    rnd: object,
) -> None:
    folder = tmp_path_factory.mktemp("records")
    path = folder / f"batch{suffix}"
    other = folder / "other.jsonl"
    other.write_text(json.dumps({"id": "other-file", "text": "Another file still goes in."}) + "\n")
    lines = [json.dumps(r, ensure_ascii=True) for r in good] + bad
    rnd.shuffle(lines)  # type: ignore[attr-defined]
    if suffix == ".json":
        body = "[" + ",".join(lines) + "]"
    elif suffix == ".csv":
        body = _csv_text(good) + "".join(f'"{b[:50]}",x\n' for b in bad)
    else:
        body = "\n".join(lines) + "\n"
    data = body.encode("utf-8", "surrogatepass")
    path.write_bytes(gzip.compress(data) if suffix == ".jsonl.gz" else data)
    items = _read([path, other])
    _check_items(items, {str(path), str(other)})
    assert any(isinstance(i, ArticleRecord) and i.id == "other-file" for i in items)
    if suffix in (".jsonl", ".jsonl.gz", ".csv"):
        # Line formats: one bad line is one problem; every usable record comes out.
        usable = 0
        for record in good:
            text, claim = str(record.get("text", "")).strip(), str(record.get("claim", "")).strip()
            clean = suffix == ".csv" or not any(
                lone_surrogate(str(v)) for v in record.values() if isinstance(v, str)
            )
            if (text or claim) and record.get("kind", "reporting") != "other" and clean:
                usable += 1
        got = sum(1 for i in items if isinstance(i, ArticleRecord) and i.origin.startswith(str(path)))
        assert got >= usable - (len(good) if suffix == ".csv" else 0)


@given(
    st.lists(
        st.sampled_from([*BAD_LINES, json.dumps({"id": "fine", "text": "Fine text."})]),
        min_size=1,
        max_size=8,
    )
)
@target("loaders: hostile JSONL lines")
def test_each_hostile_line_is_one_named_problem(
    tmp_path_factory: pytest.TempPathFactory, lines: list[str]
) -> None:
    path = tmp_path_factory.mktemp("hostile") / "h.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    items = _read([path])
    _check_items(items, {str(path)})
    expected = sum(1 for line in lines if line.strip())
    assert len(items) == expected
    for lineno, (line, item) in enumerate(zip(lines, items, strict=True), start=1):
        if isinstance(item, LoadProblem):
            assert item.origin == f"{path}:{lineno}", (line[:40], item)


# --- regressions found by the probe and the fuzzers ---------------------------------------------


def test_deeply_nested_json_is_a_named_problem(tmp_path: Path) -> None:
    (tmp_path / "deep.json").write_text("[" * 100_000, encoding="utf-8")
    (tmp_path / "deep.jsonl").write_text(
        '{"id": "a", "text": "Kept."}\n' + "[" * 100_000 + "\n" + '{"id": "b", "text": "Kept too."}\n',
        encoding="utf-8",
    )
    items = _read([tmp_path / "deep.json", tmp_path / "deep.jsonl"])
    problems = [i for i in items if isinstance(i, LoadProblem)]
    assert [p.origin for p in problems] == [str(tmp_path / "deep.json"), f"{tmp_path / 'deep.jsonl'}:2"]
    assert all("nested too deeply" in p.message for p in problems)
    assert [i.id for i in items if isinstance(i, ArticleRecord)] == ["a", "b"]


def test_lone_surrogate_record_is_skipped_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    path.write_text(
        '{"id": "a", "text": "Before."}\n{"id": "s", "text": "Cut emoji \\ud83d here."}\n{"id": "b", "text": "After."}\n',
        encoding="utf-8",
    )
    items = _read([path])
    assert [i.id for i in items if isinstance(i, ArticleRecord)] == ["a", "b"]
    (problem,) = [i for i in items if isinstance(i, LoadProblem)]
    assert problem.origin == f"{path}:2" and "lone surrogate \\ud83d" in problem.message


def test_huge_integer_is_a_named_problem(tmp_path: Path) -> None:
    path = tmp_path / "n.jsonl"
    path.write_text(
        '{"id": ' + "9" * 5000 + ', "text": "x"}\n{"id": "ok", "text": "Fine."}\n', encoding="utf-8"
    )
    items = _read([path])
    assert isinstance(items[0], LoadProblem) and items[0].origin == f"{path}:1"
    assert isinstance(items[1], ArticleRecord)


def test_gzip_bomb_stops_at_the_decompressed_cap(tmp_path: Path) -> None:
    """2.2 MB compressed, ~1 GB of one record, once took 264 s and 3.5 GB: now refused at the cap."""
    line = (
        json.dumps({"id": "bomb", "text": "All work and no play makes Jack a dull boy. " * 20}) + "\n"
    ).encode()
    path = tmp_path / "bomb.jsonl.gz"
    with gzip.open(path, "wb", compresslevel=9) as handle:
        block = line * 1000
        for _ in range(250_000_000 // len(block)):
            handle.write(block)
    assert path.stat().st_size < 5_000_000
    cap = 20 * 1024 * 1024
    tracemalloc.start()
    started = time.perf_counter()
    items = _read([path], max_file_bytes=cap)
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    (problem,) = items
    assert isinstance(problem, LoadProblem) and "decompresses to more than" in problem.message
    assert elapsed < 10 and peak < 3 * cap, (elapsed, peak)


def test_a_long_article_in_a_csv_is_read(tmp_path: Path) -> None:
    """The csv module's 128 KiB field limit once cut the rest of the file off."""
    path = tmp_path / "long.csv"
    path.write_text(
        _csv_text([{"id": "long", "text": "A sentence. " * 20_000}, {"id": "next", "text": "Next."}])
    )
    items = _read([path])
    assert [i.id for i in items if isinstance(i, ArticleRecord)] == ["long", "next"]


def test_a_bad_csv_row_is_skipped_not_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text('id,text\na,"Fine."\nb,"unterminated\x00\nc,"Also fine."\n', encoding="utf-8")
    items = _read([path])
    _check_items(items, {str(path)})
    assert any(isinstance(i, ArticleRecord) and i.id == "a" for i in items)


@settings(max_examples=15)
@given(
    st.lists(
        st.sampled_from(
            [
                "<div>",
                "<p>",
                "<b>",
                "<table><tr><td>",
                "text ",
                "</div>",
                "<script>x</script>",
                "&amp;",
                "<!--",
                "-->",
                "<![CDATA[",
            ]
        ),
        max_size=300,
    ).map("".join)
)
@target("loaders: HTML files")
def test_html_files(tmp_path_factory: pytest.TempPathFactory, html: str) -> None:
    path = tmp_path_factory.mktemp("html") / "page.html"
    path.write_text(html, encoding="utf-8")
    _check_items(_read([path]), {str(path)})
