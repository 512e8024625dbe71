"""ONNX Runtime backends (``onnx`` and ``onnx-int8``) for the sentence embedder.

:class:`OnnxEmbedder` loads the encoder that :mod:`credibility.embed.onnx_export` exported
and cached (exporting it first when needed) and runs it on ONNX Runtime (CPU).

Encoding mirrors sentence-transformers: the model's ``tokenizer.json`` (with the
``do_lower_case`` and ``max_seq_length`` of ``sentence_bert_config.json``), padding
per batch, mean or CLS pooling as ``1_Pooling/config.json`` says, L2 normalisation.
Sentences are sorted by token length and batches are cut where lengths drop, so a
batch pads little. Both ONNX backends run two batches at once, each on half the cores
(``threads`` is the total); a call of a single sentence runs on half the cores.

``onnx-int8`` is static int8 and deterministic: a sentence gets the same vector, bit for bit,
alone or in any batch. Its export checks that padding changes no bit (``padding_exact`` in
``encoder.json``); where it would (another CPU's kernels), batches hold sentences of one token
length only, so no sentence is ever padded.

Measured on the 2-core build machine (Xeon, AVX-512 VNNI; shared, so best of 2 runs of 3),
all-MiniLM-L6-v2, 3,000 PolitiFact sentences, batch size 16, in sentences per second: one thread
(CPU time: steady on a shared machine), and both cores (wall clock); "article" encodes 27 sentences
a call, as one check does. Loading is a fresh process's, the export already cached:

=======================  =================  ====================  =====
backend                  bulk, 1 / 2 cores  article, 1 / 2 cores  load
=======================  =================  ====================  =====
torch                    215 / 375          159 / 277             3.9 s
onnx                     261 / 487          235 / 266             0.4 s
onnx-int8 (static)       603 / 1,150        519 / 955             0.3 s
dynamic int8 (format 3)  411 / 808          355 / 664             0.3 s
=======================  =================  ====================  =====

Cosine to the float model: see :mod:`credibility.embed.onnx_export`.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from credibility.embed.base import EmbedderBase, hub_offline, normalize_rows
from credibility.embed.onnx_export import ensure_exported
from credibility.embed.onnx_model import (
    ENCODER_FORMAT_VERSION,
    META_FILE,
    MODEL_FILE,
    TOKENIZER_FILE,
    OnnxBackend,
    Pooling,
    embed_batch,
    read_json,
    token_states,
)
from credibility.errors import ModelError

_pool_lock = threading.Lock()  # guards the creation of every embedder's encode pool


@dataclass(frozen=True)
class _Runtime:
    """What encoding needs, loaded at the first encode."""

    tokenizer: Any
    session: Any
    inputs: list[str]


def available_cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


class OnnxEmbedder(EmbedderBase):
    """Sentence embeddings from the exported model on ONNX Runtime (CPU)."""

    def __init__(
        self,
        model: str,
        backend: OnnxBackend = "onnx",
        *,
        cache_dir: Path,
        batch_size: int = 64,
        threads: int = 0,
    ) -> None:
        hub_offline()
        folder = ensure_exported(model, backend, Path(cache_dir))
        meta = read_json(folder / META_FILE)
        if meta.get("format_version") != ENCODER_FORMAT_VERSION or meta.get("backend") != backend:
            raise ModelError(f"the cached encoder at {folder} is from another version; delete that folder")
        super().__init__(model, backend, int(meta["dimension"]), ENCODER_FORMAT_VERSION)
        self._folder = folder
        self._meta = meta
        self._pooling: Pooling = "cls" if meta["pooling"] == "cls" else "mean"
        self._prompt = str(meta.get("prompt", ""))
        self._batch_size = max(1, int(batch_size))
        self._pad_id = int(meta.get("pad_id", 0))
        # False only where the export saw padding change a bit: then no batch mixes token lengths.
        self._one_length_per_batch = meta.get("padding_exact") is False
        cores = threads if threads > 0 else available_cores()
        # Two batches in flight, the cores split between them: on 2 cores, two single-threaded runs
        # encode 10-20% more sentences/s than one run on both (a BERT layer on a 16-sentence batch
        # is too small to keep two threads busy; measured 236 against 210 sentences/s).
        self._workers = min(2, cores)
        self._threads = max(1, cores // self._workers)
        self._pool: ThreadPoolExecutor | None = None
        self._pool_pid = 0
        # The tokenizer and the ONNX session load at the first encode: a check of a verbatim repost
        # takes every vector from the index and never needs them (onnxruntime's import and the
        # session cost ~0.1 s of a 0.5 s one-shot check).
        self._runtime: _Runtime | None = None
        self._runtime_lock = threading.Lock()

    def _loaded(self) -> _Runtime:
        with self._runtime_lock:
            if self._runtime is None:
                self._runtime = self._load_runtime()
            return self._runtime

    def _load_runtime(self) -> _Runtime:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        folder, meta = self._folder, self._meta
        tokenizer = Tokenizer.from_file(str(folder / TOKENIZER_FILE))
        tokenizer.no_padding()
        tokenizer.enable_truncation(max_length=int(meta["max_seq_length"]))
        options = ort.SessionOptions()
        options.intra_op_num_threads = self._threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        # No busy-waiting between runs: on 2 cores a spinning ORT thread starves the FAISS search
        # and SQLite work that follow each batch in a check (measured: FAISS 3x slower).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        path = folder / MODEL_FILE
        try:
            session = ort.InferenceSession(
                str(path), sess_options=options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:
            raise ModelError(f"could not load the ONNX model {path}: {exc}; delete {folder}") from exc
        declared = list(meta["inputs"])
        graph_inputs = {node.name for node in session.get_inputs()}
        if not graph_inputs <= set(declared):
            raise ModelError(
                f"the ONNX model at {folder} takes inputs {sorted(graph_inputs)}; delete the folder"
            )
        return _Runtime(tokenizer, session, [name for name in declared if name in graph_inputs])

    @property
    def folder(self) -> Path:
        """The cache folder the model was loaded from."""
        return self._folder

    def _encode(self, sentences: Sequence[str]) -> np.ndarray:
        runtime = self._loaded()
        texts = [self._prompt + str(text) for text in sentences]
        encodings = runtime.tokenizer.encode_batch(texts)
        lengths = np.fromiter((len(encoding.ids) for encoding in encodings), dtype=np.int64, count=len(texts))
        # Longest first: stable, so equal lengths keep their input order.
        order = np.argsort(-lengths, kind="stable")
        output = np.empty((len(texts), self._dimension), dtype=np.float32)
        batches = list(self._batches(order, lengths))

        def run(batch: np.ndarray) -> np.ndarray:
            return embed_batch(
                runtime.session, runtime.inputs, [encodings[i] for i in batch], self._pad_id, self._pooling
            )

        if len(batches) == 1 or self._workers == 1:
            for batch in batches:
                output[batch] = run(batch)
        else:  # ONNX Runtime releases the GIL while it runs, and a session may be run concurrently
            for batch, vectors in zip(batches, self._executor().map(run, batches), strict=True):
                output[batch] = vectors
        return output

    def token_vectors(self, sentences: Sequence[str]) -> list[tuple[list[str], np.ndarray]]:
        """Each sentence's word pieces and their contextual vectors (L2-normalised rows), one
        sentence per run: no padding, so a sentence's rows never depend on another sentence."""
        runtime = self._loaded()
        out: list[tuple[list[str], np.ndarray]] = []
        for text in sentences:
            encoding = runtime.tokenizer.encode(self._prompt + str(text))
            hidden = token_states(runtime.session, runtime.inputs, encoding)
            out.append((list(encoding.tokens), normalize_rows(hidden)))
        return out

    def _executor(self) -> ThreadPoolExecutor:
        # Keyed by process: a forked child inherits the pool object but not its threads.
        with _pool_lock:
            if self._pool is None or self._pool_pid != os.getpid():
                self._pool = ThreadPoolExecutor(self._workers, thread_name_prefix="onnx-encode")
                self._pool_pid = os.getpid()
            return self._pool

    def _batches(self, order: np.ndarray, lengths: np.ndarray) -> Iterator[np.ndarray]:
        """Batches of at most ``batch_size`` along the longest-first order, cut early where a
        sentence is under 3/4 of its batch's longest: one article's sentences vary in length, and
        padding them to one width cost a third of the time (a call costs ~1 ms; padding more).
        A call with fewer sentences than a batch is still split between the workers. Where padding
        is not exact, a batch holds one token length only."""
        size = min(self._batch_size, max(1, -(-len(order) // self._workers)))
        one_length = self._one_length_per_batch
        start = 0
        for end in range(1, len(order) + 1):
            if (
                end == len(order)
                or end - start == size
                or lengths[order[end]] * 4 < lengths[order[start]] * 3
                or (one_length and lengths[order[end]] != lengths[order[start]])
            ):
                yield order[start:end]
                start = end
