"""The HTML report: escaping, layout, and a real headless Chromium driving the page.

The results are built by hand from the bundled sample data (the sample repost labelled
as its README documents, with evidence from the sample verified articles and
fact-checks), so no model is needed. The browser tests (``-m browser``) use Debian's
/usr/bin/chromium through Playwright; without it they fail and say how to install it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
from collections.abc import Iterator
from difflib import SequenceMatcher
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from credibility.app import sample_paths
from credibility.model.result import LABELS, ArticleCheck
from credibility.reports import html as html_report
from credibility.reports.html import content_security_policy, word_diff
from credibility.text.facts import compare_facts
from credibility.text.normalize import text_hash
from credibility.text.sentences import split_sentences

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: The label tints of report.css, as the browser computes them.
LABEL_RGB = {
    "supported": "rgb(220, 243, 226)",
    "altered": "rgb(255, 240, 184)",
    "unsupported": "rgb(221, 232, 251)",
    "injected": "rgb(237, 220, 255)",
    "debunked": "rgb(255, 217, 217)",
    "not_checked": "rgb(236, 236, 236)",
}
EVIL_TEXT = (
    "Officials confirmed nothing at all. <script>window.__pwned = 1; document.title = 'pwned';</script>\n\n"
    'A second paragraph <img src="x" onerror="window.__pwned = 2"> with an image that must not load.\n\n'
    'Third: </p></div><svg onload="window.__pwned=3"></svg> and a link <a href="javascript:alert(1)">x</a>.'
)


# --- sample results --------------------------------------------------------------------------------


def render_report(results: list[dict[str, Any]], **options: Any) -> str:
    """The report of results given in their JSON form (loaded back into typed results)."""
    return html_report.render_report([ArticleCheck.from_dict(r) for r in results], **options)


def write_report(path: Path, results: list[dict[str, Any]], **options: Any) -> Path:
    return html_report.write_report(path, [ArticleCheck.from_dict(r) for r in results], **options)


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _evidence(record: dict[str, Any], sentence_id: int, sentence: str, score: float) -> dict[str, Any]:
    kind = "factcheck" if record.get("claim") else "reporting"
    return {
        "article_id": record["id"],
        "sentence_id": sentence_id,
        "sentence": sentence,
        "title": record.get("title", ""),
        "url": record.get("url", ""),
        "source": record.get("source", ""),
        "kind": kind,
        "claim": record.get("claim", ""),
        "rating": record.get("rating", ""),
        "verdict": "false" if kind == "factcheck" else "",
        "score": score,
    }


def _sentence(
    index: int,
    span: Any,
    label: str,
    *,
    reason: str,
    score: float | None = None,
    evidence: dict[str, Any] | None = None,
    flags: tuple[str, ...] = (),
    changes: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    return {
        "index": index,
        "text": span.text,
        "start": span.start,
        "end": span.end,
        "label": label,
        "flags": list(flags),
        "reason": reason,
        "score": score,
        "evidence": evidence,
        "changes": changes or [],
    }


def _result(
    article_id: str,
    text: str,
    sentences: list[dict[str, Any]],
    *,
    label: str,
    copied_from: list[str],
    title: str = "",
    url: str = "",
    checked_at: str = "2026-03-16T09:00:00+00:00",
) -> dict[str, Any]:
    counts = {name: sum(1 for s in sentences if s["label"] == name) for name in LABELS}
    checkable = len(sentences) - counts["not_checked"]
    return {
        "article": {
            "id": article_id,
            "content_hash": text_hash(text),
            "input": article_id,
            "url": url,
            "title": title,
            "checked_at": checked_at,
        },
        "verdict": {
            "label": label,
            "copied_from": copied_from,
            "coverage": round(counts["supported"] / checkable, 4) if checkable else 0.0,
            "counts": counts,
            "engine": {
                "version": "0.1.0+engine1",
                "model": "fake-model",
                "encoder_backend": "torch",
                "index_generation": 1,
                "settings_hash": "0" * 12,
            },
            "reason": f"{label} (hand-built sample)",
        },
        "sentences": sentences,
        "text": text,
    }


def sample_repost_result() -> dict[str, Any]:
    """The sample repost, labelled as credibility/sample_data/reposts/README.md documents."""
    paths = sample_paths()
    articles = {r["id"]: r for r in _jsonl(paths["articles"])}
    factchecks = {r["id"]: r for r in _jsonl(paths["factchecks"])}
    source = articles["sample-harbour-bridge"]
    source_sentences = [s.text for s in split_sentences(source["text"])]
    text = paths["repost"].read_text(encoding="utf-8")
    sentences: list[dict[str, Any]] = []
    for index, span in enumerate(split_sentences(text)):
        ratios = [SequenceMatcher(None, span.text, s).ratio() for s in source_sentences]
        best = max(range(len(ratios)), key=ratios.__getitem__)
        closest = source_sentences[best]
        sid = 100 + best
        if span.text.startswith("Via "):
            sentences.append(_sentence(index, span, "not_checked", reason="publisher line"))
        elif "5G" in span.text:
            fc = factchecks["sample-fc-5g"]
            sentences.append(
                _sentence(
                    index,
                    span,
                    "debunked",
                    reason="matches a claim rated 'pants-fire' (false) by Example Fact Check (sample)",
                    score=0.9123,
                    evidence=_evidence(fc, 900, fc["claim"], 0.9123),
                    flags=("injected", "promo"),
                )
            )
        elif "plastic" in span.text:
            fc = factchecks["sample-fc-bridge-plastic"]
            sentences.append(
                _sentence(
                    index,
                    span,
                    "debunked",
                    reason="matches a claim rated 'false' (false) by Example Fact Check (sample)",
                    score=0.99,
                    evidence=_evidence(fc, 901, fc["claim"], 0.99),
                    flags=("injected",),
                )
            )
        elif span.text.startswith("Insiders"):
            sentences.append(
                _sentence(
                    index,
                    span,
                    "injected",
                    reason="sentence not in the source (sample-harbour-bridge) that the rest of the article copies",
                    score=0.4412,
                    evidence=_evidence(source, sid, closest, 0.4412),
                )
            )
        elif span.text == closest:
            sentences.append(
                _sentence(
                    index,
                    span,
                    "supported",
                    reason="verbatim verified article sample-harbour-bridge",
                    score=1.0,
                    evidence=_evidence(source, sid, closest, 1.0),
                    flags=("exact",),
                )
            )
        else:
            changes = [c.as_dict() for c in compare_facts(span.text, closest)]
            assert changes, span.text
            described = "; ".join(
                f"{c['kind']}: {c['evidence_text']} -> {c['article_text']}" for c in changes
            )
            sentences.append(
                _sentence(
                    index,
                    span,
                    "altered",
                    reason=f"near match of verified article sample-harbour-bridge with changed facts ({described})",
                    score=0.93,
                    evidence=_evidence(source, sid, closest, 0.93),
                    changes=changes,
                )
            )
    return _result(
        "https://repost.example.net/bridge",
        text,
        sentences,
        label="debunked",
        copied_from=["sample-harbour-bridge"],
        title="Harbour bridge reopens (repost)",
        url="https://repost.example.net/bridge",
    )


def clean_result() -> dict[str, Any]:
    """A verbatim copy of a sample verified article: every sentence supported."""
    record = next(r for r in _jsonl(sample_paths()["articles"]) if r["id"] == "sample-riverton-budget")
    text = record["text"]
    sentences = [
        _sentence(
            i,
            span,
            "supported",
            reason="verbatim verified article sample-riverton-budget",
            score=1.0,
            evidence=_evidence(record, 200 + i, span.text, 1.0),
            flags=("exact",),
        )
        for i, span in enumerate(split_sentences(text))
    ]
    return _result(
        "https://mirror.example.com/riverton",
        text,
        sentences,
        label="clean",
        copied_from=["sample-riverton-budget"],
        title=record["title"],
        url="https://mirror.example.com/riverton",
        checked_at="2026-03-15T08:00:00+00:00",
    )


def evil_result() -> dict[str, Any]:
    """Hostile text, title and URL: everything must come out as inert text."""
    sentences = [
        _sentence(
            i,
            span,
            "unsupported",
            reason="no verified sentence says this (closest 0.31) <b>not bold</b>",
            score=0.31,
            evidence={
                "article_id": "<script>x</script>",
                "sentence_id": 7,
                "sentence": "<img src=x onerror=alert(1)>",
                "title": '"><script>window.__pwned=4</script>',
                "url": "javascript:alert(1)",
                "source": "",
                "kind": "reporting",
                "claim": "",
                "rating": "",
                "verdict": "",
                "score": 0.31,
            },
        )
        for i, span in enumerate(split_sentences(EVIL_TEXT))
    ]
    return _result(
        "evil-1",
        EVIL_TEXT,
        sentences,
        label="unsupported",
        copied_from=[],
        title="</title><script>window.__pwned = 5</script>",
        url="javascript:window.__pwned=6",
        checked_at="2026-03-17T10:00:00+00:00",
    )


def sample_results() -> list[dict[str, Any]]:
    return [sample_repost_result(), clean_result(), evil_result()]


# --- parsing helpers -------------------------------------------------------------------------------


class _TextOf(HTMLParser):
    """The visible text of every ``div.text`` paragraph (hover cards left out)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[str] = []
        self._in_text = 0
        self._depth = 0
        self._skip = 0
        self._in_p = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if self._in_text:
            self._depth += 1
            if self._skip:
                self._skip += 1
            elif "tip" in classes:
                self._skip = 1
            if tag == "p":
                self._in_p = True
                self.paragraphs.append("")
        elif tag == "div" and "text" in classes:
            self._in_text, self._depth = 1, 0

    def handle_endtag(self, tag: str) -> None:
        if not self._in_text:
            return
        if self._skip:
            self._skip -= 1
        if tag == "p":
            self._in_p = False
        if self._depth == 0:
            self._in_text = 0
        else:
            self._depth -= 1

    def handle_data(self, data: str) -> None:
        if self._in_text and self._in_p and not self._skip:
            self.paragraphs[-1] += data


