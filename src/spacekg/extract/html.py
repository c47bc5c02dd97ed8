"""Text of an HTML page, for ``spacekg add`` (Beautiful Soup, https://www.crummy.com/software/BeautifulSoup/).

The main content is taken when the page marks it (``<main>``, ``<article>``, ``role="main"``,
else ``<body>``); scripts, styles, navigation, headers, footers, asides and forms are dropped.
Block elements (headings, paragraphs, list items, table rows, ``<br>``) end lines; the cells of
a table row are joined by a tab, so a table becomes ``key<TAB>value`` lines that the layout
rules read like key–value lines. Runs of blank lines collapse to one; the text ends in ``\\n``.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup

DROP = ("script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form",
        "button", "iframe", "svg")
BLOCK = ("p", "div", "section", "article", "main", "h1", "h2", "h3", "h4", "h5", "h6", "li", "dt",
         "dd", "tr", "table", "ul", "ol", "dl", "pre", "blockquote", "caption", "figcaption", "title")


_WRAP = re.compile(r"(.?)[ \t\u3000]*\n\s*(.?)")
_CJK = re.compile(r"[\u3000-\u30ff\u3400-\u9fff\uff00-\uffef]")


def _unwrap(m: re.Match) -> str:
    a, b = m.group(1), m.group(2)
    if not a or not b:
        return a + b
    return a + b if _CJK.match(a) and _CJK.match(b) else f"{a} {b}"


def looks_like_html(data: bytes) -> bool:
    """True when the first kilobyte of ``data`` opens an HTML document."""
    head = data[:1024].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<html" in head or b"<body" in head


def html_text(markup: str) -> tuple[str, str | None]:
    """Visible text of an HTML page and its ``<title>``.

    Returns:
        ``(text, title)``; ``title`` is None when the page has none.
    """
    soup = BeautifulSoup(markup, "html.parser")
    title = soup.title.get_text(" ", strip=True) if soup.title else None
    for tag in soup.find_all(DROP):
        tag.decompose()
    root = (soup.find("main") or soup.find(attrs={"role": "main"}) or soup.find("article")
            or soup.body or soup)
    for node in root.find_all(string=True):  # source line wraps are not line ends
        if node.parent is not None and node.parent.name != "pre" and "\n" in node:
            node.replace_with(_WRAP.sub(_unwrap, str(node)))
    for br in root.find_all("br"):
        br.replace_with("\n")
    for row in root.find_all("tr"):
        cells = [c.get_text(" ", strip=True) for c in row.find_all(["th", "td"])]
        row.replace_with("\n" + "\t".join(c for c in cells if c) + "\n")
    for tag in root.find_all(BLOCK):
        tag.insert_before("\n")
        tag.insert_after("\n")
    text = root.get_text()
    lines = [re.sub(r"[ \t\u3000]+$", "", ln) for ln in text.splitlines()]
    out = re.sub(r"\n{3,}", "\n\n", "\n".join(ln for ln in lines)).strip("\n")
    return out + "\n", title
