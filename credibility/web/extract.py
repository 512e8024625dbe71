"""Extract an article from an HTML page: trafilatura's main text plus what it leaves out.

trafilatura is good at finding the article and its metadata, but it throws away
text a reader sees inside the article. Measured with trafilatura 2.3.1 (default
settings and ``favor_recall=True`` alike), it drops

* inline promos written as a ``<div>`` holding a link
  (``<div><strong>READ ALSO</strong> <a href=...>headline</a></div>``), while
  the same promo written as a plain ``<p>`` is kept;
* ``<figcaption>`` captions (``include_images=True`` only adds the ``<img>``);
* bylines and share widgets (those we skip too).

For credibility checking the dropped text matters: a repost slips an unrelated
promo or a misleading caption into a copied article. So :func:`extract_article`
finds the article container in the DOM, walks its visible text blocks in
document order and aligns them with trafilatura's output; blocks trafilatura
did not output are kept and marked ``dropped_by_main_extractor=True``.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urljoin

import lxml.etree
import lxml.html
import trafilatura

from credibility.errors import ExtractionError
from credibility.text.promos import PROMO_BLOCK

__all__ = ["BlockKind", "ExtractedArticle", "ExtractedBlock", "extract_article", "html_to_blocks"]

log = logging.getLogger(__name__)

BlockKind = Literal[
    "paragraph", "heading", "caption", "promo", "quote", "list_item", "table_row", "preformatted"
]


@dataclass(frozen=True, slots=True)
class ExtractedBlock:
    text: str
    kind: BlockKind = "paragraph"
    #: True when trafilatura's main text left this block out (promos, captions ...).
    dropped_by_main_extractor: bool = False


@dataclass(frozen=True, slots=True)
class ExtractedArticle:
    title: str
    author: str
    published: str
    canonical_url: str
    publisher: str
    #: The blocks' texts, separated by blank lines (dropped blocks included).
    text: str
    paragraphs: tuple[ExtractedBlock, ...]
    description: str = ""

    @property
    def sitename(self) -> str:
        return self.publisher

    @property
    def dropped(self) -> tuple[ExtractedBlock, ...]:
        return tuple(b for b in self.paragraphs if b.dropped_by_main_extractor)


# ----------------------------------------------------------------------------- DOM walk
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
#: Elements that start a new block; their inline content becomes the block's text.
_BLOCKS = frozenset(
    {
        "p",
        "div",
        "section",
        "article",
        "main",
        "header",
        "figure",
        "figcaption",
        "caption",
        "blockquote",
        "ul",
        "ol",
        "li",
        "dl",
        "dt",
        "dd",
        "table",
        "thead",
        "tbody",
        "tfoot",
        "tr",
        "pre",
        "address",
        "details",
        "summary",
        "center",
        "hgroup",
        "aside",
        "body",
        "html",
        *_HEADINGS,
    }
)
#: Never shown as text, or page chrome rather than article: skipped with their content.
_SKIP = frozenset(
    {
        "script",
        "style",
        "noscript",
        "template",
        "svg",
        "math",
        "canvas",
        "iframe",
        "object",
        "embed",
        "video",
        "audio",
        "map",
        "button",
        "select",
        "input",
        "textarea",
        "option",
        "nav",
        "footer",
        "form",
        "head",
        "title",
        "meta",
        "link",
        "img",
        "picture",
        "source",
        "dialog",
    }
)
# Widgets around an article that are not its text. Kept narrow on purpose: anything a
# reader would take as part of the article (promos, captions, asides) stays in.
_CHROME = re.compile(
    r"(?:^|[\s_-])(?:share|sharing|social|breadcrumbs?|byline|newsletter|subscribe|cookies?|comments?|"
    r"disqus|sr-only|visually-hidden|screen-reader-text|skip-link)(?:$|[\s_-])",
    re.I,
)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_WS = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class _DomBlock:
    text: str
    kind: BlockKind
    #: Characters of the text inside links (a block that is mostly a link is a promo).
    link_chars: int


def _clean(text: str) -> str:
    return _WS.sub(" ", unicodedata.normalize("NFKC", text)).strip()


def _key(text: str) -> str:
    """Comparison key: no whitespace, case-folded (extractors disagree on spacing)."""
    return _WS.sub("", unicodedata.normalize("NFKC", text)).casefold()


def _tag(el: lxml.html.HtmlElement) -> str:
    return el.tag.lower() if isinstance(el.tag, str) else ""


def _skipped(el: lxml.html.HtmlElement) -> bool:
    tag = _tag(el)
    if not tag or tag in _SKIP:
        return True
    if tag == "header" and el.getparent() is not None and _tag(el.getparent()) != "body":
        # The article's own header: title (kept as metadata), byline, date.
        return True
    attrib = el.attrib
    if "hidden" in attrib or attrib.get("aria-hidden", "").lower() == "true":
        return True
    if _HIDDEN_STYLE.search(attrib.get("style", "")):
        return True
    return bool(_CHROME.search(f"{attrib.get('class', '')} {attrib.get('id', '')}"))


def _has_block_child(el: lxml.html.HtmlElement) -> bool:
    return any(_tag(d) in _BLOCKS for d in el.iterdescendants())


def _kind_for(tag: str, inherited: BlockKind | None) -> BlockKind | None:
    if tag in _HEADINGS:
        return "heading"
    if tag in ("figcaption", "caption"):
        return "caption"
    if tag == "blockquote":
        return "quote"
    if tag in ("li", "dt", "dd"):
        return inherited if inherited in ("quote", "caption") else "list_item"
    if tag == "pre":
        return "preformatted"
    if tag == "aside":
        return "promo"
    return inherited


def _inline_text(el: lxml.html.HtmlElement, in_link: bool, parts: list[tuple[str, bool]]) -> None:
    """Append (text, inside a link) for an inline subtree, tails excluded."""
    tag = _tag(el)
    link = in_link or tag == "a"
    if tag == "br":
        parts.append(("\n", link))
        return
    if el.text:
        parts.append((el.text, link))
    for child in el:
        if not _skipped(child):
            _inline_text(child, link, parts)
        if child.tail:
            parts.append((child.tail, link))


def _walk(el: lxml.html.HtmlElement, inherited: BlockKind | None, out: list[_DomBlock]) -> None:
    """Blocks of a block-level element in document order."""
    tag = _tag(el)
    kind = _kind_for(tag, inherited)
    if tag == "tr":
        cells = [_clean(c.text_content()) for c in el if _tag(c) in ("td", "th") and not _skipped(c)]
        text = " | ".join(c for c in cells if c)
        if text:
            out.append(_DomBlock(text, "table_row", 0))
        return
    parts: list[tuple[str, bool]] = []

    def flush() -> None:
        text = _clean("".join(p for p, _ in parts))
        if text:
            link_chars = len(_clean("".join(p for p, is_link in parts if is_link)))
            out.append(_DomBlock(text, _classify(text, kind, link_chars), link_chars))
        parts.clear()

    if el.text:
        parts.append((el.text, False))
    for child in el:
        if not _skipped(child):
            child_tag = _tag(child)
            if child_tag in _BLOCKS or _has_block_child(child):
                flush()
                _walk(child, kind, out)
            else:
                _inline_text(child, False, parts)
        if child.tail:
            parts.append((child.tail, False))
    flush()


def _classify(text: str, kind: BlockKind | None, link_chars: int) -> BlockKind:
    if kind in ("heading", "caption", "quote", "preformatted"):
        return kind
    if kind == "promo" or PROMO_BLOCK.match(text):
        return "promo"
    # A short block that is nearly all link is a teaser for another page.
    if len(text) < 200 and link_chars >= 0.8 * len(text):
        return "promo"
    return kind or "paragraph"


def html_to_blocks(root: lxml.html.HtmlElement) -> list[ExtractedBlock]:
    """The visible text blocks of ``root`` (an lxml element), in document order."""
    out: list[_DomBlock] = []
    _walk(root, None, out)
    return [ExtractedBlock(b.text, b.kind) for b in out]


# ----------------------------------------------------------------------------- trafilatura
@dataclass(frozen=True, slots=True)
class _MainText:
    blocks: tuple[tuple[str, BlockKind], ...]
    meta: dict[str, str]


_T_KINDS: dict[str, BlockKind] = {
    "p": "paragraph",
    "head": "heading",
    "quote": "quote",
    "item": "list_item",
    "code": "preformatted",
    "row": "table_row",
}


def _trafilatura(html: str, url: str) -> _MainText:
    try:
        xml = trafilatura.extract(
            html,
            url=url or None,
            output_format="xml",
            with_metadata=True,
            include_comments=False,
            include_tables=True,
            include_images=False,
            include_links=False,
            include_formatting=False,
            deduplicate=False,
        )
    except Exception as exc:  # third-party parser on hostile input: never let it crash a batch
        log.warning("trafilatura failed on %s: %s", url or "a page", exc)
        xml = None
    if not xml:
        return _MainText((), {})
    try:
        doc = lxml.etree.fromstring(xml.encode("utf-8"))
    except lxml.etree.XMLSyntaxError as exc:
        log.warning("unreadable trafilatura output for %s: %s", url or "a page", exc)
        return _MainText((), {})
    meta = {k: str(v) for k, v in doc.attrib.items()}
    main = doc.find("main")
    blocks: list[tuple[str, BlockKind]] = []
    if main is not None:
        for el in _t_blocks(main):
            tag = el.tag if isinstance(el.tag, str) else ""
            if tag == "row":
                text = " | ".join(_clean("".join(c.itertext())) for c in el if isinstance(c.tag, str))
            else:
                text = _clean("".join(el.itertext()))
            if text:
                blocks.append((text, _T_KINDS.get(tag, "paragraph")))
    return _MainText(tuple(blocks), meta)


def _t_blocks(el: lxml.etree._Element) -> Iterator[lxml.etree._Element]:
    for child in el:
        if not isinstance(child.tag, str) or child.tag == "graphic":
            continue
        if child.tag in ("list", "table", "div"):
            yield from _t_blocks(child)
        else:
            yield child


# ----------------------------------------------------------------------------- container
_CONTAINER_COVERAGE = 0.85


def _coverage(el: lxml.html.HtmlElement, t_keys: Sequence[str], total: int) -> float:
    """Share of trafilatura's text (``total`` key characters) found inside ``el``."""
    text = _key(el.text_content())
    if not total or len(text) < _CONTAINER_COVERAGE * total:
        return 0.0  # too little text to hold it: skip the substring searches
    return sum(len(k) for k in t_keys if k in text) / total


