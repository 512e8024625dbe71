"""The py3langid language identifier, loaded in milliseconds instead of half a second.

py3langid ships its model as an LZMA-compressed ``.npz``: decompressing it takes 0.3-0.5 s on
the 2-core machine, in every process that triages a sentence (a one-shot ``credibility check``
pays it once per run, before the first sentence). The first load here writes the decompressed
arrays once, as plain ``.npy`` files, to a per-user cache folder (the settings' ``cache_dir``,
``CREDIBILITY_CACHE_DIR``, passed down by the caller; else the platform's user cache folder +
``/credibility``), keyed by the
py3langid version and the model file's size and modification time; every later load maps them
(10-30 ms) and builds the same identifier, restricted to the given languages the way
``LanguageIdentifier.set_languages`` restricts it. When the folder cannot be written the model is
decompressed in memory as py3langid does it (nothing fails for want of a cache).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

__all__ = ["cache_root", "load_identifier"]

#: The arrays of a py3langid 0.4 model file, in the order ``modelio.load_model`` returns them.
_ARRAYS = ("ptc", "pc", "classes", "nextmove", "nextmove_row", "out_feat")


def cache_root(chosen: Path | None = None) -> Path:
    """The per-user cache folder: ``chosen`` (the settings' ``cache_dir``), else the platform's."""
    if chosen is not None:
        return Path(chosen).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("credibility", appauthor=False))


def _model_key(model_file: Path) -> str:
    import py3langid

    stat = model_file.stat()
    ident = f"{getattr(py3langid, '__version__', '')}:{model_file.name}:{stat.st_size}:{stat.st_mtime_ns}"
    return hashlib.sha256(ident.encode()).hexdigest()[:16]


def _write_cache(model_file: Path, folder: Path) -> None:
    """Decompress the model once into ``folder`` (written aside, then renamed into place)."""
    import lzma

    import numpy as np

    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=folder.name + ".", dir=folder.parent))
    try:
        with tempfile.TemporaryFile(suffix=".npz", dir=staging) as raw:
            with lzma.open(model_file) as source:
                shutil.copyfileobj(source, raw, length=1 << 20)
            raw.seek(0)
            with np.load(raw, allow_pickle=False) as data:
                for name in _ARRAYS:
                    np.save(staging / f"{name}.npy", data[name], allow_pickle=False)
        try:
            os.replace(staging, folder)
        except OSError:  # another process put it there first: theirs is the same
            if not (folder / f"{_ARRAYS[-1]}.npy").exists():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _save_atomically(path: Path, array: Any) -> None:
    import numpy as np

    handle, staging = tempfile.mkstemp(prefix=path.name + ".", suffix=".npy", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            np.save(out, array, allow_pickle=False)
        os.replace(staging, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(staging)


def _cached_arrays(model_file: Path, cache_dir: Path | None) -> tuple[Path, dict[str, Any]] | None:
    """The cache folder and the model's arrays mapped from it (written first if needed); None when
    the cache cannot be written or read."""
    import numpy as np

    try:
        folder = cache_root(cache_dir) / f"py3langid-{_model_key(model_file)}"
        if not all((folder / f"{name}.npy").exists() for name in _ARRAYS):
            _write_cache(model_file, folder)
        return folder, {
            name: np.load(folder / f"{name}.npy", mmap_mode="r", allow_pickle=False) for name in _ARRAYS
        }
    except (OSError, ValueError, EOFError):
        return None


def _restricted_table(folder: Path, table: Any, keep: list[int]) -> Any:
    """The columns ``keep`` of the model's table, mapped from the cache too (gathering them from the
    full table costs 50-70 ms), or gathered here when the cache cannot take them."""
    import numpy as np

    path = folder / f"ptc-{hashlib.sha256(repr(keep).encode()).hexdigest()[:16]}.npy"
    try:
        if not path.exists():
            _save_atomically(path, np.ascontiguousarray(table[:, keep]))
        return np.load(path, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError, EOFError):
        return np.ascontiguousarray(table[:, keep])


def load_identifier(languages: Iterable[str], cache_dir: Path | None = None) -> Any:
    """A py3langid ``LanguageIdentifier`` (``norm_probs=True``) restricted to ``languages``, its
    arrays cached under ``cache_dir`` (None: the platform's user cache folder)."""
    import numpy as np
    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier
    from py3langid.modelio import _to_array

    wanted = set(languages)
    model_file = Path(MODEL_FILE)
    if not model_file.is_absolute():
        model_file = Path(MODEL_DIR) / model_file
    cached = _cached_arrays(model_file, cache_dir)
    if cached is None:
        detector = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        detector.set_languages(sorted(wanted))
        return detector
    folder, arrays = cached
    classes = [str(c) for c in arrays["classes"].tolist()]
    unknown = wanted - set(classes)
    if unknown:
        raise ValueError(f"Unknown language code(s): {unknown}")
    keep = [i for i, c in enumerate(classes) if c in wanted]
    # Built as ``from_model_file`` + ``set_languages`` build it: the kept columns of the table, the
    # DFA arrays copied into the stdlib arrays py3langid walks.
    return LanguageIdentifier(
        _restricted_table(folder, arrays["ptc"], keep),
        np.ascontiguousarray(arrays["pc"][keep]),
        [classes[i] for i in keep],
        _to_array(arrays["nextmove"]),
        arrays["out_feat"].tolist(),
        norm_probs=True,
        tk_row=_to_array(arrays["nextmove_row"]),
    )
