"""Search-time parameters reach FAISS for a trained IVF loaded from disk, memory-mapped."""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np

from index.vectors import VectorIndex, VectorIndexParams


def test_search_params_apply_to_a_memory_mapped_ivf(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((3000, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    built = VectorIndex.build(16, VectorIndexParams("ivf", ivf_lists=16), np.arange(3000), vectors)
    assert built.is_trained_ivf
    built.save(tmp_path / "ivf.faiss")
    loaded = VectorIndex.load(
        tmp_path / "ivf.faiss", VectorIndexParams("ivf", ivf_lists=16, ivf_nprobe=5), 16, mmap=True
    )
    ivf = faiss.extract_index_ivf(loaded._index)
    assert ivf.nprobe == 5
    lists = faiss.downcast_InvertedLists(ivf.invlists)
    if isinstance(lists, faiss.OnDiskInvertedLists):  # mapped, not copied, and no prefetch threads
        assert lists.prefetch_nthread == 0
    _, ids = loaded.search(vectors[:3], 1)
    assert ids[:, 0].tolist() == [0, 1, 2]