_LEAFISH = ("p", "li", "blockquote", "pre", "td", "dd", "figcaption", "h1", "h2", "h3", "h4", "h5", "h6")
_WRAPPERS = ("div", "section", "span", "article", "main", "body")


def _smallest_containing(root: lxml.html.HtmlElement, key: str) -> lxml.html.HtmlElement | None:
    for tags in (_LEAFISH, _WRAPPERS):
        best: lxml.html.HtmlElement | None = None
        best_len = 0
        for el in root.iter(*tags):
            text = _key(el.text_content())
            if key in text and (best is None or len(text) < best_len):
                best, best_len = el, len(text)
        if best is not None:
            return best
    return None


def _find_container(root: lxml.html.HtmlElement, t_keys: Sequence[str]) -> lxml.html.HtmlElement | None:
    """The element holding the article: the innermost <article> (or articleBody, main) that
    covers most of trafilatura's text, else the smallest ancestor of its longest block that does."""
    groups = (
        root.xpath("//article"),
        root.xpath("//*[@itemprop='articleBody']"),
        root.xpath("//main | //*[@role='main']"),
    )
    if not t_keys:
        # trafilatura found nothing (very short page): trust an explicit, unique container.
        for group in groups:
            visible = [el for el in group if not _skipped(el)]
            if len(visible) == 1 and _clean(visible[0].text_content()):
                return visible[0]
        return None
    total = sum(len(k) for k in t_keys)
    for group in groups:
        covering = [el for el in group if _coverage(el, t_keys, total) >= _CONTAINER_COVERAGE]
        if covering:
            return min(covering, key=lambda el: len(el.text_content()))
    node = _smallest_containing(root, max(t_keys, key=len))
    while node is not None:
        if _coverage(node, t_keys, total) >= _CONTAINER_COVERAGE:
            return node
        node = node.getparent()
    body = root.find("body")
    return body if body is not None else root


