"""Property-based fuzzing of the CSV import of reviewer decisions.

A real reviewer CSV is mutated (cells rewritten with decision words, formulas, random text; rows
dropped, duplicated or cut; the delimiter, BOM and line endings changed; random bytes). Invariant:
the import either stores decisions or raises one :class:`InputError` and changes nothing (all or
nothing), and importing the same file twice changes nothing the second time.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from fakes import FakeEmbedder
from fuzzing import target, texts
from hypothesis import given
from hypothesis import strategies as st

from credibility.app import Home, sample_paths
from credibility.errors import InputError
from credibility.settings import Settings

WORDS = st.sampled_from(
    ["confirmed", "false_positive", "fp", "CONFIRMED ", "", "maybe", "=cmd|' /C calc'!A0", "'confirmed", "\t"]
)


@pytest.fixture(scope="module")
def reviewed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Home, str]]:
    folder = tmp_path_factory.mktemp("import-fuzz")
    home = Home(Settings(home=folder / "home", model="fake-model"), embedder=FakeEmbedder())  # type: ignore[arg-type]
    paths = sample_paths()
    home.ingest([str(paths["articles"])])
    home.ingest([str(paths["factchecks"])], kind="factcheck")
    checked = home.check(paths["repost"].read_text(encoding="utf-8"))
    out = folder / "review.csv"
    home.export_csv([checked.check], out, include_all=True)
    yield home, out.read_text(encoding="utf-8-sig")
    home.close()


def _mutate(base: str, edits: list[tuple[int, int, str]], drop: list[int], delimiter: str) -> str:
    rows = list(csv.reader(io.StringIO(base, newline="")))
    header, body = rows[0], rows[1:]
    for r, c, value in edits:
        if body:
            row = body[r % len(body)]
            row[c % len(row)] = value
    body = [row for n, row in enumerate(body) if n not in drop] + [
        body[n % len(body)] for n in drop[:1] if body
    ]
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows([header, *body])
    return out.getvalue()


def _store_snapshot(home: Home) -> tuple[object, ...]:
    return (sorted(_row(r) for r in home.decisions.current()), home.decisions.history_counts())


def _row(row: object) -> tuple[str, ...]:
    return tuple(str(getattr(row, name)) for name in ("label", "decision", "decided_at", "reviewer"))


@given(
    st.lists(st.tuples(st.integers(0, 500), st.integers(0, 30), st.one_of(WORDS, texts)), max_size=8),
    st.lists(st.integers(0, 40), max_size=3),
    st.sampled_from([",", ";", "\t"]),
    st.sampled_from(["", "\ufeff"]),
    st.integers(0, 3),
)
@target("reviewer CSV import")
def test_import_is_all_or_nothing(
    reviewed: tuple[Home, str],
    tmp_path_factory: pytest.TempPathFactory,
    edits: list[tuple[int, int, str]],
    drop: list[int],
    delimiter: str,
    bom: str,
    damage: int,
) -> None:
    home, base = reviewed
    text = bom + _mutate(base, edits, drop, delimiter)
    data = text.encode("utf-8", "surrogatepass")
    if damage == 1:
        data = data[: len(data) // 2]  # cut mid-row
    elif damage == 2:
        data = data.replace(b"\r\n", b"\n")
    elif damage == 3:
        data = data[:100] + b"\xff\xfe\x00" + data[100:]
    path = tmp_path_factory.mktemp("import") / "decided.csv"
    path.write_bytes(data)
    before = _store_snapshot(home)
    try:
        report = home.import_decisions(path, reviewer="fuzz")
    except InputError as exc:
        assert str(path) in str(exc) or path.name in str(exc)
        assert _store_snapshot(home) == before, "a refused import changed the decisions"
        return
    assert report.rows >= 0
    again = home.import_decisions(path, reviewer="fuzz")
    assert again.added == 0 and again.changed == 0, "re-importing the same file changed decisions"
