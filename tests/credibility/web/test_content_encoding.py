"""Content-Encoding decoded here, a bounded amount at a time, and the retry message: regressions of
the hostile-web harness (tests/reliability/test_hostile_web.py) at unit scale."""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import pytest
from webfixtures import LocalServer, fast_settings, send

from credibility.errors import FetchError
from credibility.web.fetch import Fetcher, FetchTimeoutError, TooLargeError

BODY = ("<html><body>" + "<p>The ferry resumed service on Monday.</p>" * 200 + "</body></html>").encode()


def _deflate(data: bytes, raw: bool) -> bytes:
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15 if raw else 15)
    return compressor.compress(data) + compressor.flush()


@pytest.mark.parametrize(
    ("encoding", "body"),
    [
        ("gzip", gzip.compress(BODY)),
        ("x-gzip", gzip.compress(BODY)),
        ("deflate", _deflate(BODY, raw=False)),
        ("deflate", _deflate(BODY, raw=True)),
        ("identity", BODY),
    ],
    ids=["gzip", "x-gzip", "deflate", "raw-deflate", "identity"],
)
def test_encoded_bodies_decode(tmp_path: Path, encoding: str, body: bytes) -> None:
    with LocalServer() as server, Fetcher(fast_settings(tmp_path)) as fetcher:
        url = server.add("/a", body, headers={"Content-Encoding": encoding})
        page = fetcher.fetch(url)
        assert page.body == BODY
        assert server.hits_for("/a")[0].headers["accept-encoding"] == "gzip, deflate"


def test_the_cap_counts_decoded_bytes_to_the_byte(tmp_path: Path) -> None:
    with LocalServer() as server:
        url = server.add("/a", gzip.compress(BODY), headers={"Content-Encoding": "gzip"})
        with Fetcher(fast_settings(tmp_path, fetch_max_bytes=len(BODY))) as fetcher:
            assert fetcher.fetch(url).body == BODY
        with (
            Fetcher(fast_settings(tmp_path / "2", fetch_max_bytes=len(BODY) - 1)) as fetcher,
            pytest.raises(TooLargeError, match="once decoded from gzip"),
        ):
            fetcher.fetch(url)


def test_broken_and_unknown_encodings_are_one_clear_error(tmp_path: Path) -> None:
    with LocalServer() as server, Fetcher(fast_settings(tmp_path)) as fetcher:
        broken = server.add("/broken", b"\x1f\x8b\x08\x00garbage", headers={"Content-Encoding": "gzip"})
        zstd = server.add("/zstd", b"\x28\xb5\x2f\xfd" + b"x" * 20, headers={"Content-Encoding": "zstd"})
        double = server.add(
            "/double", gzip.compress(gzip.compress(BODY)), headers={"Content-Encoding": "gzip, gzip"}
        )
        with pytest.raises(FetchError, match="could not decode the body"):
            fetcher.fetch(broken)
        for url, name in ((zstd, "zstd"), (double, "gzip, gzip")):
            with pytest.raises(FetchError, match=f"content encoding '{name}'; only gzip and deflate"):
                fetcher.fetch(url)


def test_a_retried_timeout_says_the_attempts_and_the_time(tmp_path: Path) -> None:
    """The probe: 4 attempts over 94 s were reported as "timed out after 20 s"."""
    import time

    def slow(h: object) -> None:
        time.sleep(1.5)
        send(h, 200, b"late")  # type: ignore[arg-type]

    settings = fast_settings(tmp_path, fetch_timeout=0.3, fetch_retries=2, fetch_backoff=0.05)
    with LocalServer() as server, Fetcher(settings) as fetcher:
        url = server.handle("/slow", slow)
        with pytest.raises(FetchTimeoutError, match=r"timed out after 0.3 s .*\(3 attempts over \d+ s\)"):
            fetcher.fetch(url)