# ----------------------------------------------------------------------------- alignment
_SEARCH_WINDOW = 100_000


def _merge(dom: Sequence[_DomBlock], main: Sequence[tuple[str, BlockKind]]) -> list[ExtractedBlock]:
    """DOM blocks in order, each marked kept or dropped by trafilatura, plus trafilatura blocks
    the DOM walk did not produce, inserted where they belong.

    Alignment is monotone over trafilatura's text concatenated without whitespace: a
    DOM block is kept if its text occurs there after the previous match, so merges and
    splits of paragraphs between the two extractors do not matter. Short blocks
    ("Costs") must match a whole trafilatura block, so they cannot hit a random word.
    """
    keys = [_key(t) for t, _ in main]
    starts: list[int] = []
    pos = 0
    for k in keys:
        starts.append(pos)
        pos += len(k)
    concat = "".join(keys)
    covered = [0] * len(keys)

    def t_index(offset: int) -> int:
        lo, hi = 0, len(starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if starts[mid] <= offset:
                lo = mid
            else:
                hi = mid - 1
        return lo

    out: list[ExtractedBlock] = []
    emitted = 0  # trafilatura blocks before this index are placed
    cursor = 0
    for block in dom:
        k = _key(block.text)
        # A bounded window keeps this linear when many blocks are dropped; trafilatura
        # never emits that much text of its own between two blocks of the walk.
        found = concat.find(k, cursor, cursor + _SEARCH_WINDOW + len(k)) if k else -1
        if found >= 0 and len(k) < 25:
            # short text: accept only an exact block match at or after the cursor
            found = -1
            for i in range(t_index(cursor) if keys else 0, len(keys)):
                if starts[i] > cursor + _SEARCH_WINDOW:
                    break
                if keys[i] == k and starts[i] >= cursor:
                    found = starts[i]
                    break
        if found < 0:
            out.append(ExtractedBlock(block.text, block.kind, True))
            continue
        first = t_index(found)
        # trafilatura blocks wholly before this match and never covered: place them now
        while emitted < first:
            if covered[emitted] * 2 < len(keys[emitted]):
                text, kind = main[emitted]
                out.append(ExtractedBlock(text, kind, False))
            emitted += 1
        end = found + len(k)
        i = first
        while i < len(keys) and starts[i] < end:
            overlap = min(end, starts[i] + len(keys[i])) - max(found, starts[i])
            covered[i] += max(0, overlap)
            i += 1
        emitted = max(emitted, first)
        cursor = end
        out.append(ExtractedBlock(block.text, block.kind, False))
    for i in range(emitted, len(keys)):
        if covered[i] * 2 < len(keys[i]):
            text, kind = main[i]
            out.append(ExtractedBlock(text, kind, False))
    return out


# ----------------------------------------------------------------------------- metadata
def _meta_content(root: lxml.html.HtmlElement, *names: str) -> str:
    for name in names:
        for el in root.xpath(f"//meta[@property='{name}' or @name='{name}']"):
            value = _clean(el.get("content", ""))
            if value:
                return value
    return ""


def _canonical(root: lxml.html.HtmlElement, url: str) -> str:
    for el in root.xpath("//link[@href]"):
        if "canonical" in el.get("rel", "").lower().split():
            href = el.get("href", "").strip()
            if href:
                return urljoin(url, href) if url else href
    og = _meta_content(root, "og:url")
    return (urljoin(url, og) if url else og) if og else ""


_XML_DECL = re.compile(r"^\s*<\?xml[^>]*>", re.I)


def _parse(html: str) -> lxml.html.HtmlElement:
    # lxml refuses str input carrying an encoding declaration, and NULs truncate it.
    cleaned = _XML_DECL.sub("", html, count=1).replace("\x00", "")
    try:
        return lxml.html.document_fromstring(cleaned)
    except (lxml.etree.ParserError, ValueError) as exc:
        raise ExtractionError(f"cannot parse the HTML: {exc}") from exc


def extract_article(html: str, url: str = "") -> ExtractedArticle:
    """Metadata and every visible text block of the article in ``html``.

    Raises :class:`~credibility.errors.ExtractionError` when the page holds no article
    text (empty page, a page with no body, a pure navigation page).
    """
    where = url or "the page"
    if not html or not html.strip():
        raise ExtractionError(f"no article in {where}: the page is empty")
    root = _parse(html)
    main = _trafilatura(html, url)
    t_keys = [k for k in (_key(t) for t, _ in main.blocks) if k]
    container = _find_container(root, t_keys)
    dom: list[_DomBlock] = []
    if container is not None:
        _walk(container, None, dom)
    title = (
        main.meta.get("title") or _meta_content(root, "og:title") or _clean(root.findtext(".//title") or "")
    )
    blocks = _merge(dom, main.blocks)
    # The headline is the title field, not a paragraph of the text.
    title_key = _key(title)
    for i, b in enumerate(blocks):
        if b.kind == "heading" and _key(b.text) == title_key:
            del blocks[i]
            break
    if not any(b.text for b in blocks):
        raise ExtractionError(f"no article text found in {where}")
    return ExtractedArticle(
        title=title,
        author=main.meta.get("author", "") or _meta_content(root, "author", "article:author"),
        published=main.meta.get("date", "") or _meta_content(root, "article:published_time", "date"),
        canonical_url=_canonical(root, url) or main.meta.get("url", ""),
        publisher=main.meta.get("sitename", "") or _meta_content(root, "og:site_name"),
        text="\n\n".join(b.text for b in blocks),
        paragraphs=tuple(blocks),
        description=main.meta.get("description", "") or _meta_content(root, "description", "og:description"),
    )
