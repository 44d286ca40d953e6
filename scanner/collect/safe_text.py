"""An endpoint's error message, made fit for a snapshot field: one short line.

An endpoint's error message is not to be trusted: a proxy answers with a twelve-line HTML page,
a hostile endpoint with escape sequences or a newline followed by `::add-mask::` (a GitHub
Actions workflow command). The snapshot stores error messages (and codes) as one line of at
most about 200 characters, control characters escaped (scanner.text_safety.for_terminal).
"""

import re

from scanner.text_safety import for_terminal

# About two lines of a terminal: enough for any AWS error message worth reading.
MESSAGE_LIMIT = 200
CODE_LIMIT = 100
ELLIPSIS = "…"

# Line and paragraph breaks of every kind become one space; `\s` covers them all.
_WHITESPACE = re.compile(r"\s+")
_HTML = re.compile(r"<(?:!doctype\s+html|html|head|body)\b", re.IGNORECASE)
_HTML_TITLE = re.compile(r"<(title|h1)\b[^>]*>(.*?)</\1\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]*>")


def one_line(text: object, limit: int = MESSAGE_LIMIT) -> str:
    """`text` as one line of at most `limit` characters, control characters escaped.

    An HTML page (a proxy's or a load balancer's error page) is named by its title instead of
    being copied: the words before it are kept, the markup is not.
    """
    text = _without_html(str(text))
    flat = for_terminal(_WHITESPACE.sub(" ", text).strip())
    if len(flat) <= limit:
        return flat
    return flat[: limit - len(ELLIPSIS)].rstrip() + ELLIPSIS


def _without_html(text: str) -> str:
    page = _HTML.search(text)
    if page is None:
        return text
    before = text[: page.start()].rstrip(" \n:b'\"")
    title = _HTML_TITLE.search(text, page.start())
    name = _TAG.sub("", title.group(2)).strip() if title else ""
    summary = f"an HTML page ({name})" if name else "an HTML page"
    if before:
        return f"{before}; the answer was {summary}"
    return f"the endpoint answered with {summary}"
