"""The README files as a tested contract: collect their commands, say how each is run, run them.

``collect()`` reads ``README.md`` and ``deploy/README.md`` with markdown-it-py (the Markdown
parser Prefect already installs) and returns every command they show:

- each logical line of a fenced ``bash``/``sh``/``shell``/``console`` block (comments after ``#``
  dropped, ``\\`` continuations joined, ``$ `` prompts of console blocks stripped, output lines of
  console blocks skipped);
- each inline code span that starts with a command word (``credibility index rebuild ...``,
  ``prefect work-pool create ...``, ``python -m flows.worker``).

``RUNS`` says, for every one of them, which test runs it and how (the placeholders of a
documented line, the exit status the README promises). ``tests/docs/test_readme.py`` fails when
the files show a command that is not in ``RUNS`` (or ``RUNS`` names one they no longer show); the
tests of each runner walk the README in its own order and run every command given to them:

- ``cli``: ``tests/docs/test_readme.py``, the ``credibility`` lines in a temporary home;
- ``make``: ``tests/docs/test_readme.py``, the Makefile targets;
- ``served`` and ``pool``: ``tests/flows/test_readme_flows.py``, against the session's Prefect test
  server with ``python -m flows.serve`` (``served``), and against ``python -m flows.server`` itself
  with a process work pool (``pool``);
- ``checked``: checked but not run, for the reason given (listed in one place: ``not_run()``, with the files of
  ``NOT_RUN_FILES`` that need Docker or Kubernetes).

Lines that set up the environment (``. .venv/bin/activate``, ``export NAME=...``, ``NAME=...``)
are run by the runner of their block, in the block's order.

To document a new command: add it to the README, then an entry to ``RUNS`` (and, for a new
placeholder, to ``PLACEHOLDERS`` and the workspace) and, when the text around it promises
something, an assertion to the ``PROMISES`` of the runner's test.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt

ROOT = Path(__file__).resolve().parents[1]
READMES = ("README.md", "deploy/README.md")
SAMPLE_DATA = ROOT / "credibility" / "sample_data"
SHELL_LANGUAGES = {"bash", "sh", "shell", "console", "shell-session"}
#: Inline code that starts with one of these words (and has arguments) is a command.
COMMAND_WORDS = {"credibility", "python", "prefect", "make", "pip", "curl", "cp", "jq", "docker", "kubectl"}


# --- collecting -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Command:
    """One command a README shows."""

    file: str  # "README.md" or "deploy/README.md"
    line: int  # 1-based line of the command in the file
    text: str  # as written, comment removed, continuations joined, whitespace collapsed
    block: int  # index of its fenced block in the file; -1 for inline code

    @property
    def is_setup(self) -> bool:
        """``. venv/bin/activate``, ``source ...``, ``export NAME=...``, ``NAME=value``: sets up the shell."""
        return is_setup(self.text)

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.text}"


_ASSIGNMENT = re.compile(r"^(?:export\s+)?[A-Za-z_][A-Za-z0-9_]*=")


def is_setup(text: str) -> bool:
    if text.startswith((". ", "source ")):
        return True
    if not _ASSIGNMENT.match(text):
        return False
    # "NAME=value command ..." runs a command with a variable set: not a setup line.
    words = shlex.split(text, posix=True) if "$(" not in text else [text]
    return len(words) == 1 or words[0] == "export"


def strip_comment(line: str) -> str:
    """``line`` without a trailing ``# comment`` (a ``#`` outside quotes and ``$(...)``, after a blank)."""
    quote = ""
    depth = 0
    i = 0
    while i < len(line):
        ch = line[i]
        if quote == "'":
            if ch == "'":
                quote = ""
        elif ch == "\\":
            i += 1
        elif quote == '"':
            if ch == '"':
                quote = ""
            elif line.startswith("$(", i):
                depth += 1
                i += 1
        elif ch in "'\"":
            quote = ch
        elif line.startswith("$(", i):
            depth += 1
            i += 1
        elif ch == ")" and depth:
            depth -= 1
        elif ch == "#" and not depth and (i == 0 or line[i - 1].isspace()):
            return line[:i].rstrip()
        i += 1
    return line.rstrip()


