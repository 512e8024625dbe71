"""The per-process embedding memo: recently encoded check sentences, one memo per embedder."""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

import numpy as np

from credibility.embed.embedder import Embedder


class EmbeddingMemo:
    """Recently encoded sentences of one embedder (least recently used out first), thread-safe."""

    def __init__(self) -> None:
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, hashes: Iterable[str], limit: int) -> dict[str, np.ndarray]:
        if limit <= 0:  # the memo is switched off: neither read nor written
            return {}
        with self._lock:
            found = {h: self._vectors[h] for h in hashes if h in self._vectors}
            for h in found:
                self._vectors.move_to_end(h)
        return found

    def put(self, vectors: dict[str, np.ndarray], limit: int) -> None:
        if limit <= 0:
            return
        with self._lock:
            for h, vector in vectors.items():
                self._vectors[h] = vector.copy()
                self._vectors.move_to_end(h)
            while len(self._vectors) > limit:
                self._vectors.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._vectors.clear()


# One memo per embedder object, shared by every engine built on it: the flows and the server build
# an engine per article around the process's one embedder. Weak keys: a dropped embedder (a test's
# fake) takes its memo with it, and another embedder never sees its vectors.
_memos: weakref.WeakKeyDictionary[Any, EmbeddingMemo] = weakref.WeakKeyDictionary()
_memos_lock = threading.Lock()


def memo_for(embedder: Embedder) -> EmbeddingMemo:
    with _memos_lock:
        try:
            memo = _memos.get(embedder)
            if memo is None:
                memo = _memos[embedder] = EmbeddingMemo()
            return memo
        except TypeError:  # not weakly referenceable: a memo for this engine alone
            return EmbeddingMemo()
