"""Making text that came from AWS (or from any file) inert wherever ecrscan shows it.

Repository names, tags, policy Sids, endpoint messages and reasons are written by whoever
controls an account, so every output treats them as hostile. This module has no ecrscan imports:
collection (the progress line), rendering and the CLI all use it.

- `for_terminal`: C0 and C1 control characters, DEL, line and paragraph separators and the bidi
  overrides that reorder what a reader sees ("Trojan Source") become visible escapes (`\\n`,
  `\\x1b`, `\\u202e`), so no escape sequence reaches a terminal and a value never spans lines.
- `neutralise_log_commands`: no line of a text can be read by a CI runner as a command. GitHub
  Actions takes a line whose first non-blank characters are `::` as a workflow command
  (`::add-mask::`, `::error::`), and its older syntax `##[command]` anywhere in a line;
  Azure Pipelines takes `##vso[`. Such a `:` or `#` is shown as `\\x3a` or `\\x23`.
- `csv_cell`: a cell a spreadsheet would run as a formula (OWASP: starting with `=`, `+`, `-`,
  `@`, tab or carriage return) starts with a `'` instead.
- `xml_text`: characters XML 1.0 cannot hold (C0 controls other than tab and newline, lone
  surrogates, U+FFFE and U+FFFF) as visible escapes, so the document is always well formed.
- `markdown_inline`: Markdown and HTML syntax escaped, `@mentions` broken, one line.
- `json_text`: JSON whose strings hold no raw control, separator or lone surrogate (they are
  `\\uXXXX` escapes: the same data, lossless), safe to print and always valid UTF-8.

Backslashes are not doubled: the escapes are for reading, and the JSON output keeps every value
exact.
"""

import json
import re
from typing import Any

# C0 controls (newline and tab included: a value never spans lines or columns), DEL, C1
# controls, the line and paragraph separators, bidi embeddings, overrides and isolates, and
# lone surrogates (a JSON file may carry "\ud800"; nothing can encode it as UTF-8).
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# What json.dumps(ensure_ascii=False) leaves raw inside strings (it escapes C0 itself, and C0
# outside strings is the document's own whitespace).
_JSON_RAW = re.compile("[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")

# The characters that may start a line a CI runner executes, found where they would.
_LINE_COMMAND = re.compile(r"^([ \t]*):(?=:)", re.MULTILINE)
_LEGACY_COMMAND = re.compile(r"#(?=#(?:\[|vso\[))")

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

# Inline syntax only: a cell never starts a line, so list and heading markers are inert there.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|~$])")
_MENTION = re.compile(r"@(?=[A-Za-z0-9])")
_ZERO_WIDTH_SPACE = "&#8203;"  # GitHub links no @mention and no team through it


def escape_char(char: str) -> str:
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def for_terminal(value: Any) -> str:
    """One line with every control character shown as an escape; None is empty."""
    text = "" if value is None else str(value)
    if text.isascii() and text.isprintable():
        return text  # the common case, decided in C
    return _UNSAFE.sub(lambda m: escape_char(m.group()), text)


def neutralise_log_commands(text: str) -> str:
    """The text with no line a CI runner would take as a command (see the module docstring)."""
    if "::" not in text and "##" not in text:
        return text
    text = _LINE_COMMAND.sub(lambda m: m.group(1) + "\\x3a", text)
    return _LEGACY_COMMAND.sub("\\\\x23", text)


def for_log(text: str) -> str:
    """A whole block of display text (a table, a diff) made safe for a terminal or CI log: its
    own line breaks are kept, and no line can run as a workflow command."""
    lines = [for_terminal(line) for line in text.split("\n")]
    return neutralise_log_commands("\n".join(lines))


def csv_cell(value: Any) -> str:
    """A CSV cell: one line (controls escaped), never a formula."""
    text = for_terminal(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def xml_text(value: Any) -> str:
    text = "" if value is None else str(value)
    if text.isascii() and text.isprintable():
        return text
    return _XML_INVALID.sub(lambda m: escape_char(m.group()), text)


def markdown_inline(value: Any) -> str:
    """Text for a Markdown table cell or sentence: no markup, no HTML, no mention, one line."""
    text = for_terminal(value)
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MENTION.sub("@" + _ZERO_WIDTH_SPACE, text)


def json_text(value: Any, **dumps_options: Any) -> str:
    """json.dumps(value, ensure_ascii=False, ...) with the characters `for_terminal` escapes
    written as JSON escapes: lossless, valid UTF-8, inert in a terminal."""
    return safe_json_chunk(json.dumps(value, ensure_ascii=False, **dumps_options))


def safe_json_chunk(text: str) -> str:
    """Escape, in JSON text, what json.dumps(ensure_ascii=False) leaves raw. Such characters can
    only stand inside JSON strings, where a \\uXXXX escape means the same character."""
    if text.isascii() and "\x7f" not in text:
        return text
    return _JSON_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