def block_commands(source: str, *, console: bool = False) -> Iterator[tuple[int, str]]:
    """(0-based line offset, command) for each command of a shell block's text."""
    lines = source.splitlines()
    i = 0
    while i < len(lines):
        start = i
        line = lines[i]
        if console:
            if not line.startswith("$ "):
                i += 1
                continue  # output
            line = line[2:]
        parts = [strip_comment(line)]
        while parts[-1].endswith("\\") and i + 1 < len(lines):
            parts[-1] = parts[-1][:-1]
            i += 1
            parts.append(strip_comment(lines[i]))
        i += 1
        text = " ".join(" ".join(parts).split())
        if text:
            yield start, text


def collect(root: Path = ROOT, files: tuple[str, ...] = READMES) -> list[Command]:
    """Every command of ``files``, in document order."""
    md = MarkdownIt("commonmark")
    commands: list[Command] = []
    for name in files:
        tokens = md.parse((root / name).read_text(encoding="utf-8"))
        block = 0
        for token in tokens:
            if token.type == "fence" and token.map:
                language = token.info.strip().split(" ")[0].lower()
                if language in SHELL_LANGUAGES:
                    for offset, text in block_commands(
                        token.content, console=language in ("console", "shell-session")
                    ):
                        commands.append(Command(name, token.map[0] + 2 + offset, text, block))
                    block += 1
            elif token.type == "inline" and token.map:
                for child in token.children or []:
                    words = child.content.split()
                    if child.type == "code_inline" and len(words) > 1 and words[0] in COMMAND_WORDS:
                        commands.append(Command(name, token.map[0] + 1, " ".join(words), -1))
    return commands


def python_blocks(root: Path = ROOT, files: tuple[str, ...] = READMES) -> list[tuple[str, int, str]]:
    """(file, line, code) of every fenced ``python`` block."""
    md = MarkdownIt("commonmark")
    found = []
    for name in files:
        for token in md.parse((root / name).read_text(encoding="utf-8")):
            if token.type == "fence" and token.map and token.info.strip().lower() in ("python", "py"):
                found.append((name, token.map[0] + 2, token.content))
    return found


# --- how each command is run ------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """How the tests run one documented command."""

    runner: str  # "cli" | "make" | "served" | "pool" | "checked" | "setup"
    #: The lines actually run, when the documented one has a placeholder or alternatives
    #: ("[--json]", "ivf|hnsw|flat", "ID..."); default: the documented line itself.
    variants: tuple[str, ...] = ()
    rc: int = 0  # the exit status the README promises
    stdin: str = ""  # a workspace file fed to standard input ("-")
    reason: str = ""  # for "checked": why it is not run here, and what is checked instead

    def lines(self, text: str) -> tuple[str, ...]:
        return self.variants or (text,)


#: Values that stand for what the README leaves to the reader, replaced in every line before it
#: runs (``{...}`` are filled from the test's context).
PLACEHOLDERS = {
    "https://publisher.example": "{web}/publisher",
    "https://copy.example.net": "{web}/copy",
    "http://127.0.0.1:4200/api": "{prefect_api}",
    "/srv/articles/a.txt": "{work}/a.txt",
    # An on-demand check of "..." has no sentence; a debunked claim gives a verdict with flags.
    '"text": "..."': '"text": "{claim}"',
}

#: The sentence checked where the README writes "...": a claim the sample fact-checks rate false.
CLAIM = "5G phone masts spread the virus that causes the flu."
#: The indexed article ``index remove ID...`` takes out (not one the sample repost copies).
REMOVED_ID = "sample-clinic-trial"

CHECKED = "checked"

