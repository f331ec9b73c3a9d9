"""Text made safe for a terminal: what every view (`vcrproxy show`, `diff`, the plain view, the
mitmproxy contentview) passes cassette text through before a person reads it.

- `clean(text)`: control characters a terminal obeys, or a reader is misled by, escaped.
- `clean_line(text)`: the same for a one-line field, line breaks escaped too.
- `one_line(arguments)`: a tool call's arguments on one line.
- `joined(lines, styled)`: lines joined for output, each kept to one line by construction.
- `cut_text(text, limit)`: a text cut short, never inside a run of key characters.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

# What a terminal obeys or a reader is misled by: C0 controls but tab and line feed, DEL, the C1
# controls (U+009B is CSI, the one-character `ESC [` that xterm and VTE obey in UTF-8), and the
# explicit bidirectional embeddings, overrides and isolates (Unicode UAX #9: text shown in
# another order than it is, "Trojan Source", CVE-2021-42574, where a git textconv shows it), and
# U+2028 / U+2029, line breaks to str.splitlines, editors and log viewers (Unicode UAX #14).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028-\u202e\u2066-\u2069]")
# ...and in `joined`, line breaks as well (a line element holding one would fake a line).
_IN_LINE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028-\u202e\u2066-\u2069]")

# The SGR sequences the views' own styles make (show._Style: reset, bold, dim, red to cyan):
# kept by `joined(..., styled=True)`; none of them moves the cursor or hides text.
_STYLE = re.compile(r"\x1b\[(?:0|(?:[12]|3[1-6])(?:;(?:[12]|3[1-6]))*)m")


def _escaped(m: re.Match[str]) -> str:
    c = ord(m.group())
    if c == 0x0A:
        return "\\n"
    return f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"


def clean(text: str, keep_cr: bool = False) -> str:
    """Text safe for a terminal: CRLF to LF, other control characters (ESC, CSI, bidi
    overrides) escaped as `\\x1b`, `\\x9b`, `\\u202e`. `keep_cr`: a CRLF's CR shown too
    (`\\x0d`), where a change of line endings must show (diff, the plain view)."""
    if not keep_cr:
        text = text.replace("\r\n", "\n")
    return _CONTROL.sub(_escaped, text)


def json_safe(text: str) -> str:
    """JSON text (json.dumps with ensure_ascii=False) with what a terminal obeys or a reader is
    misled by written as JSON escapes (`\\u009b`, `\\u202e`, `\\u2028`): the same value for a
    parser, nothing for a terminal to act on (C0 controls json.dumps escapes itself)."""
    return _CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def clean_line(text: str) -> str:
    """`clean` for a one-line field (a URL, a model, a tool's name, a finish reason): a line
    break in it is escaped too (it could fake a line of the view)."""
    return clean(text).replace("\n", "\\n")


def one_line(arguments: str) -> str:
    """A tool call's arguments on its one line: JSON laid out compactly, other text with its
    line breaks escaped. Raw, a break started a line at column 0, and a line of the arguments
    could read as a tool call the model never made."""
    if "\n" not in arguments and "\r" not in arguments:
        return clean(arguments)  # (as the model wrote them)
    try:
        text = json.dumps(json.loads(arguments), ensure_ascii=False, separators=(",", ":"))
    except (ValueError, RecursionError):
        text = arguments
    return clean_line(text.replace("\r", "\\r"))


def _line(text: str, styled: bool) -> str:
    if not styled or "\x1b" not in text:
        return _IN_LINE.sub(_escaped, text)
    out, pos = [], 0
    for m in _STYLE.finditer(text):
        out += [_IN_LINE.sub(_escaped, text[pos:m.start()]), m.group()]
        pos = m.end()
    out.append(_IN_LINE.sub(_escaped, text[pos:]))
    return "".join(out)


def joined(lines: Iterable[str], styled: bool = False) -> str:
    """`lines` joined with line breaks, each element one line of output whatever a field put
    in it: a line break, a control character or a bidi override inside an element is escaped
    (a field a view forgot to clean cannot fake a line or reach the terminal). `styled`: the
    views' own style sequences (`_STYLE`) are kept; any other escape sequence is escaped."""
    return "\n".join(_line(line, styled) for line in lines)


# Characters of keys and tokens: a cut of a text never ends inside a run of them.
TOKEN_BYTES = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_+/=.~-")


def _is_token_char(c: str) -> bool:
    return c < "\x80" and ord(c) in TOKEN_BYTES


def cut_text(text: str, limit: int, keep: int = 0, mark: str = "\u2026") -> str:
    """`text` cut to `limit` characters, `mark` included. A run of key characters the cut goes
    through is left out whole (not before `keep`): a key's start no longer has its shape, and
    redaction would not recognise it. Mask a text before it is cut (`redact_text`, `log_text`),
    never after."""
    if len(text) <= limit:
        return text
    end = max(limit - len(mark), 0)
    while end > keep and _is_token_char(text[end - 1]) and _is_token_char(text[end]):
        end -= 1
    return text[:end] + mark


def run_after(text: str, start: int, stop: int) -> int:
    """`start`, moved past the run of key characters it would cut into (not beyond `stop`): where
    a window of `text` may start (`cut_text` for its other end)."""
    while 0 < start < stop and _is_token_char(text[start - 1]) and _is_token_char(text[start]):
        start += 1
    return start
