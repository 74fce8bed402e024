"""Our word tokenizer against NLTK's NLTKWordTokenizer (what word_tokenize applies per sentence)."""

import os
from pathlib import Path

import pytest

from ganbench.domains.text.tokenize import word_tokenize

nltk_tok = pytest.importorskip("nltk.tokenize")

CASES = [
    "a man riding a wave on top of a surfboard.",
    'He said "hello there." to me',
    "I can't believe it's 3,000 $!",
    "(a) [b] {c} <d>",
    "rock 'n' roll",
    "'quoted' word",
    "wait... what?",
    "end.)",
    "a -- b",
    "time 11:59.",
    "x:y, z",
    "gonna wanna cannot",
    "don't you'll we're I'm he'd",
    "'tis the season",
    "it's the dogs' bone",
    "say ``hi''",
    '"',
    "",
    "...",
    "e.g. this. that.",
    "a close-up of a t-shirt; 50% off & more #1 @home *star*",
]


@pytest.mark.parametrize("text", CASES)
def test_matches_nltk_word_tokenizer(text):
    assert word_tokenize(text) == nltk_tok.NLTKWordTokenizer().tokenize(text)


def test_matches_nltk_on_coco_captions():
    """Every 4th caption of each file (all 20,000 matched when this was written; NLTK is slow)."""
    root = Path(os.environ.get("GANBENCH_DATA", "/nonexistent")) / "coco-captions"
    if not (root / "test.txt").is_file():
        pytest.skip("COCO captions not available (set GANBENCH_DATA)")
    tok = nltk_tok.NLTKWordTokenizer()
    for name in ("train.txt", "test.txt"):
        lines = (root / name).read_text(encoding="utf-8").splitlines()[::4]
        bad = [l for l in lines if word_tokenize(l) != tok.tokenize(l)]
        assert not bad, bad[:5]