RUNS: dict[str, Run] = {
    # README.md, "Two commands" and "Benchmarks"
    "make demo": Run("make", ("make -f {root}/Makefile -o .venv/.installed demo",)),
    "make test": Run(
        CHECKED,
        ("make -n -f {root}/Makefile -o .venv/.installed test",),
        reason="it runs this test suite (and ruff, mypy): the suite cannot run itself; "
        "`make -n test` checks the target and its recipe",
    ),
    "make bench-quick": Run(
        CHECKED,
        ("make -n -f {root}/Makefile -o .venv/.installed bench-quick",),
        reason="needs the benchmark data in ../shared/data and takes minutes; `make -n` checks the target",
    ),
    "make bench": Run(
        CHECKED,
        ("make -n -f {root}/Makefile -o .venv/.installed bench",),
        reason="needs the benchmark data in ../shared/data and takes hours; `make -n` checks the target",
    ),
    "make fuzz": Run(
        CHECKED,
        ("make -n -f {root}/Makefile -o .venv/.installed fuzz",),
        reason="the long reliability harnesses take about half an hour; the suite runs the same tests "
        "with the bounded hypothesis profile and counts, and `make -n fuzz` checks the target",
    ),
    "make lint": Run(
        CHECKED,
        ("make -n -f {root}/Makefile -o .venv/.installed lint",),
        reason="`make test` runs it before this suite (ruff, mypy, lint-imports over the whole tree); "
        "`make -n lint` checks the target",
    ),
    "pip install -e '.[flows,bench,dev]'": Run(
        CHECKED,
        reason="installs from PyPI (network); the extras flows, bench and dev are checked in pyproject.toml "
        "and installed in the venv running the tests",
    ),
    # README.md, "Using it"
    ". .venv/bin/activate": Run("setup"),
    "export CREDIBILITY_HOME=~/credibility-data": Run("setup"),
    'credibility index add --source "Example Daily" reporting/': Run("cli"),
    "credibility index add --kind factcheck ../shared/data/politifact/articles.jsonl.gz": Run("cli"),
    "credibility index stats [--json]": Run(
        "cli", ("credibility index stats", "credibility index stats --json")
    ),
    "credibility index remove ID...": Run("cli", (f"credibility index remove {REMOVED_ID}",)),
    'credibility search --k 5 "5G masts spread the flu"': Run("cli"),
    "credibility search --queries queries.tsv > results.jsonl": Run("cli"),
    "credibility index add https://publisher.example/feed.xml https://publisher.example/story.html": Run(
        "cli"
    ),
    "credibility index add --kind factcheck page-with-claimreview.html": Run("cli"),
    "credibility check article.txt": Run("cli"),
    "credibility check https://copy.example.net/story": Run("cli"),
    "credibility check --json a.txt b.html": Run("cli"),
    "credibility check --csv review.csv --html review.html --fail-on injected,debunked -": Run(
        "cli", rc=1, stdin="article.txt"
    ),
    "credibility report csv --out week.csv --since 2026-11-21": Run("cli"),
    "credibility report html --out week.html --since 2026-11-21": Run("cli"),
    "credibility review import review.csv": Run("cli"),
    "credibility review stats": Run("cli"),
    "credibility index rebuild --type ivf": Run("cli"),
    "credibility index rebuild --backend onnx-int8": Run("cli"),
    "credibility index rebuild --backend NAME": Run(
        "cli", ("credibility index rebuild --backend onnx-int8",)
    ),
    "credibility review import FILE.csv": Run("cli", ("credibility review import review.csv",)),
    "credibility index rebuild --type ivf|hnsw|flat": Run(
        "cli", ("credibility index rebuild --type hnsw", "credibility index rebuild --type flat")
    ),
    # deploy/README.md, the reviewer-report row: the same rebuild over the file reviewers typed into
    "credibility report csv": Run("cli", ("credibility report csv --out review.csv --since 2026-11-21",)),
    # README.md "Watching sites": the ledger of the monitored sources (the flows fill it; the README's
    # home has none, so it says so; tests/flows/test_watch_flows.py runs it over a watched web)
    "credibility sources": Run("cli"),
    "credibility sources --json --since 2026-11-21": Run("cli"),
    # README.md "Running it with Prefect" and deploy/README.md "On one machine"
    "cp deploy/sources.example.yaml $CREDIBILITY_HOME/sources.yaml": Run("served"),
    "python -m flows.server": Run("pool", ("python -m flows.server --port {server_port}",)),
    "python -m flows.serve": Run("served"),
    "prefect deployment run 'check-article/on-demand' --param text=\"$(jq -Rs . article.txt)\"": Run(
        "served"
    ),
    "python -c 'from flows.client import check_by_deployment; "
    'print(check_by_deployment({"text": "..."}).label)\'': Run("served"),
    "ID=$(curl -s http://127.0.0.1:4200/api/deployments/name/check-article/on-demand | jq -r .id)": Run(
        "served"
    ),
    "curl -X POST http://127.0.0.1:4200/api/deployments/$ID/create_flow_run "
    '-H \'Content-Type: application/json\' -d \'{"parameters": {"text": "..."}}\'': Run("served"),
    # deploy/README.md
    "prefect config set PREFECT_API_URL=http://127.0.0.1:4200/api": Run(
        "pool", ("prefect config set PREFECT_API_URL=http://127.0.0.1:{server_port}/api",)
    ),
    "prefect deployment run 'check-article/on-demand' --param text=\"$(jq -Rs . article.txt)\" "
    '--param title="..."': Run("served"),
    "prefect deployment run 'check-article/on-demand' --param path=/srv/articles/a.txt": Run("served"),
    "API=http://127.0.0.1:4200/api": Run("setup"),
    "ID=$(curl -s $API/deployments/name/check-article/on-demand | jq -r .id)": Run("served"),
    "RUN=$(curl -s -X POST $API/deployments/$ID/create_flow_run "
    '-H \'Content-Type: application/json\' -d \'{"parameters": {"text": "..."}}\' | jq -r .id)': Run(
        "served"
    ),
    "curl -s $API/flow_runs/$RUN | jq '.state | {type, message}'": Run("served"),
    "curl -s -X POST $API/artifacts/filter -H 'Content-Type: application/json' "
    '-d "{\\"artifacts\\": {\\"flow_run_id\\": {\\"any_\\": [\\"$RUN\\"]}, '
    '\\"key\\": {\\"any_\\": [\\"check-article\\"]}}}" | jq -r \'.[0].data\'': Run("served"),
    "python -m flows.measure": Run("served", ("python -m flows.measure --runs 1 --articles 2",)),
    "prefect work-pool create credibility-process --type process": Run("pool"),
    "prefect deploy --prefect-file deploy/prefect.yaml --all": Run("pool"),
    "prefect worker start --pool credibility-process": Run("pool"),
    "python -m flows.worker": Run("pool"),
}

