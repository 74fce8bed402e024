"""Word tokenisation for English text, Treebank conventions (what NLTK's ``word_tokenize`` does).

Why our own: Texygen's published COCO numbers tokenise captions with NLTK's ``word_tokenize``;
to be comparable we need the same tokens, but without making NLTK (and its downloadable Punkt
data) a run-time dependency. The rules below are the Treebank conventions that matter for
sentence-level English: punctuation split off (a comma or colon only when not inside a number,
a period only at the end of the line), clitics split (``man's`` -> ``man 's``, ``don't`` ->
``do n't``), double quotes turned into ````/'''` by position, brackets and symbols padded.
A line is one sentence (no sentence splitting). The output equals NLTK's ``NLTKWordTokenizer``
on all 20,000 lines of the COCO train and test files (the test suite checks a quarter of them)
and on the edge cases in ``tests/test_text_tokenize.py``.
"""

from __future__ import annotations

import re

_SUBS: list[tuple[re.Pattern, str]] = [
    # opening double quotes: at the start, or after a space/opening bracket
    (re.compile(r'^"'), " `` "),
    (re.compile(r"([«“‘„]|`+)"), r" \1 "),
    (re.compile(r"""([ (\[{<])("|'')"""), r"\1 `` "),
    # a leading single quote before a word that is not a clitic
    (re.compile(r"(?i)(?<!\w)'(?!(?:re|ve|ll|m|t|s|d|n)\b)(?=\w)"), "' "),
    # the line-final period (possibly followed by closing quotes/brackets)
    (re.compile(r"""([^.])(\.)([\]\)}>"'»”’ ]*+)\s*$"""), r"\1 \2 \3 "),
    # commas and colons, except inside numbers such as 3,000 or 11:59
    (re.compile(r"([:,])([^\d])"), r" \1 \2"),
    (re.compile(r"([:,])$"), r" \1 "),
    (re.compile(r"\.{2,}"), r" \g<0> "),
    (re.compile(r"[;@#$%&?!*\u2012-\u2015\[\](){}<>]"), r" \g<0> "),
    (re.compile(r"([^'])' "), r"\1 ' "),
    (re.compile(r"--"), " -- "),
]

_CLOSING: list[tuple[re.Pattern, str]] = [
    (re.compile(r"([»”’])"), r" \1 "),
    (re.compile(r"''"), " '' "),
    (re.compile(r'"'), " '' "),
    (re.compile(r"\s+"), " "),
    (re.compile(r"([^' ])('[sSmMdD]|') "), r"\1 \2 "),
    (re.compile(r"([^' ])('ll|'LL|'re|'RE|'ve|'VE|n't|N'T) "), r"\1 \2 "),
]

_FUSED = [re.compile(p) for p in (
    r"(?i)\b(can)(not)\b", r"(?i)\b(d)('ye)\b", r"(?i)\b(gim)(me)\b", r"(?i)\b(gon)(na)\b",
    r"(?i)\b(got)(ta)\b", r"(?i)\b(lem)(me)\b", r"(?i)\b(more)('n)\b", r"(?i)\b(wan)(na)(?=\s)",
    r"(?i) ('t)(is)\b", r"(?i) ('t)(was)\b",
)]


def word_tokenize(line: str) -> list[str]:
    """Split one sentence into Treebank-style word tokens."""
    text = line
    for pattern, repl in _SUBS:
        text = pattern.sub(repl, text)
    text = f" {text} "
    for pattern, repl in _CLOSING:
        text = pattern.sub(repl, text)
    for pattern in _FUSED:
        text = pattern.sub(r" \1 \2 ", text)
    return text.split()
