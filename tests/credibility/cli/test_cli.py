"""The command line as a user meets it: exit codes, one-line errors, JSON, CSV, URLs and feeds."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

import pytest
from webfixtures import LocalServer, article_html

from credibility.app import sample_paths
from credibility.cli.main import main
from credibility.embed.embedder import Embedder
from credibility.engine.ingest import ingest, open_writer
from credibility.model.records import ArticleRecord
from credibility.settings import Settings

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("cli-home")
    paths = sample_paths()
    assert main(["index", "add", "--home", str(home), str(paths["articles"])]) == 0
    assert main(["index", "add", "--home", str(home), "--kind", "factcheck", str(paths["factchecks"])]) == 0
    return home


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()  # drop what fixtures printed
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_stats_json(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "index", "stats", "--home", str(home), "--json")
    stats = json.loads(out)
    assert code == 0
    assert stats["reporting"] == 5 and stats["factchecks"] == 5
    assert stats["verdicts"] == {"false": 3, "misleading": 1, "true": 1}
    assert stats["model"] == "sentence-transformers/all-MiniLM-L6-v2" and stats["dimension"] == 384


def test_reindexing_changes_nothing(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "index", "add", "--home", str(home), str(sample_paths()["articles"]))
    assert code == 0 and "unchanged 5" in out and "0 embedded" in out


def test_check_json_csv_and_fail_on(home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repost = sample_paths()["repost"]
    clean = tmp_path / "clean.txt"
    clean.write_text(
        "Turnout in Sunday's regional election rose to 64 percent, the highest in two decades, the electoral "
        "commission said.",
        encoding="utf-8",
    )
    csv_path = tmp_path / "review.csv"
    code, out, err = run(
        capsys, "check", "--home", str(home), "--json", "--csv", str(csv_path), "--fail-on", "injected",
        str(repost), str(clean),
    )  # fmt: skip
    assert code == 1, err  # the repost has an injected sentence
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["article"]["input"] for line in lines] == [str(repost), str(clean)]
    assert lines[0]["verdict"]["label"] == "debunked" and lines[1]["verdict"]["label"] == "clean"
    text = repost.read_text(encoding="utf-8")
    for sentence in lines[0]["sentences"]:
        assert text[sentence["start"] : sentence["end"]] == sentence["text"]
    with open(csv_path, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {r["label"] for r in rows} == {"altered", "injected", "debunked"}
    assert all(r["article_label"] == "debunked" for r in rows)
    # Re-checking appends nothing new.
    assert run(capsys, "check", "--home", str(home), "--csv", str(csv_path), str(repost))[0] == 0
    with open(csv_path, encoding="utf-8-sig", newline="") as handle:
        assert len(list(csv.DictReader(handle))) == len(rows)
    code, _, _ = run(capsys, "check", "--home", str(home), "--fail-on", "injected,debunked", str(clean))
    assert code == 0


def test_check_reads_stdin(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    data = b"Drinking hot water every hour cures the flu within a day."
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    code, out, _ = run(capsys, "check", "--home", str(home), "--json", "-")
    assert code == 0
    assert json.loads(out)["sentences"][0]["label"] == "debunked"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["check", "{home}", "{missing}"], "cannot read"),
        (["check", "{home}", "{binary}"], "binary"),
        (["check", "{home}", "{empty}"], "empty"),
        (["check", "{home}", "--fail-on", "bogus", "{empty}"], "unknown label"),
        (["search", "{home}", "--queries", "{badtsv}"], "expected id<TAB>text"),
        (["index", "stats", "--home", "{nohome}"], "no index"),
        (["index", "remove", "{home}", "no-such-id"], "no article"),
    ],
)
def test_user_errors_are_one_line_exit_2(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02")
    (tmp_path / "empty.txt").write_text("  \n", encoding="utf-8")
    (tmp_path / "bad.tsv").write_text("no tab here\n", encoding="utf-8")
    values = {
        "{home}": f"--home={home}",
        "{missing}": str(tmp_path / "missing.txt"),
        "{binary}": str(tmp_path / "binary.txt"),
        "{empty}": str(tmp_path / "empty.txt"),
        "{badtsv}": str(tmp_path / "bad.tsv"),
        "{nohome}": str(tmp_path / "nothing"),
    }
    code, _, err = run(capsys, *[values.get(a, a) for a in argv])
    assert code == 2
    assert message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_bad_usage_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["index", "add"])
    assert exc.value.code == 2


def test_index_refuses_another_model(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fake_embedder: Embedder
) -> None:
    settings = Settings(home=tmp_path, model="fake-model")
    fake = fake_embedder
    with open_writer(settings, fake) as writer:
        ingest([ArticleRecord(id="a", text="Some text.")], writer, fake)
    code, _, err = run(capsys, "search", "--home", str(tmp_path), "anything")
    assert code == 2 and "was built with model='fake-model'" in err


def test_an_index_keeps_its_backend_and_rebuild_backend_re_embeds_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    home, paths = str(tmp_path / "home"), sample_paths()
    monkeypatch.setenv("CREDIBILITY_ENCODER_BACKEND", "torch")  # an index built before the default changed
    assert run(capsys, "index", "add", "--home", home, str(paths["articles"]))[0] == 0
    assert (
        run(capsys, "index", "add", "--home", home, "--kind", "factcheck", str(paths["factchecks"]))[0] == 0
    )
    monkeypatch.delenv("CREDIBILITY_ENCODER_BACKEND")
    before = json.loads(run(capsys, "index", "stats", "--home", home, "--json")[1])
    assert (before["encoder_backend"], before["encoder_format_version"]) == ("torch", 0)
    # Without a chosen backend the index's own is used: no refusal, no re-embedding.
    code, out, err = run(capsys, "check", "--home", home, "--json", str(paths["repost"]))
    assert code == 0, err
    torch_check = json.loads(out)
    assert torch_check["verdict"]["label"] == "debunked"
    assert torch_check["verdict"]["engine"]["encoder_backend"] == "torch"

    code, out, err = run(capsys, "index", "rebuild", "--home", home, "--backend", "onnx-int8", "--progress")
    assert code == 0, err
    assert "re-embedding (onnx-int8)" in err and "sentences" in err  # the progress bar, on stderr
    assert out.startswith("re-embedded ") and "with onnx-int8" in out
    after = json.loads(run(capsys, "index", "stats", "--home", home, "--json")[1])
    assert (after["encoder_backend"], after["encoder_format_version"]) == ("onnx-int8", 4)
    for key in ("articles", "reporting", "factchecks", "duplicates", "sentences", "verdicts", "index_type"):
        assert after[key] == before[key], key
    assert not list((tmp_path / "home").glob(".index*"))
    code, out, err = run(capsys, "check", "--home", home, "--json", str(paths["repost"]))
    assert code == 0, err
    int8_check = json.loads(out)
    assert int8_check["verdict"]["engine"]["encoder_backend"] == "onnx-int8"
    assert [s["label"] for s in int8_check["sentences"]] == [s["label"] for s in torch_check["sentences"]]
    # Choosing the old backend now is refused, saying what to do.
    monkeypatch.setenv("CREDIBILITY_ENCODER_BACKEND", "torch")
    code, _, err = run(capsys, "check", "--home", home, str(paths["repost"]))
    assert code == 2 and "credibility index rebuild --backend torch" in err
    assert len(err.strip().splitlines()) == 1


def test_search_batch_with_context_and_without_the_claim_ranker(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    queries = tmp_path / "q.jsonl"
    queries.write_text(
        '{"id": "q1", "text": "5G masts spread flu", "date": "2026-01-20"}\n', encoding="utf-8"
    )
    code, out, _ = run(capsys, "search", "--home", str(home), "--k", "2", "--queries", str(queries))
    (line,) = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and line["query_id"] == "q1" and line["results"][0]["article_id"] == "sample-fc-5g"
    monkeypatch.setenv("CREDIBILITY_SEARCH_CLAIM_RANKER", "false")
    code, plain, _ = run(capsys, "search", "--home", str(home), "--k", "2", "--queries", str(queries))
    assert code == 0 and json.loads(plain)["results"][0]["article_id"] == "sample-fc-5g"


def test_search_batch(home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    queries = tmp_path / "q.tsv"
    queries.write_text("q1\t5G masts spread flu\nq2\tbridge cables from Finland\n", encoding="utf-8")
    code, out, _ = run(capsys, "search", "--home", str(home), "--k", "2", "--queries", str(queries))
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and [line["query_id"] for line in lines] == ["q1", "q2"]
    assert lines[0]["results"][0]["article_id"] == "sample-fc-5g"
    assert lines[0]["results"][0]["verdict"] == "false"
    assert lines[1]["results"][0]["article_id"] == "sample-harbour-bridge"
    assert set(lines[0]["results"][0]) >= {
        "article_id",
        "score",
        "title",
        "claim",
        "rating",
        "verdict",
        "url",
        "sentence",
    }


def test_urls_and_feeds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = tmp_path / "web-home"
    story = [
        "The river ferry between Halden and Morrow resumed service on Tuesday after a three-week strike.",
        "The operator said 14 crossings a day would run until the end of the month.",
    ]
    with LocalServer() as server:
        page = server.add("/story", article_html("Ferry service resumes", story))
        feed = server.add(
            "/feed.xml",
            f"""<?xml version="1.0"?><rss version="2.0"><channel><title>Local Wire</title>
            <item><title>Ferry service resumes</title><link>{page}</link><guid>1</guid></item>
            </channel></rss>""",
            content_type="application/rss+xml",
        )
        copy = server.add(
            "/copy",
            article_html(
                "Ferry back",
                [story[0], "READ ALSO: Celebrity chef opens floating restaurant", story[1]],
            ),
        )
        allow = "--allow-network=127.0.0.0/8"
        code, out, err = run(capsys, "index", "add", "--home", str(home), allow, "--no-respect-robots", feed)
        assert code == 0, err
        assert "added 1" in out
        code, out, err = run(capsys, "check", "--home", str(home), allow, "--json", copy)
        assert code == 0, err
        result = json.loads(out)
        assert result["verdict"]["copied_from"] == [page]
        labels = {s["text"]: s["label"] for s in result["sentences"]}
        assert labels["READ ALSO: Celebrity chef opens floating restaurant"] == "injected"
        # Without the allow-list the SSRF guard refuses the local address with a clear message.
        code, _, err = run(capsys, "check", "--home", str(home), copy)
        assert code == 2 and "127.0.0.1" in err and "Traceback" not in err


def test_reports_and_reviews_through_the_cli(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`report csv|html` and `review import|stats`, as the README shows them."""
    repost = sample_paths()["repost"]
    week = tmp_path / "week.csv"
    code, out, _ = run(capsys, "check", "--home", str(home), "--csv", str(week), str(repost))
    assert code == 0
    with open(week, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    injected = next(r for r in rows if r["label"] == "injected")
    injected["reviewer_decision"], injected["reviewer_note"] = "false_positive", "a quote, not an insertion"
    with open(week, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)

    code, out, err = run(capsys, "review", "import", "--home", str(home), "--reviewer", "ana", str(week))
    assert code == 0 and "1 decision(s): 1 new" in out, err
    code, out, _ = run(capsys, "review", "stats", "--home", str(home))
    assert code == 0 and "decisions: 1 (0 confirmed, 1 false positive" in out and "injected" in out
    code, out, _ = run(capsys, "review", "stats", "--home", str(home), "--json")
    assert json.loads(out)["by_label"]["injected"]["false_positive"] == 1

    # The dismissed flag: out of the rebuilt CSV, plain text in the HTML, shown on request.
    rebuilt, page = tmp_path / "rebuilt.csv", tmp_path / "week.html"
    since = "2000-01-01"
    code, out, _ = run(capsys, "report", "csv", "--home", str(home), "--out", str(rebuilt), "--since", since)
    assert code == 0 and f"to {rebuilt}" in out
    with open(rebuilt, encoding="utf-8-sig", newline="") as handle:
        sentences = {r["sentence"] for r in csv.DictReader(handle)}
    assert sentences and injected["sentence"] not in sentences
    code, out, _ = run(capsys, "report", "html", "--home", str(home), "--out", str(page), "--since", since)
    assert code == 0 and "flag dismissed by reviewers" in page.read_text(encoding="utf-8")
    code, _, _ = run(
        capsys,
        "report",
        "csv",
        "--home",
        str(home),
        "--out",
        str(rebuilt),
        "--since",
        since,
        "--show-dismissed",
    )
    with open(rebuilt, encoding="utf-8-sig", newline="") as handle:
        shown = {r["sentence"]: r["reviewer_decision"] for r in csv.DictReader(handle)}
    assert shown[injected["sentence"]] == "false_positive"

    # The terminal summary shows the reviewed result too.
    code, out, _ = run(capsys, "check", "--home", str(home), str(repost))
    assert "dismissed as a false positive by ana" in out
    code, _, err = run(capsys, "report", "csv", "--home", str(home), "--out", str(rebuilt), "--since", "soon")
    assert code == 2 and "--since: 'soon' is not an ISO date" in err
