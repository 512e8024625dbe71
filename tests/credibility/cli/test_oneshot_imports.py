"""A one-shot ``credibility`` process imports only what its command needs.

``credibility check article.txt`` with an ONNX backend runs on the tokenizer and ONNX Runtime:
torch, transformers and sentence-transformers (seconds of imports) stay out once the encoder is
exported, and so does the web page extractor for a text file. ``credibility --help`` imports
neither the settings (pydantic) nor numpy. Each command runs in a fresh interpreter, as a user runs
it, and reports the modules it ended with.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from credibility.app import sample_paths

pytestmark = pytest.mark.slow

#: Runs the CLI's ``main`` as the console script does, then writes the top-level module names.
_WRAPPER = """
import json, sys
from credibility.cli.main import main
out = sys.argv.pop(1)
try:
    code = main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
with open(out, "w") as handle:
    json.dump({"code": code, "modules": sorted({name.split(".")[0] for name in sys.modules})}, handle)
"""

TORCH_STACK = {"torch", "transformers", "sentence_transformers"}


def _env(backend: str) -> dict[str, str]:
    env = dict(os.environ)
    env["CREDIBILITY_ENCODER_BACKEND"] = backend
    env["HF_HUB_OFFLINE"] = "1"
    return env


def _run_cli(tmp_path: Path, backend: str, *argv: str) -> tuple[int, set[str], str]:
    report = tmp_path / "modules.json"
    done = subprocess.run(
        [sys.executable, "-c", _WRAPPER, str(report), *argv],
        env=_env(backend),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert report.exists(), done.stderr
    result = json.loads(report.read_text(encoding="utf-8"))
    return result["code"], set(result["modules"]), done.stdout


@pytest.fixture(scope="module")
def onnx_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home indexed with the ``onnx-int8`` backend (the encoder exported there, with torch)."""
    home = tmp_path_factory.mktemp("onnx-home")
    paths = sample_paths()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "credibility.cli.main",
            "index",
            "add",
            "--home",
            str(home),
            str(paths["articles"]),
        ],
        env=_env("onnx-int8"),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    return home


def test_check_with_an_onnx_backend_imports_no_torch(onnx_home: Path, tmp_path: Path) -> None:
    code, modules, out = _run_cli(
        tmp_path,
        "onnx-int8",
        "check",
        "--home",
        str(onnx_home),
        "--json",
        "--csv",
        str(tmp_path / "review.csv"),
        str(sample_paths()["repost"]),
    )
    assert code == 0
    assert json.loads(out.splitlines()[0])["sentences"], "the check ran"
    assert "onnxruntime" in modules and "faiss" in modules
    assert not modules & TORCH_STACK, sorted(modules & TORCH_STACK)
    # A text file needs no page extractor (trafilatura, lxml, feedparser: 0.4 s of imports).
    assert not modules & {"trafilatura", "feedparser", "lxml"}, sorted(modules & {"trafilatura", "lxml"})


def test_a_verbatim_copy_is_checked_without_loading_the_encoder(onnx_home: Path, tmp_path: Path) -> None:
    # Every sentence of a verbatim copy takes its vector from the index: ONNX Runtime, the
    # tokenizer and the session (about 0.1 s) are never loaded.
    first = json.loads(sample_paths()["articles"].read_text(encoding="utf-8").splitlines()[0])
    copy = tmp_path / "verbatim.txt"
    copy.write_text(first["text"], encoding="utf-8")
    code, modules, out = _run_cli(
        tmp_path, "onnx-int8", "check", "--home", str(onnx_home), "--json", str(copy)
    )
    assert code == 0, out
    labels = {sentence["label"] for sentence in json.loads(out.splitlines()[0])["sentences"]}
    assert labels <= {"supported", "not_checked"} and "supported" in labels
    assert not modules & {"onnxruntime", "tokenizers", *TORCH_STACK}, sorted(
        modules & {"onnxruntime", "tokenizers"}
    )


def test_help_imports_neither_settings_nor_numpy(tmp_path: Path) -> None:
    code, modules, out = _run_cli(tmp_path, "onnx-int8", "--help")
    assert code == 0 and "check" in out
    assert not modules & {"pydantic", "pydantic_settings", "numpy", "faiss", "onnxruntime", *TORCH_STACK}
