"""How the reports write numbers and user text: arrows, digits, and escaping for Markdown and CSV.

One home, so that every rendering (Markdown, HTML, CSV, the end-of-run table) escapes the same way:
a tag or plugin name is user text and may hold a newline, a ``|`` or a backtick (which would break a
Markdown table), or start with ``=``, ``+``, ``-``, ``@`` (which a spreadsheet opening the CSV would
run as a formula: OWASP's "CSV injection").
"""

from __future__ import annotations

import math

ARROW = {"max": "↑", "min": "↓"}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def num(x: float, digits: int = 3) -> str:
    """``x`` with ``digits`` decimals, or ``digits`` significant digits when tiny or huge."""
    if not math.isfinite(x):
        return repr(x)
    if x != 0 and (abs(x) >= 1e5 or abs(x) < 10 ** -(digits)):
        return f"{x:.{digits}g}"
    return f"{x:.{digits}f}"


def spread(std: float, mean: float, digits: int = 3) -> str:
    """The ± part beside ``num(mean, digits)``: in the mean's own decimals when the mean is printed
    with fixed decimals, so a spread below them reads 0.000 (three equal seeds give a float std of
    1e-17, which is rounding, not a spread) instead of a number more precise than its mean."""
    fixed = math.isfinite(mean) and not (mean != 0 and (abs(mean) >= 1e5 or abs(mean) < 10 ** -(digits)))
    if fixed and math.isfinite(std) and abs(std) < 10 ** -(digits):
        return f"{abs(std):.{digits}f}"
    return num(std, digits)


def one_line(text) -> str:
    """``text`` on one line: control characters (a newline in a tag) shown escaped (``\\n``)."""
    return "".join(ch.encode("unicode_escape").decode("ascii") if ord(ch) < 32 or ord(ch) == 127 else ch for ch in str(text))


def md(text) -> str:
    """User text in a Markdown table cell or line: one line, no cell break, no code-span break."""
    return one_line(text).replace("|", "\\|").replace("`", "'")


def csv_safe(value):
    """A CSV cell that a spreadsheet shows as text: a string starting like a formula gets a leading
    apostrophe (numbers stay numbers; the csv module quotes commas and newlines itself)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


__all__ = ["ARROW", "num", "one_line", "md", "csv_safe"]