#: Deployment pieces deploy/README.md points to that need infrastructure this machine lacks: what is
#: checked instead (by ``test_not_run_files_are_checked``), and why they are not run.
NOT_RUN_FILES = {
    "deploy/Dockerfile": "needs a Docker daemon and PyPI/download.pytorch.org to build; checked: it "
    "exists, installs the project and runs `python -m flows.worker`",
    "deploy/pools/docker.prefect.yaml": "needs a Docker work pool (prefect-docker) and a Docker daemon; "
    "checked: parses with PyYAML, same deployments as deploy/prefect.yaml (tests/flows/test_deploy_files.py)",
    "deploy/pools/kubernetes.prefect.yaml": "needs a Kubernetes cluster; checked: parses with PyYAML, same "
    "deployments as deploy/prefect.yaml",
    "deploy/kubernetes/storage.yaml": "needs a Kubernetes cluster; checked: parses with PyYAML "
    "(Namespace, PersistentVolumeClaim)",
    "deploy/kubernetes/warm-worker.yaml": "needs a Kubernetes cluster; checked: parses with PyYAML "
    "(Deployment running python -m flows.worker)",
    "deploy/kubernetes/job-volume.json": "needs a Kubernetes cluster; checked: parses as JSON",
}


def not_run() -> dict[str, str]:
    """The one list of what is checked but not run, with the reason: commands, then files."""
    listed = {text: run.reason for text, run in RUNS.items() if run.runner == CHECKED}
    listed.update(NOT_RUN_FILES)
    return listed


def fill(text: str, context: Mapping[str, object]) -> str:
    """``text`` with the placeholders replaced and ``{name}`` filled from ``context``."""
    for written, value in PLACEHOLDERS.items():
        text = text.replace(written, value)
    return re.sub(r"\{(\w+)\}", lambda m: str(context[m[1]]) if m[1] in context else m[0], text)


def runner_blocks(commands: list[Command], runner: str) -> list[list[Command]]:
    """The commands a runner runs, grouped by block, with the setup lines of those blocks, in order."""
    groups: dict[tuple[str, int, int], list[Command]] = {}
    for command in commands:
        key = (command.file, command.block, command.line if command.block < 0 else 0)
        groups.setdefault(key, []).append(command)
    picked = []
    for group in groups.values():
        own = [c for c in group if RUNS[c.text].runner == runner]
        if own:
            picked.append([c for c in group if c in own or RUNS[c.text].runner == "setup"])
    return picked


# --- the workspace: the files the README's relative paths name -------------------------------


REPOST = SAMPLE_DATA / "reposts" / "harbour-bridge-repost.txt"

FEED_STORY = (
    "The Port Ellery ferry resumed service on Monday after a three-week strike ended with a pay rise "
    "for crews. The harbour authority said timetables would return to normal by Wednesday."
)
STORY = (
    "Kessel valley farmers began the grape harvest two weeks early this year after a hot, dry "
    "summer. The regional wine board said yields were down by about a tenth."
)


def article_page(title: str, paragraphs: list[str], head: str = "") -> str:
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title>{head}</head>"
        f"<body><article><h1>{title}</h1>{body}</article></body></html>"
    )


