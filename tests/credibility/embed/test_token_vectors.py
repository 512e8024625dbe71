"""Each sentence's word pieces and their contextual vectors, from the default encoder."""

from __future__ import annotations

import numpy as np
import pytest

from credibility.embed.base import Embedder

pytestmark = pytest.mark.slow


def test_word_pieces_come_with_unit_rows_and_do_not_depend_on_the_other_sentences(
    real_embedder: Embedder,
) -> None:
    token_vectors = real_embedder.token_vectors
    alone = token_vectors(["The bridge reopened on Saturday."])[0]
    tokens, rows = token_vectors(
        [
            "A much longer sentence about something else entirely, in a batch.",
            "The bridge reopened on Saturday.",
        ]
    )[1]
    assert tokens[0] == "[CLS]" and tokens[-1] == "[SEP]" and "bridge" in tokens
    assert rows.shape == (len(tokens), real_embedder.dimension)
    assert np.allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-5)
    assert tokens == alone[0] and np.array_equal(rows, alone[1])