def visible_paragraphs(html: str) -> list[str]:
    parser = _TextOf()
    parser.feed(html)
    return parser.paragraphs


def paragraphs_of(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n[ \t]*\n\s*", text) if p.strip()]


# --- tests without a browser -----------------------------------------------------------------------


def test_sample_results_cover_every_label() -> None:
    labels = {s["label"] for r in sample_results() for s in r["sentences"]}
    assert labels == set(LABELS)


def test_untrusted_text_is_escaped_and_only_our_script_is_inline() -> None:
    html = render_report(sample_results(), title="Report <b>&</b>")
    assert html.count("<script") == 1  # ours, at the end of <body>
    assert "window.__pwned" not in html.split("<script>")[1]
    for raw in ("<script>window.__pwned = 1", '<img src="x"', "<svg onload", "<b>not bold</b>"):
        assert raw not in html
    assert "&lt;script&gt;window.__pwned = 1;" in html
    assert "<title>Report &lt;b&gt;&amp;&lt;/b&gt;</title>" in html
    assert 'href="javascript:' not in html  # a non-http URL is shown as text, never linked
    assert "javascript:window.__pwned=6" in html


def test_csp_allows_exactly_the_inline_style_and_script() -> None:
    html = render_report(sample_results())
    css = re.search(r"<style>(.*?)</style>", html, re.S)
    js = re.search(r"<script>(.*?)</script>", html, re.S)
    assert css and js
    csp = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', html)
    assert csp
    policy = unescape(csp.group(1))  # an attribute value: quotes come escaped
    assert policy == content_security_policy(css.group(1), js.group(1))
    digest = base64.b64encode(hashlib.sha256(js.group(1).encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in policy
    assert "default-src 'none'" in policy
    assert "unsafe-inline" not in policy
    assert html.index("Content-Security-Policy") < html.index("<style>")
    assert ' style="' not in html and " on" + "click=" not in html  # no inline attributes CSP would block


def test_article_text_and_paragraphs_are_kept() -> None:
    results = sample_results()
    shown = visible_paragraphs(render_report(results))
    expected = [p for r in results for p in paragraphs_of(r["text"])]
    assert shown == expected


def test_every_sentence_is_wrapped_with_its_label() -> None:
    html = render_report(sample_results())
    for label in LABELS:
        assert f'class="s s-{label}"' in html
    # Flagged sentences are links to their review entry; supported ones are not focusable.
    assert re.search(r'<a class="s s-injected" id="a1-s\d+" href="#d-a1-s\d+"', html)
    assert not re.search(r'<a class="s s-supported"', html)


def test_word_diff_marks_the_changed_words() -> None:
    article, evidence = word_diff(
        "The repair cost 85 million euros, officials said.",
        "The repair cost 45 million euros, officials said.",
    )
    assert [p.text for p in article if p.changed] == ["85"]
    assert [p.text for p in evidence if p.changed] == ["45"]
    assert "".join(p.text for p in article) == "The repair cost 85 million euros, officials said."
    article, evidence = word_diff("Mayor Daniel Price cut the ribbon.", "Mayor Linda Okafor cut the ribbon.")
    assert [p.text for p in article if p.changed] == ["Daniel Price"]
    assert [p.text for p in evidence if p.changed] == ["Linda Okafor"]
    # Quote style and case are not changes.
    article, _ = word_diff("“This bridge” said she.", '"this bridge" said she.')
    assert not any(p.changed for p in article)


def test_altered_sentences_get_a_side_by_side_diff() -> None:
    html = render_report([sample_repost_result()])
    assert "<ins>85</ins>" in html and "<del>45</del>" in html
    assert "<ins>Daniel Price</ins>" in html and "<del>Linda Okafor</del>" in html
    assert "<del>not</del>" in html  # the dropped "not" shows on the evidence side


def test_offsets_that_do_not_fit_fall_back_to_sentences_in_order() -> None:
    result = sample_repost_result()
    result["text"] = "something else entirely"
    html = render_report([result])
    assert "does not match the sentence offsets" in html
    assert visible_paragraphs(html) == [" ".join(s["text"] for s in result["sentences"])]
    del result["text"]
    assert "does not match the sentence offsets" in render_report([result])


def test_write_report_is_atomic(tmp_path: Path) -> None:
    path = tmp_path / "out" / "report.html"
    write_report(path, sample_results(), generated_at="2026-03-18T00:00:00+00:00")
    write_report(path, sample_results()[:1], generated_at="2026-03-18T00:00:00+00:00")
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert [p.name for p in path.parent.iterdir()] == ["report.html"]


def test_empty_report_renders() -> None:
    html = render_report([])
    assert "0 articles" in html and "<tbody>" in html


# --- a real browser --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser_page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests need Debian's Chromium; run scripts/install-browser.sh",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 900},
            offline=True,
        )
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def report_page(browser_page: Any, tmp_path: Path) -> Iterator[tuple[Any, list[str], Path]]:
    """The sample report opened from a file:// URL; yields (page, console errors, tmp folder)."""
    path = write_report(tmp_path / "report.html", sample_results(), title="Sample report")
    page = browser_page.new_page()
    errors: list[str] = []
    page.on(
        "console", lambda msg: errors.append(msg.text) if msg.type == "error" else None
    )  # CSP violations too
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    try:
        yield page, errors, tmp_path
    finally:
        page.close()


def _background(page: Any, selector: str) -> str:
    return str(page.eval_on_selector(selector, "el => getComputedStyle(el).backgroundColor"))


@pytest.mark.browser
def test_page_loads_clean_with_every_label_colour(report_page: tuple[Any, list[str], Path]) -> None:
    page, errors, tmp_path = report_page
    assert errors == []  # no CSP violation, no script error
    assert page.title() == "Sample report"
    for label, rgb in LABEL_RGB.items():
        assert _background(page, f".text .s-{label}") == rgb, label
    # Not colour alone: flagged sentences carry their label as text, in a badge.
    for label in ("altered", "unsupported", "injected", "debunked"):
        before = page.eval_on_selector(f".text .s-{label}", "el => getComputedStyle(el, '::before').content")
        assert before == f'"{label}"'
    shot = tmp_path / "report.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 50_000
    page.emulate_media(media="print")
    assert page.eval_on_selector(".filter input", "el => getComputedStyle(el).display") == "none"
    assert _background(page, ".text .s-injected") == LABEL_RGB["injected"]  # colours print
    page.screenshot(path=str(tmp_path / "report-print.png"), full_page=True)
    keep = os.environ.get("CREDIBILITY_SCREENSHOT_DIR")  # set it to keep the screenshots for a look
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(keep) / "report.png")
        shutil.copy(tmp_path / "report-print.png", Path(keep) / "report-print.png")


@pytest.mark.browser
def test_script_in_the_article_is_shown_as_text_and_never_runs(
    report_page: tuple[Any, list[str], Path],
) -> None:
    page, errors, _ = report_page
    assert page.evaluate("() => window.__pwned") is None
    assert page.title() == "Sample report"
    assert page.evaluate("() => document.scripts.length") == 1
    assert page.evaluate("() => document.querySelectorAll('.text img, .text svg, .text script').length") == 0
    evil = page.locator("section.article", has_text="Officials confirmed nothing")
    assert (
        "<script>window.__pwned = 1; document.title = 'pwned';</script>" in evil.locator(".text").inner_text()
    )
    assert "</title><script>window.__pwned = 5</script>" in evil.locator("h2").inner_text()
    assert errors == []


@pytest.mark.browser
def test_label_filters_hide_and_show_highlighting(report_page: tuple[Any, list[str], Path]) -> None:
    page, errors, _ = report_page
    box = page.locator("input[data-filter='injected']")
    box.focus()
    page.keyboard.press("Space")  # keyboard works
    assert not box.is_checked()
    assert _background(page, ".text .s-injected") == "rgba(0, 0, 0, 0)"
    assert (
        page.eval_on_selector(".text .s-injected", "el => getComputedStyle(el, '::before').content") == "none"
    )
    assert not page.locator("details.d-injected").first.is_visible()
    assert _background(page, ".text .s-debunked") == LABEL_RGB["debunked"]  # other labels untouched
    box.click()
    assert box.is_checked()
    assert _background(page, ".text .s-injected") == LABEL_RGB["injected"]
    assert page.locator("details.d-injected").first.is_visible()
    page.locator("input[data-filter='supported']").uncheck()
    assert _background(page, ".text .s-supported") == "rgba(0, 0, 0, 0)"
    assert errors == []


def _column(page: Any, index: int) -> list[str]:
    return list(
        page.eval_on_selector_all(
            "table.summary tbody tr", f"rows => rows.map(r => r.cells[{index}].getAttribute('data-value'))"
        )
    )


@pytest.mark.browser
def test_summary_table_sorts_by_clicking_or_keyboard(report_page: tuple[Any, list[str], Path]) -> None:
    page, errors, _ = report_page
    assert _column(page, 0) == ["1", "2", "3"]
    coverage = page.locator("table.summary th", has_text="Coverage")
    coverage.locator("button").click()
    values = [float(v) for v in _column(page, 3)]
    assert values == sorted(values) and values[0] < values[-1]
    assert coverage.get_attribute("aria-sort") == "ascending"
    coverage.locator("button").focus()
    page.keyboard.press("Enter")
    assert [float(v) for v in _column(page, 3)] == sorted(values, reverse=True)
    assert coverage.get_attribute("aria-sort") == "descending"
    page.locator("table.summary th", has_text="Label").locator("button").click()
    badges = page.eval_on_selector_all(
        "table.summary tbody tr td:nth-child(3)", "cs => cs.map(c => c.innerText)"
    )
    assert badges == ["debunked", "unsupported", "clean"]  # most serious first
    assert errors == []


@pytest.mark.browser
def test_flagged_sentences_show_evidence_on_focus_and_open_their_entry(
    report_page: tuple[Any, list[str], Path],
) -> None:
    page, errors, _ = report_page
    sentence = page.locator(".text a.s-altered").first
    sentence.focus()
    tip = sentence.locator(".tip")
    assert tip.is_visible()
    assert "Verified" not in tip.inner_text() and "score 0.93" in tip.inner_text()
    page.keyboard.press("Escape")
    assert not tip.is_visible()
    page.keyboard.press("Enter")
    entry = page.locator(f"#d-{sentence.get_attribute('id')}")
    assert entry.evaluate("el => el.open") is True
    assert entry.locator(".diff ins").first.is_visible()
    assert errors == []


@pytest.mark.browser
def test_csp_blocks_markup_that_slipped_past_escaping(browser_page: Any, tmp_path: Path) -> None:
    """Defence in depth: even raw markup spliced into the page can neither run nor load anything."""
    html = render_report(sample_results())
    spliced = html.replace(
        '<div class="text">',
        '<div class="text"><script>window.__pwned = 7</script><img src="https://evil.example/x.png"'
        ' onerror="window.__pwned = 8"><span onclick="window.__pwned = 9" id="evil">x</span>',
        1,
    )
    path = tmp_path / "spliced.html"
    path.write_text(spliced, encoding="utf-8")
    page = browser_page.new_page()
    errors: list[str] = []
    blocked: list[tuple[str, str | None]] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("requestfailed", lambda request: blocked.append((request.url, request.failure)))
    try:
        page.goto(path.as_uri())
        page.click("#evil")
        assert page.evaluate("() => window.__pwned") is None
        refused = [e for e in errors if "Content Security Policy" in e]
        assert len(refused) >= 3  # the script, the inline handler, the image: refused, and said so
        assert blocked == [("https://evil.example/x.png", "csp")]  # blocked by the policy, not the network
        # Our own script still runs: the filters work.
        page.locator("input[data-filter='supported']").uncheck()
        assert page.evaluate("() => document.body.classList.contains('hide-supported')")
    finally:
        page.close()