def feed_xml(base: str) -> str:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>Publisher</title><link>{base}/</link><description>Local news</description>
<item><title>Port Ellery ferry resumes service</title><link>{base}/ferry</link>
  <guid isPermaLink="false">publisher-ferry</guid><pubDate>Mon, 23 Nov 2026 08:00:00 GMT</pubDate>
  <content:encoded><![CDATA[<p>{FEED_STORY}</p>]]></content:encoded></item>
</channel></rss>"""


def claimreview_page() -> str:
    review = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": "https://factcheck.example.org/ferry-free",
        "claimReviewed": "The Port Ellery ferry will be free for everyone from next year.",
        "author": {"@type": "Organization", "name": "Example Fact Check"},
        "datePublished": "2026-11-24",
        "reviewRating": {"@type": "Rating", "alternateName": "False"},
        "reviewBody": "The harbour authority has announced no free fares.",
    }
    return article_page(
        "No, the Port Ellery ferry will not be free",
        ["The harbour authority has announced no free fares."],
        head=f'<script type="application/ld+json">{json.dumps(review)}</script>',
    )


def politifact_gz(path: Path) -> None:
    """A small stand-in for ../shared/data/politifact/articles.jsonl.gz: the sample fact-checks,
    one of them with PolitiFact's own field names."""
    lines = SAMPLE_DATA.joinpath("verified", "factchecks.jsonl").read_text(encoding="utf-8").splitlines()
    politifact = {
        "id": "politifact-ferry",
        "title": "Ferry strike claim",
        "url": "https://www.politifact.com/factchecks/2026/nov/25/ferry/",
        "speaker": "A viral post",
        "stated": "November 20, 2026",
        "claim": "The Port Ellery ferry strike cost every crew member their job.",
        "rating": "pants-fire",
        "text": "No crew member lost their job; the strike ended with a pay rise.",
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt", encoding="utf-8") as out:
        for line in [*lines, json.dumps(politifact)]:
            out.write(line + "\n")


def make_workspace(root: Path) -> dict[str, Path]:
    """``root/work`` (the current folder of the README's commands) and ``root/home`` (``~``).

    ``.venv`` and ``deploy`` are links to the running venv and the project's folder, so
    ``. .venv/bin/activate`` and ``cp deploy/...`` run as written; ``../shared/data`` is generated.
    """
    work, home = root / "work", root / "home"
    work.mkdir(parents=True)
    home.mkdir(parents=True)
    (work / ".venv").symlink_to(Path(sys.prefix), target_is_directory=True)
    (work / "deploy").symlink_to(ROOT / "deploy", target_is_directory=True)
    (work / "pyproject.toml").symlink_to(ROOT / "pyproject.toml")
    (work / "reporting").mkdir()
    shutil.copy(SAMPLE_DATA / "verified" / "articles.jsonl", work / "reporting" / "articles.jsonl")
    politifact_gz(root / "shared" / "data" / "politifact" / "articles.jsonl.gz")
    repost = REPOST.read_text(encoding="utf-8")
    (work / "article.txt").write_text(repost, encoding="utf-8")
    (work / "a.txt").write_text(repost, encoding="utf-8")
    bridge = json.loads(SAMPLE_DATA.joinpath("verified", "articles.jsonl").read_text().splitlines()[0])
    (work / "b.html").write_text(
        article_page(bridge["title"], [p for p in bridge["text"].split("\n\n") if p.strip()]),
        encoding="utf-8",
    )
    (work / "queries.tsv").write_text(
        "q1\tHow much did the bridge repair cost?\nq2\t5G masts spread the flu\n", encoding="utf-8"
    )
    (work / "page-with-claimreview.html").write_text(claimreview_page(), encoding="utf-8")
    return {"root": root, "work": work, "home": home}


def web_routes(base: str) -> dict[str, tuple[str, str]]:
    """path -> (content type, body) of the pages that stand for the README's URLs."""
    repost = REPOST.read_text(encoding="utf-8")
    paragraphs = [p for p in repost.split("\n\n") if p.strip()]
    return {
        "/robots.txt": ("text/plain", "User-agent: *\nAllow: /\n"),
        "/publisher/feed.xml": ("application/rss+xml", feed_xml(base + "/publisher")),
        "/publisher/ferry": ("text/html; charset=utf-8", article_page("Ferry resumes service", [FEED_STORY])),
        "/publisher/story.html": ("text/html; charset=utf-8", article_page("Early grape harvest", [STORY])),
        "/copy/story": ("text/html; charset=utf-8", article_page(paragraphs[0][:80], paragraphs[1:])),
    }


# --- running ----------------------------------------------------------------------------------


@dataclass
class Result:
    line: str
    returncode: int
    stdout: str
    stderr: str

    def __str__(self) -> str:
        return f"$ {self.line}\n[exit {self.returncode}]\n{self.stdout[-3000:]}\n{self.stderr[-3000:]}"


@dataclass
class Shell:
    """Runs README lines one by one with bash, keeping what setup lines change (variables, PATH).

    ``credibility`` lines named in ``in_process`` run through ``credibility.cli.main(argv)`` in
    this process (the model loads once, not once per line); every other line is ``bash -c``.
    """

    cwd: Path
    env: dict[str, str]
    in_process: tuple[str, ...] = ()
    log: list[Result] = field(default_factory=list)

    def setup(self, line: str) -> None:
        """Run a setup line (``.``/``export``/assignment) and keep the environment it leaves."""
        # set -a: a plain "NAME=value" is kept too (exported to the lines that follow, like one shell).
        script = f"set -a\n{line}\nenv -0"
        done = subprocess.run(
            ["bash", "-c", script], cwd=self.cwd, env=self.env, capture_output=True, check=False, timeout=120
        )
        assert done.returncode == 0, f"$ {line}\n{done.stderr.decode()}"
        env = dict(item.split("=", 1) for item in done.stdout.decode().split("\0") if "=" in item)
        for noise in ("_", "SHLVL", "PWD", "OLDPWD"):
            env.pop(noise, None)
        self.env = env
        self.log.append(Result(line, 0, "", ""))

    def run(self, line: str, *, stdin: bytes | None = None, timeout: float = 600) -> Result:
        if self._runs_in_process(line):
            result = self._in_process(line, stdin)
        else:
            done = subprocess.run(
                ["bash", "-c", line],
                cwd=self.cwd,
                env=self.env,
                input=stdin if stdin is not None else b"",
                capture_output=True,
                check=False,
                timeout=timeout,
            )
            result = Result(line, done.returncode, done.stdout.decode(), done.stderr.decode())
        self.log.append(result)
        return result

    def popen(self, line: str, log: Path) -> subprocess.Popen[bytes]:
        """Start a long-running line (a server, a worker) in the background; its output goes to ``log``."""
        with open(log, "wb") as out:
            return subprocess.Popen(
                ["bash", "-c", f"exec {line}"],
                cwd=self.cwd,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def _runs_in_process(self, line: str) -> bool:
        return any(line.startswith(f"credibility {name}") for name in self.in_process)

    def _argv(self, line: str) -> tuple[list[str], str]:
        """The words bash makes of ``line`` (``~``, ``$VAR`` expanded), and a trailing ``> FILE``."""
        redirect = ""
        match = re.search(r"\s>\s*(\S+)\s*$", line)
        if match:
            line, redirect = line[: match.start()], match[1]
        done = subprocess.run(
            ["bash", "-c", f"printf '%s\\0' {line}"],
            cwd=self.cwd,
            env=self.env,
            capture_output=True,
            check=True,
        )
        words = done.stdout.decode().split("\0")[:-1]
        return words, redirect

    def _in_process(self, line: str, stdin: bytes | None) -> Result:
        from unittest import mock

        from credibility.cli import main

        words, redirect = self._argv(line)
        assert words[0] == "credibility", line
        out, err = io.StringIO(), io.StringIO()
        stdin_stream = io.TextIOWrapper(io.BytesIO(stdin or b""), encoding="utf-8")
        here = Path.cwd()
        try:
            os.chdir(self.cwd)
            with (
                mock.patch.dict(os.environ, self.env, clear=True),
                mock.patch.object(sys, "stdin", stdin_stream),
                contextlib.redirect_stdout(out),
                contextlib.redirect_stderr(err),
            ):
                try:
                    code: Any = main(words[1:])
                except SystemExit as exc:  # argparse: bad usage
                    code = exc.code
        finally:
            os.chdir(here)
        returncode = code if isinstance(code, int) else (0 if code is None else 2)
        stdout = out.getvalue()
        if redirect:
            (self.cwd / redirect).write_text(stdout, encoding="utf-8")
            stdout = ""
        return Result(line, returncode, stdout, err.getvalue())
