"""Reading inputs: every bad file or line is named, the rest of the batch goes on."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from credibility.inputs.loaders import InputReader, split_title
from credibility.model.records import ArticleRecord, LoadProblem


def read(tmp_path: Path, *names: str, **options: object) -> tuple[list[ArticleRecord], list[LoadProblem]]:
    items = list(InputReader(**options).read([str(tmp_path / n) for n in names]))  # type: ignore[arg-type]
    return [i for i in items if isinstance(i, ArticleRecord)], [
        i for i in items if isinstance(i, LoadProblem)
    ]


def test_politifact_shaped_jsonl_gz(tmp_path: Path) -> None:
    lines = [
        {
            "id": "vclaim-pol-1",
            "url": "https://p.example/1",
            "title": "T1",
            "speaker": "Jane Roe",
            "claim": "Taxes doubled.",
            "rating": "pants-fire",
            "stated": "stated on May 1, 2020",
            "text": "Body one.",
        },
        {
            "id": "vclaim-pol-2",
            "url": "https://p.example/2",
            "title": "T2",
            "speaker": "John Doe",
            "claim": "Jobs grew.",
            "rating": "half-true",
            "stated": "",
            "text": "",
        },
    ]
    (tmp_path / "pf.jsonl.gz").write_bytes(gzip.compress("\n".join(json.dumps(x) for x in lines).encode()))
    records, problems = read(tmp_path, "pf.jsonl.gz", kind="factcheck")
    assert problems == []
    assert [r.id for r in records] == ["vclaim-pol-1", "vclaim-pol-2"]
    assert (
        records[0].kind == "factcheck"
        and records[0].rating == "pants-fire"
        and records[0].speaker == "Jane Roe"
    )
    assert records[1].claim == "Jobs grew." and records[1].text == ""


def test_bad_lines_are_reported_with_line_numbers(tmp_path: Path) -> None:
    (tmp_path / "mixed.jsonl").write_text(
        '{"id": "ok1", "text": "Fine."}\nnot json\n{"id": "empty"}\n[1, 2]\n{"id": "ok2", "claim": "A claim."}\n',
        encoding="utf-8",
    )
    records, problems = read(tmp_path, "mixed.jsonl")
    assert [r.id for r in records] == ["ok1", "ok2"]
    messages = {p.origin.rsplit(":", 1)[1]: p.message for p in problems}
    assert "not valid JSON" in messages["2"]
    assert "neither text nor claim" in messages["3"]
    assert "expected a JSON object" in messages["4"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.txt", b"", "empty"),
        ("binary.txt", b"\x00\x01\x02binary", "binary"),
        ("latin1.txt", "caf\xe9 cr\xe8me".encode("latin-1"), "not UTF-8"),
        ("bad.gz.jsonl.gz", b"not gzip at all", "gzip"),
        ("data.pdf", b"%PDF-1.4", "unsupported file type"),
        ("blank.md", b"   \n\n  ", "no text"),
    ],
)
def test_bad_files_get_a_clear_message(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    (tmp_path / name).write_bytes(content)
    (tmp_path / "good.txt").write_text("Headline here\n\nA real sentence.", encoding="utf-8")
    records, problems = read(tmp_path, name, "good.txt")
    assert [r.id for r in records] == ["good"]
    assert len(problems) == 1 and problems[0].origin.endswith(name) and message in problems[0].message


def test_size_cap(tmp_path: Path) -> None:
    (tmp_path / "big.txt").write_text("word " * 100, encoding="utf-8")
    records, problems = read(tmp_path, "big.txt", max_file_bytes=100)
    assert records == [] and "cap" in problems[0].message


def test_folder_with_unreadable_file_goes_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text("First article text.", encoding="utf-8")
    (folder / "b.txt").write_text("Locked article text.", encoding="utf-8")
    (folder / "notes.bin").write_bytes(b"ignored: unknown suffix in a folder")
    original = Path.read_bytes

    def deny(self: Path) -> bytes:
        if self.name == "b.txt":
            raise PermissionError(13, "Permission denied")
        return original(self)

    monkeypatch.setattr(Path, "read_bytes", deny)
    records, problems = read(tmp_path, "in")
    assert [r.id for r in records] == ["a"]
    assert problems == [LoadProblem(str(folder / "b.txt"), "cannot read file: Permission denied")]


def test_missing_input(tmp_path: Path) -> None:
    records, problems = read(tmp_path, "nope.jsonl")
    assert records == [] and "no such file" in problems[0].message


def test_csv_and_json_inputs(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text('id,title,text\nc1,Title,"Text, with comma."\n', encoding="utf-8")
    (tmp_path / "b.json").write_text(json.dumps([{"id": "j1", "text": "One."}, {"id": "j2", "body": "Two."}]))
    records, problems = read(tmp_path, "a.csv", "b.json")
    assert problems == []
    assert [(r.id, r.text) for r in records] == [("c1", "Text, with comma."), ("j1", "One."), ("j2", "Two.")]


def test_split_title() -> None:
    assert split_title("# Big news\nBody text.", markdown=True) == ("Big news", "Body text.")
    assert split_title("Short headline\n\nBody.") == ("Short headline", "\nBody.")
    assert split_title("A sentence.\n\nBody.") == ("", "A sentence.\n\nBody.")
