"""The one module that talks to FAISS.

Every index type keeps explicit int64 ids (the sentence ids of the metadata
store) and inner-product similarity over L2-normalised vectors (= cosine).

- ``flat``: exact search (``IndexIDMap2`` over ``IndexFlatIP``), the default.
- ``ivf``: ``IndexIVFFlat`` trained on the stored vectors; ``nprobe`` trades
  speed for recall. Removal works natively.
- ``hnsw``: ``IndexHNSWFlat`` inside ``IndexIDMap2``. HNSW cannot remove
  vectors, so removal rebuilds it from the stored vectors (the store keeps
  every vector retrievable by id for exactly this reason).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import faiss
import numpy as np

from index.errors import ConfigError, IndexCorruptError

ConcreteIndexType = Literal["flat", "ivf", "hnsw"]
INDEX_TYPES: tuple[ConcreteIndexType, ...] = ("flat", "ivf", "hnsw")


@dataclass(frozen=True, slots=True)
class VectorIndexParams:
    index_type: ConcreteIndexType = "flat"
    #: IVF lists; 0 = choose from the corpus size (about 4 * sqrt(n)).
    ivf_lists: int = 0
    ivf_nprobe: int = 32
    hnsw_m: int = 32
    hnsw_ef_construction: int = 80
    hnsw_ef_search: int = 128


class VectorIndex:
    """A FAISS index with explicit ids. Not thread-safe for writes (one writer owns it)."""

    def __init__(self, index: faiss.Index, params: VectorIndexParams, dimension: int) -> None:
        self._index = index
        self.params = params
        self.dimension = dimension
        self._apply_search_params()

    # --- construction --------------------------------------------------------------------
    @classmethod
    def empty(cls, dimension: int, params: VectorIndexParams) -> VectorIndex:
        if params.index_type == "flat":
            return cls(faiss.IndexIDMap2(faiss.IndexFlatIP(dimension)), params, dimension)
        if params.index_type == "hnsw":
            return cls(_new_hnsw(dimension, params), params, dimension)
        if params.index_type == "ivf":
            # An untrained IVF cannot take vectors: start flat and train once there is data.
            return cls(faiss.IndexIDMap2(faiss.IndexFlatIP(dimension)), params, dimension)
        raise ConfigError(f"unknown index type {params.index_type!r}; use one of {', '.join(INDEX_TYPES)}")

    @classmethod
    def build(
        cls, dimension: int, params: VectorIndexParams, ids: np.ndarray, vectors: np.ndarray
    ) -> VectorIndex:
        """A fresh index of this type over all the given vectors (training IVF on them)."""
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if params.index_type == "ivf" and len(ids) >= _min_train_size(params, len(ids)):
            index: faiss.Index = _new_trained_ivf(dimension, params, vectors)
            built = cls(index, params, dimension)
        else:
            built = cls.empty(dimension, params)
        if len(ids):
            built._index.add_with_ids(vectors, ids)
        return built

    # --- queries -------------------------------------------------------------------------
    @property
    def ntotal(self) -> int:
        return int(self._index.ntotal)

    @property
    def is_trained_ivf(self) -> bool:
        return isinstance(faiss.try_extract_index_ivf(self._index), faiss.IndexIVF)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(scores, ids) arrays of shape (n, k); missing hits have id -1."""
        queries = np.ascontiguousarray(queries, dtype=np.float32)
        if queries.ndim != 2 or queries.shape[1] != self.dimension:
            raise ValueError(f"queries must have shape (n, {self.dimension}), got {queries.shape}")
        if self.ntotal == 0 or k <= 0 or len(queries) == 0:
            n = len(queries)
            return np.zeros((n, max(k, 0)), np.float32), np.full((n, max(k, 0)), -1, np.int64)
        flat = self._flat_arrays()
        if flat is not None:
            return _exact_search(queries, k, *flat)
        scores, ids = self._index.search(queries, k)
        return scores, ids

    def _flat_arrays(self) -> tuple[np.ndarray, np.ndarray] | None:
        """(vectors, ids) of an exact index as numpy views of FAISS's own storage (no copy), or None
        for the other types and for storage numpy cannot hand to BLAS (memory-mapped, unaligned)."""
        if not isinstance(self._index, faiss.IndexIDMap2):
            return None
        inner = faiss.downcast_index(self._index.index)
        if not isinstance(inner, faiss.IndexFlatIP):
            return None
        n = int(inner.ntotal)
        vectors = faiss.rev_swig_ptr(inner.get_xb(), n * self.dimension).reshape(n, self.dimension)
        if not vectors.flags.aligned:
            return None
        ids = faiss.rev_swig_ptr(self._index.id_map.data(), n)
        return vectors, ids

    # --- updates -------------------------------------------------------------------------
    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if len(ids) == 0:
            return
        self._index.add_with_ids(
            np.ascontiguousarray(vectors, dtype=np.float32), np.ascontiguousarray(ids, dtype=np.int64)
        )

    def remove(self, ids: np.ndarray, fetch_all: Callable[[], tuple[np.ndarray, np.ndarray]]) -> None:
        """Remove ids; ``fetch_all`` returns (ids, vectors) of what stays, for types that must rebuild."""
        if len(ids) == 0:
            return
        if self.params.index_type == "hnsw":
            keep_ids, keep_vectors = fetch_all()
            self._index = VectorIndex.build(self.dimension, self.params, keep_ids, keep_vectors)._index
            self._apply_search_params()
            return
        self._index.remove_ids(faiss.IDSelectorBatch(np.ascontiguousarray(ids, dtype=np.int64)))

    def maybe_train(self, fetch_all: Callable[[], tuple[np.ndarray, np.ndarray]]) -> bool:
        """For IVF: once enough vectors exist, rebuild as a trained IVF. True if it did."""
        if self.params.index_type != "ivf" or self.is_trained_ivf:
            return False
        if self.ntotal < _min_train_size(self.params, self.ntotal):
            return False
        ids, vectors = fetch_all()
        self._index = VectorIndex.build(self.dimension, self.params, ids, vectors)._index
        self._apply_search_params()
        return True

    # --- persistence ---------------------------------------------------------------------
    def save(self, path: Path) -> None:
        """Write atomically: a temp file renamed over the target, fsynced first."""
        tmp = path.with_suffix(path.suffix + ".tmp")
        faiss.write_index(self._index, str(tmp))
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: Path, params: VectorIndexParams, dimension: int, mmap: bool = False) -> VectorIndex:
        flags = faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY if mmap else 0
        try:
            index = faiss.read_index(str(path), flags)
        except RuntimeError as exc:
            raise IndexCorruptError(
                f"cannot read the FAISS file {path}: {exc}. Rebuild it with `credibility index rebuild`."
            ) from exc
        if index.d != dimension:
            raise IndexCorruptError(f"the FAISS file {path} has dimension {index.d}, expected {dimension}")
        if mmap:
            _no_prefetch_threads(index)
        return cls(index, params, dimension)

    def _apply_search_params(self) -> None:
        ivf = faiss.try_extract_index_ivf(self._index)
        if isinstance(ivf, faiss.IndexIVF):
            ivf.nprobe = min(self.params.ivf_nprobe, ivf.nlist)
        inner = faiss.downcast_index(self._index.index) if hasattr(self._index, "index") else None
        if isinstance(inner, faiss.IndexHNSW):
            inner.hnsw.efSearch = self.params.hnsw_ef_search


