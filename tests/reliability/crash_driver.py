"""The kill -9 harness's helper process: runs writes in forked children that the test kills.

Started once per test module (``python crash_driver.py``), it imports the library, then
answers JSON commands on stdin, one per line:

- ``{"cmd": "run", "op": ..., "home": ..., "args": {...}, "crash": {...}}``: fork a child
  that runs the operation through ``credibility.app.Home`` (with the fake embedder) and
  exits; answers ``{"pid": PID}`` at once, so the test can ``kill -9`` it whenever it likes.
  ``crash`` makes the child kill itself at a chosen moment of the commit protocol (between
  the FAISS write and the SQLite commit, during the rename, half-way through an append ...).
- ``{"cmd": "wait", "pid": PID}``: reap it; answers how it ended.
- ``{"cmd": "state", "home": ..., "csv": ...}``: a child opens everything as a reader would
  and answers the state and every invariant it broke.

Forking from a process that already imported numpy, FAISS and the library makes a run start
in milliseconds, so hundreds of kills fit in minutes. The helper itself never touches FAISS
(whose OpenMP threads do not survive a fork); only its children do.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import json
import os
import signal
import sqlite3
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Any

from credibility.app import Home
from credibility.model.result import ArticleCheck
from credibility.settings import Settings

# tests/, for conftest's fake embedder; after the library, which tests/credibility/ would shadow.
sys.path.append(str(Path(__file__).resolve().parents[1]))
from fakes import FakeEmbedder

CRASH_POINTS = (
    "vectors-append",  # half of the new vector rows written
    "faiss-written",  # the next generation's FAISS file in place, SQLite not committed
    "before-rename",  # FAISS temp file written, not yet renamed
    "before-commit",  # SQLite COMMIT about to run
    "after-commit",  # committed; config.json and the pruning not done
    "config-write",  # config.json's temp file written, not renamed
    "csv-torn",  # half of the CSV rows written
)


def settings_for(home: str, args: dict[str, Any]) -> Settings:
    return Settings(
        home=Path(home),
        model="fake-model",
        commit_every=int(args.get("commit_every", 2000)),
        index_type=args.get("index_type", "flat"),
    )


# --------------------------------------------------------------------------------------------------
# Crash injection (in the child only)


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def install_crash(point: str, nth: int) -> None:
    """Make this process SIGKILL itself the ``nth`` time (1-based) it reaches ``point``."""
    import index.vectors as vectors
    import index.writer as writer
    from credibility.reports import reviewer_csv

    seen = {"n": 0}

    def due() -> bool:
        seen["n"] += 1
        return seen["n"] >= nth

    if point in ("faiss-written", "before-rename"):
        original_save = vectors.VectorIndex.save
        original_replace = os.replace

        def save(self: Any, path: Path) -> None:
            if point == "before-rename" and due():

                def replace(src: Any, dst: Any) -> None:
                    _die()

                vectors.os.replace = replace  # type: ignore[attr-defined]
            original_save(self, path)
            vectors.os.replace = original_replace  # type: ignore[attr-defined]
            if point == "faiss-written" and due():
                _die()

        vectors.VectorIndex.save = save  # type: ignore[method-assign]
    elif point == "vectors-append":
        real_open = open

        class HalfWriter:
            def __init__(self, handle: Any) -> None:
                self._handle = handle

            def write(self, data: bytes) -> int:
                if due():
                    self._handle.write(data[: len(data) // 2])
                    self._handle.flush()
                    _die()
                return int(self._handle.write(data))

            def __getattr__(self, name: str) -> Any:
                return getattr(self._handle, name)

            def __enter__(self) -> HalfWriter:
                return self

            def __exit__(self, *exc: object) -> None:
                self._handle.close()

        def writer_open(file: Any, mode: str = "r", *a: Any, **k: Any) -> Any:
            handle = real_open(file, mode, *a, **k)
            return HalfWriter(handle) if str(file).endswith("vectors.f32") and "a" in mode else handle

        writer.open = writer_open  # type: ignore[attr-defined]
    elif point in ("before-commit", "after-commit"):
        original_connect = writer._connect

        class Connection:
            def __init__(self, conn: sqlite3.Connection) -> None:
                self._conn = conn

            def execute(self, sql: str, *params: Any) -> Any:
                if sql == "COMMIT" and point == "before-commit" and due():
                    _die()
                result = self._conn.execute(sql, *params)
                if sql == "COMMIT" and point == "after-commit" and due():
                    _die()
                return result

            def __getattr__(self, name: str) -> Any:
                return getattr(self._conn, name)

        writer._connect = lambda path: Connection(original_connect(path))  # type: ignore[assignment,return-value]
    elif point == "config-write":
        original_write = writer._write_json

        def write_json(path: Path, data: dict[str, Any]) -> None:
            if due():
                path.with_suffix(".json.tmp").write_text(json.dumps(data)[:40], encoding="utf-8")
                _die()
            original_write(path, data)

        writer._write_json = write_json  # type: ignore[assignment]
    elif point == "csv-torn":
        real_open = open

        class TornWriter:
            def __init__(self, handle: Any) -> None:
                self._handle = handle

            def write(self, data: str) -> int:
                if due():
                    self._handle.write(data[: max(1, len(data) // 2)])
                    self._handle.flush()
                    os.fsync(self._handle.fileno())
                    _die()
                return int(self._handle.write(data))

            def __getattr__(self, name: str) -> Any:
                return getattr(self._handle, name)

            def __enter__(self) -> TornWriter:
                return self

            def __exit__(self, *exc: object) -> None:
                self._handle.close()

        def csv_open(file: Any, mode: str = "r", *a: Any, **k: Any) -> Any:
            handle = real_open(file, mode, *a, **k)
            return TornWriter(handle) if "a" in mode and ".csv" in str(file) else handle

        reviewer_csv.open = csv_open  # type: ignore[attr-defined]
    else:
        raise ValueError(f"unknown crash point {point!r}")


# --------------------------------------------------------------------------------------------------
# Operations (in the child)


def record_commits(home: str, path: str) -> None:
    """Append the index state after every commit to ``path`` (the states a kill may leave)."""
    from index.writer import IndexWriter

    original = IndexWriter.commit

    def commit(self: IndexWriter) -> None:
        before = self.generation
        original(self)
        if self.generation != before:
            with open(path, "a", encoding="utf-8") as handle:
                handle.write(json.dumps(index_state(home)) + "\n")

    IndexWriter.commit = commit  # type: ignore[method-assign]


def run_op(op: str, home: str, args: dict[str, Any]) -> None:
    if args.get("snapshots"):
        record_commits(home, args["snapshots"])
    settings = settings_for(home, args)
    from credibility.errors import IndexLockedError

    try:
        _run(op, settings, args)
    except IndexLockedError as exc:
        print(f"locked: {exc}", file=sys.stderr)
        os._exit(3)


def _run(op: str, settings: Settings, args: dict[str, Any]) -> None:
    with Home(settings, embedder=FakeEmbedder()) as app:  # type: ignore[arg-type]
        if op == "add":
            app.ingest(list(args["inputs"]), kind=args.get("kind", "reporting"))
        elif op == "remove":
            app.remove(list(args["ids"]))
        elif op == "rebuild":
            app.rebuild(args["type"])
        elif op == "check":
            for text in args["texts"]:
                app.check(text)
        elif op == "csv":
            checks = [ArticleCheck.from_json(line) for line in Path(args["checks"]).read_text().splitlines()]
            for check in checks:
                app.export_csv([check], Path(args["csv"]))
        elif op == "checks":
            # A monitoring run or a warm worker: check, store and append, round after round.
            csv_path = Path(args["csv"]) if args.get("csv") else None
            generations = []
            for _ in range(int(args.get("rounds", 1))):
                for text in args["texts"]:
                    checked = app.check(text)
                    generations.append(checked.check.verdict.engine.index_generation)
                    if csv_path is not None:
                        app.export_csv([checked.check], csv_path)
            if args.get("report"):
                Path(args["report"]).write_text(json.dumps(generations))
        elif op == "import":
            for _ in range(int(args.get("rounds", 1))):
                app.import_decisions(Path(args["file"]), reviewer="fuzz")
        elif op == "sleep":
            import time

            time.sleep(float(args["seconds"]))
        else:
            raise ValueError(f"unknown op {op!r}")


# --------------------------------------------------------------------------------------------------
# State and invariants (in a child)


def _digest(rows: Any) -> str:
    return hashlib.blake2b(json.dumps(rows, default=str).encode(), digest_size=12).hexdigest()


def index_state(home: str) -> dict[str, Any]:
    import faiss
    import numpy as np

    from credibility.errors import IndexNotFoundError
    from index.store import IndexReader

    root = Path(home) / "index"
    broken: list[str] = []
    try:
        reader = IndexReader.open(root)
    except IndexNotFoundError:
        return {"exists": False, "broken": broken}
    try:
        stats = reader.stats()
        conn = reader._conn
        if conn.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            broken.append("SQLite integrity_check failed")
        sentence_ids = {r[0] for r in conn.execute("SELECT id FROM sentences")}
        index = reader._vectors._index if reader._vectors is not None else None
        faiss_ids: set[int] = set()
        if index is not None and index.ntotal:
            ivf = faiss.try_extract_index_ivf(index)
            if isinstance(ivf, faiss.IndexIVF):
                lists = ivf.invlists
                for n in range(ivf.nlist):
                    size = lists.list_size(n)
                    if size:
                        ids = faiss.rev_swig_ptr(lists.get_ids(n), size).copy()
                        faiss_ids.update(int(i) for i in ids)
            else:
                faiss_ids = {int(i) for i in faiss.vector_to_array(index.id_map)}
        if faiss_ids - sentence_ids:
            broken.append(f"{len(faiss_ids - sentence_ids)} orphan vector(s) searchable")
        if sentence_ids - faiss_ids:
            broken.append(f"{len(sentence_ids - faiss_ids)} sentence(s) missing from FAISS")
        rows = stats.vectors
        size = (root / "vectors.f32").stat().st_size if (root / "vectors.f32").exists() else 0
        if size < rows * stats.dimension * 4:
            broken.append(f"vectors.f32 holds {size} bytes, fewer than the {rows} committed rows")
        bad_rows = conn.execute("SELECT COUNT(*) FROM sentences WHERE vector_row >= ?", (rows,)).fetchone()[0]
        if bad_rows:
            broken.append(f"{bad_rows} sentence(s) point past the committed vector rows")
        if sentence_ids:
            probe = sorted(sentence_ids)[:: max(1, len(sentence_ids) // 5)]
            hits = reader.search(reader.vectors(probe), 3)
            for hit_list in hits:
                for sid, _score in hit_list:
                    if sid not in sentence_ids:
                        broken.append(f"search returned sentence id {sid}, which is not stored")
        articles = conn.execute(
            "SELECT id, content_hash, COALESCE(duplicate_of, ''), kind FROM articles ORDER BY id"
        ).fetchall()
        sentences = conn.execute(
            "SELECT id, article_id, role, position, norm_hash, vector_row FROM sentences ORDER BY id"
        ).fetchall()
        content = {
            "articles": stats.articles,
            "duplicates": stats.duplicates,
            "sentences": stats.sentences,
            "vectors": stats.vectors,
            "faiss_vectors": stats.faiss_vectors,
            "index_type": stats.index_type,
            "rows": _digest([articles, sentences]),
        }
        del np
        return {"exists": True, "generation": stats.generation, "content": content, "broken": broken}
    finally:
        reader.close()


def results_state(home: str) -> dict[str, Any]:
    path = Path(home) / "results.sqlite"
    if not path.exists():
        return {"keys": [], "broken": []}
    broken: list[str] = []
    conn = sqlite3.connect(path)
    try:
        if conn.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            broken.append("results.sqlite integrity_check failed")
        keys = []
        with contextlib.suppress(sqlite3.OperationalError):  # killed before the table existed
            for key, payload in conn.execute("SELECT check_key, result FROM checks ORDER BY check_key"):
                try:
                    ArticleCheck.from_json(payload)
                except Exception as exc:
                    broken.append(f"stored check {key} does not read back: {exc}")
                keys.append(key)
        return {"keys": keys, "broken": broken}
    finally:
        conn.close()


def csv_state(path: str) -> dict[str, Any]:
    from credibility.reviewer_rows import CSV_COLUMNS

    file = Path(path)
    if not file.exists() or file.stat().st_size == 0:
        return {"row_ids": [], "broken": []}
    broken: list[str] = []
    with open(file, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    if rows[0] != list(CSV_COLUMNS):
        broken.append("the first row is not the header")
    if any(r == list(CSV_COLUMNS) for r in rows[1:]):
        broken.append("a second header")
    torn = [n for n, r in enumerate(rows[1:], start=2) if len(r) != len(CSV_COLUMNS)]
    if torn:
        broken.append(f"torn row(s) at {torn[:5]}")
    ids = [r[0] for r in rows[1:]]
    if len(ids) != len(set(ids)):
        broken.append(f"{len(ids) - len(set(ids))} duplicated row(s)")
    return {"row_ids": sorted(ids), "broken": broken}


def state(home: str, csv_path: str | None) -> dict[str, Any]:
    out = {"index": index_state(home), "results": results_state(home)}
    if csv_path:
        out["csv"] = csv_state(csv_path)
    return out


# --------------------------------------------------------------------------------------------------
# The helper loop


def _fork(job: Any) -> int:
    pid = os.fork()
    if pid == 0:  # the child
        code = 0
        try:
            job()
        except BaseException:
            traceback.print_exc()
            code = 1
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    return pid


def main() -> None:
    out = sys.stdout
    # Children must not write to the protocol stream.
    sys.stdout = sys.stderr
    for line in sys.stdin:
        message = json.loads(line)
        cmd = message["cmd"]
        if cmd == "quit":
            break
        if cmd == "run":
            crash = message.get("crash")

            def job(message: dict[str, Any] = message, crash: dict[str, Any] | None = crash) -> None:
                if crash:
                    install_crash(crash["point"], int(crash["nth"]))
                run_op(message["op"], message["home"], message.get("args", {}))

            reply: dict[str, Any] = {"pid": _fork(job)}
        elif cmd == "wait":
            _, status, usage = os.wait4(int(message["pid"]), 0)
            reply = {
                "killed": os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL,
                "exit": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
                "peak_mb": usage.ru_maxrss / 1024,
            }
        elif cmd == "state":
            with tempfile.NamedTemporaryFile("r", suffix=".json", delete=False) as handle:
                target = handle.name

            def job(message: dict[str, Any] = message, target: str = target) -> None:
                Path(target).write_text(json.dumps(state(message["home"], message.get("csv"))))

            _, status = os.waitpid(_fork(job), 0)
            try:
                reply = json.loads(Path(target).read_text() or "null") or {"error": f"state child {status}"}
            except ValueError:
                reply = {"error": f"state child ended with {status}"}
            os.unlink(target)
        else:
            reply = {"error": f"unknown command {cmd!r}"}
        out.write(json.dumps(reply) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
