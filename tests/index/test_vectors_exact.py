"""The exact (flat) search: FAISS's answers, with equal scores in id order, the same bits alone or in a batch."""

from __future__ import annotations

import numpy as np
import pytest

import index.vectors as vectors_module
from index.vectors import VectorIndex, VectorIndexParams


@pytest.fixture
def data() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    base = rng.normal(size=(2000, 32)).astype(np.float32)
    base /= np.linalg.norm(base, axis=1, keepdims=True)
    # Repeated vectors (syndicated sentences share one) tie exactly.
    stored = np.vstack([base, base[:300], base[:50]])
    ids = np.arange(len(stored), dtype=np.int64) * 5 + 11
    queries = np.vstack([base[:25] + rng.normal(0, 0.05, (25, 32)).astype(np.float32), base[:8]])
    return stored, ids, queries.astype(np.float32)


@pytest.fixture(params=["dot products", "BLAS"])
def scoring(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both ways of scoring: plain dot products (a small index) and padded BLAS products."""
    if request.param == "BLAS":
        monkeypatch.setattr(vectors_module, "_DOTS_MAX", 0)
    return str(request.param)


@pytest.mark.parametrize("block", [65_536, 700])
@pytest.mark.parametrize("k", [1, 7, 20])
def test_exact_search_matches_faiss(
    data: tuple[np.ndarray, np.ndarray, np.ndarray],
    block: int,
    k: int,
    scoring: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stored, ids, queries = data
    monkeypatch.setattr(vectors_module, "_EXACT_BLOCK", block)
    index = VectorIndex.build(32, VectorIndexParams("flat"), ids, stored)
    assert index._flat_arrays() is not None, "the flat index is searched with numpy"
    scores, found = index.search(queries, k)
    faiss_scores, faiss_found = index._index.search(queries, k)
    # The same scores as FAISS; ids may differ only among equal scores (repeated vectors), where
    # FAISS itself keeps the first or the last added depending on the number of queries.
    np.testing.assert_allclose(scores, faiss_scores, atol=1e-5)
    position = {int(i): n for n, i in enumerate(ids)}
    for row in range(len(queries)):
        assert len(set(found[row].tolist())) == k
        true_scores = stored[[position[int(i)] for i in found[row]]] @ queries[row]
        np.testing.assert_allclose(scores[row], true_scores, atol=1e-5)
        every = stored @ queries[row]
        untied = [j for j in range(k) if np.sum(np.isclose(every, scores[row][j], atol=1e-6)) == 1]
        assert found[row][untied].tolist() == faiss_found[row][untied].tolist()
        pairs = list(zip(scores[row], found[row], strict=True))
        assert pairs == sorted(pairs, key=lambda pair: (-pair[0], pair[1]))


def test_tied_vectors_keep_the_lowest_ids(
    data: tuple[np.ndarray, np.ndarray, np.ndarray], scoring: str
) -> None:
    stored, ids, _ = data
    index = VectorIndex.build(32, VectorIndexParams("flat"), ids, stored)
    # base[0] is stored three times (positions 0, 2000, 2300): k=2 keeps the first two.
    _, found = index.search(stored[:1], 2)
    assert found[0].tolist() == [ids[0], ids[2000]]


def test_a_query_scores_the_same_alone_or_in_a_batch(
    data: tuple[np.ndarray, np.ndarray, np.ndarray], scoring: str
) -> None:
    stored, ids, queries = data
    index = VectorIndex.build(32, VectorIndexParams("flat"), ids, stored)
    batch_scores, batch_found = index.search(queries, 10)
    for row in (0, 5, 17, len(queries) - 1):
        scores, found = index.search(queries[row : row + 1], 10)
        assert np.array_equal(scores[0], batch_scores[row]) and np.array_equal(found[0], batch_found[row])


def test_fewer_vectors_than_k(data: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
    stored, ids, queries = data
    index = VectorIndex.build(32, VectorIndexParams("flat"), ids[:3], stored[:3])
    scores, found = index.search(queries[:2], 5)
    faiss_scores, faiss_found = index._index.search(queries[:2], 5)
    assert (found[:, 3:] == -1).all() and np.array_equal(found, faiss_found)
    np.testing.assert_allclose(scores, faiss_scores, atol=1e-5)


def test_after_adds_and_removals_the_views_follow_the_index(
    data: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> None:
    stored, ids, queries = data
    index = VectorIndex.empty(32, VectorIndexParams("flat"))
    index.add(ids[:1000], stored[:1000])
    index.add(ids[1000:], stored[1000:])
    index.remove(ids[:10], lambda: (ids[10:], stored[10:]))
    scores, found = index.search(queries, 5)
    faiss_scores, _ = index._index.search(queries, 5)
    np.testing.assert_allclose(scores, faiss_scores, atol=1e-5)
    assert not set(found.ravel()) & set(ids[:10].tolist())