#: Stored vectors scored at a time by the exact search (keeps the score block ~16 MB at 64 queries).
_EXACT_BLOCK = 65_536
#: Up to this many stored vectors the exact search takes one dot product per pair (``einsum``, no
#: BLAS threads): on 2 busy cores a BLAS product over the 221 claims of a 300-article index took
#: 8 ms (its threads waiting for a core), the dot products 0.01-0.6 ms.
_DOTS_MAX = 8_192


def _exact_search(
    queries: np.ndarray, k: int, vectors: np.ndarray, ids: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Exact top-k inner product, best first, equal scores in id order; shaped like FAISS's answer.

    One matrix product per block of stored vectors instead of ``IndexFlatIP.search``: the FAISS
    wheel's bundled OpenBLAS scores 42 queries against 100,000 vectors in 0.3-0.55 s on the 2-core
    build machine, where numpy's BLAS takes 0.08 s (measured in the same process). The queries are
    padded to a multiple of 16 rows, so a query's scores are the same bits whether it is searched
    alone or among others (a one-row product would take another BLAS kernel). A small index (up to
    ``_DOTS_MAX`` vectors) is scored by plain dot products instead (see there). Among vectors with
    equal scores (syndicated sentences share one vector) the lowest ids are kept, as FAISS keeps the
    first added.
    """
    n_queries = len(queries)
    padded = np.zeros((-(-n_queries // 16) * 16, queries.shape[1]), dtype=np.float32)
    padded[:n_queries] = queries
    k_found = min(k, len(ids))
    kept: list[list[tuple[np.ndarray, np.ndarray]]] = [[] for _ in range(n_queries)]
    for start in range(0, len(ids), _EXACT_BLOCK):
        stored = vectors[start : start + _EXACT_BLOCK]
        if len(ids) <= _DOTS_MAX:  # each score its own dot product: the same alone or in a batch too
            block = np.einsum("ij,kj->ik", queries, stored)
        else:
            block = (padded @ stored.T)[:n_queries]
        block_ids = ids[start : start + _EXACT_BLOCK]
        width = block.shape[1]
        if width > k_found:
            # Every score tied with the k-th best stays a candidate: the id order decides below.
            kth = np.partition(block, width - k_found, axis=1)[:, width - k_found]
            for row in range(n_queries):
                keep = block[row] >= kth[row]
                kept[row].append((block[row][keep], block_ids[keep]))
        else:
            for row in range(n_queries):
                kept[row].append((block[row], block_ids))
    scores = np.full((n_queries, k), -np.finfo(np.float32).max, dtype=np.float32)
    found = np.full((n_queries, k), -1, dtype=np.int64)
    for row, parts in enumerate(kept):
        row_scores = np.concatenate([p[0] for p in parts])
        row_ids = np.concatenate([p[1] for p in parts])
        order = np.lexsort((row_ids, -row_scores))[:k_found]
        scores[row, :k_found] = row_scores[order]
        found[row, :k_found] = row_ids[order]
    return scores, found


def _no_prefetch_threads(index: faiss.Index) -> None:
    """Memory-mapped IVF lists come as ``OnDiskInvertedLists``, which start 32 prefetch threads
    on every search: on 2 cores that made a 30-query search 3-10x slower (2 ms against 23 ms)."""
    ivf = faiss.try_extract_index_ivf(index)
    if isinstance(ivf, faiss.IndexIVF) and ivf.invlists is not None:
        lists = faiss.downcast_InvertedLists(ivf.invlists)
        if isinstance(lists, faiss.OnDiskInvertedLists):
            lists.prefetch_nthread = 0


def _lists_for(params: VectorIndexParams, n: int) -> int:
    if params.ivf_lists > 0:
        return params.ivf_lists
    return max(16, min(65536, int(4 * math.sqrt(max(n, 1)))))


def _min_train_size(params: VectorIndexParams, n: int) -> int:
    # FAISS wants ~39 points per centroid; below that IVF is no faster than flat anyway.
    return 39 * _lists_for(params, n)


def _new_trained_ivf(dimension: int, params: VectorIndexParams, vectors: np.ndarray) -> faiss.Index:
    nlist = _lists_for(params, len(vectors))
    quantizer = faiss.IndexFlatIP(dimension)
    ivf = faiss.IndexIVFFlat(quantizer, dimension, nlist, faiss.METRIC_INNER_PRODUCT)
    # Training on a sample keeps the cost flat past a few hundred thousand vectors: 64 points
    # a centroid (FAISS wants at least 39) trains 1M sentences' 4,000 lists in about 2 minutes
    # on 2 cores, where 256 took 8.
    sample_size = min(len(vectors), nlist * 64)
    rng = np.random.default_rng(0)
    sample = (
        vectors[rng.choice(len(vectors), size=sample_size, replace=False)]
        if sample_size < len(vectors)
        else vectors
    )
    ivf.train(np.ascontiguousarray(sample, dtype=np.float32))
    return ivf


def _new_hnsw(dimension: int, params: VectorIndexParams) -> faiss.Index:
    hnsw = faiss.IndexHNSWFlat(dimension, params.hnsw_m, faiss.METRIC_INNER_PRODUCT)
    hnsw.hnsw.efConstruction = params.hnsw_ef_construction
    return faiss.IndexIDMap2(hnsw)
