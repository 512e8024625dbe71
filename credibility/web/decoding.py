"""Decode a response body to text as a browser would: BOM, declared charset, detection."""

from __future__ import annotations

import codecs
import re

__all__ = ["decode_body"]

_CHARSET_PARAM = re.compile(r"""charset\s*=\s*["']?\s*([\w.:\-]+)""", re.I)
_META_CHARSET = re.compile(rb"""<meta\b[^>]*?charset\s*=\s*["']?\s*([\w.:\-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([\w.:\-]+)""", re.I)
#: WHATWG: browsers decode these labels as windows-1252 / the superset codec.
_LABEL_ALIASES = {
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "l1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-sjis": "shift_jis",
}


def _codec(label: str | bytes | None) -> str | None:
    if not label:
        return None
    text = label.decode("ascii", "ignore") if isinstance(label, bytes) else label
    text = text.strip().strip("'\"").lower()
    text = _LABEL_ALIASES.get(text, text)
    try:
        return codecs.lookup(text).name
    except LookupError:
        return None


def decode_body(body: bytes, content_type: str = "") -> tuple[str, str]:
    """Decode ``body`` as a browser would: BOM, header charset, ``<meta>``/XML declaration, detection.

    Returns ``(text, codec name)``; undecodable bytes become U+FFFD, never an error.
    """
    if not body:
        return "", ""
    for bom, name in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if body.startswith(bom):
            return body[len(bom) :].decode(name, "replace"), name
    candidates: list[str | None] = []
    head = body[:4096]
    header = _CHARSET_PARAM.search(content_type)
    from_header = _codec(header.group(1)) if header else None
    if from_header and from_header.startswith(("utf-16", "utf-32")) and b"\x00" not in head:
        # A header that lies: UTF-16 markup is half NUL bytes. Read what the bytes say instead.
        from_header = None
    candidates.append(from_header)
    xml = _XML_ENCODING.match(head)
    meta = _META_CHARSET.search(head)
    for match in (xml, meta):
        declared = _codec(match.group(1)) if match else None
        # A document cannot declare itself UTF-16 in ASCII bytes; HTML says read it as UTF-8.
        candidates.append("utf-8" if declared and declared.startswith("utf-16") else declared)
    for candidate in candidates:
        if candidate:
            return body.decode(candidate, "replace"), candidate
    try:
        return body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(body[:200_000]).best()
        guessed = _codec(best.encoding) if best is not None else None
    except Exception:  # detection is best effort; never fail a fetch on it
        guessed = None
    name = guessed or "utf-8"
    return body.decode(name, "replace"), name
