"""The language identifier mapped from its decompressed cache is py3langid's own, restricted."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from py3langid.langid import MODEL_FILE, LanguageIdentifier

from credibility.text import langid_model
from credibility.text.triage import LANGUAGE_NAMES

TEXTS = [
    "The council approved the budget on Tuesday after a long debate.",
    "Der Bundestag hat das Gesetz mit großer Mehrheit verabschiedet.",
    "El gobernador firmó la ley el martes por la tarde.",
    "Ce projet de loi augmenterait les impôts de la classe moyenne.",
    "Президент подписал указ в понедельник.",
    "東京の人口は約1400万人です。",
    "quelques mots seulement",
    "ok",
    "",
]


@pytest.fixture(scope="module")
def reference() -> LanguageIdentifier:
    detector = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    detector.set_languages(sorted(LANGUAGE_NAMES))
    return detector


def test_cached_identifier_answers_as_py3langid(reference: LanguageIdentifier, tmp_path: Path) -> None:
    first = langid_model.load_identifier(LANGUAGE_NAMES, tmp_path / "cache")  # writes the cache
    again = langid_model.load_identifier(LANGUAGE_NAMES, tmp_path / "cache")  # maps it
    written = sorted(p.name for p in (tmp_path / "cache").glob("py3langid-*/*.npy"))
    assert "nextmove.npy" in written and any(name.startswith("ptc-") for name in written)
    assert first.nb_classes == again.nb_classes == reference.nb_classes
    for text in TEXTS:
        expected = reference._decide(text)
        assert np.array_equal(first._decide(text), expected)
        assert np.array_equal(again._decide(text), expected)
        assert again.rank(text) == reference.rank(text)


def test_unwritable_cache_falls_back_to_the_packaged_model(
    reference: LanguageIdentifier, tmp_path: Path
) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder would go", encoding="utf-8")
    detector = langid_model.load_identifier(LANGUAGE_NAMES, blocked / "cache")
    assert detector.rank(TEXTS[1]) == reference.rank(TEXTS[1])
    assert os.path.isfile(blocked)


def test_unknown_language_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="Unknown language"):
        langid_model.load_identifier(["en", "xx-not-a-language"], tmp_path / "cache")


def test_the_cache_folder_is_the_settings_own(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from credibility.settings import Settings

    monkeypatch.setenv("CREDIBILITY_CACHE_DIR", str(tmp_path / "from-env"))
    assert Settings().cache_dir == tmp_path / "from-env"
    assert langid_model.cache_root(Settings().cache_dir) == tmp_path / "from-env"
    monkeypatch.delenv("CREDIBILITY_CACHE_DIR")
    assert Settings().cache_dir is None and langid_model.cache_root(None).name == "credibility"
