"""The MOSES data splits: where they come from, how to read them fast, and the training-set index.

Splits (molsets 0.3.1 / github.com/molecularsets/moses ``data/dataset_v1.csv``): train 1,584,663,
test 176,074, test_scaffolds 176,225 SMILES, one column ``SMILES``, gzip. Reading one is a single
``gzip`` read and a line split (the 1.6M training split: under a second); no pandas.

Novelty needs "is this canonical SMILES in the training set?" for up to 30,000 molecules. MOSES
builds a Python set of the 1.6M training strings; we keep a sorted array of their 64-bit
BLAKE2b hashes (12.7 MB, cached as ``.npz`` next to the other reference statistics) and look
samples up with a binary search. A false "in training set" needs a 64-bit collision: p < 10⁻⁸.
"""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path
from typing import Sequence

import numpy as np

from ganbench.core.data import DataFile
from ganbench.core.errors import UserError

# The three split files as MOSES ships them (moses/dataset/data/ in its repository and in the
# molsets 0.3.1 wheel); downloaded from there into the cache when they are not found locally.
_URL = "https://github.com/molecularsets/moses/raw/master/moses/dataset/data/"
TRAIN = DataFile("moses/train.csv.gz", "786f0313aa6b9ba5514df685f885742a70ea8d86f1a4fa48115f7f80a634265c",
                 _URL + "train.csv.gz")
TEST = DataFile("moses/test.csv.gz", "f896fbf3764f88d94670b9959e5872c600c12152a18233823e820761b7a791b2",
                _URL + "test.csv.gz")
TEST_SF = DataFile("moses/test_scaffolds.csv.gz", "adffb2192c1bfe31ab0e13154d4af19a37dc18bdbf3cd7b4491e04405128adde",
                   _URL + "test_scaffolds.csv.gz")


# molecule/moses-small's fixed subsets (50,000 train, 10,000 of Test and of TestSF, drawn with
# numpy default_rng(2020) / (2021) from the files above), shipped inside the package so that the
# quick suite's molecule task needs no download. A test re-draws them from the full files.
SMALL_DIR = Path(__file__).parent / "data" / "moses_small"
SMALL_SHA256 = {
    "train": "be0a01c61270a6da2048f074f20d7ac697e9b7c2e4fec14f21bd15574c2c295d",
    "test": "c0b3b61d7d71dda5c0dd9cd09096e2390513d275b7c9e72803dfb7719712a9e6",
    "test_scaffolds": "7b4b1a84625ad821c3fe4e361853f0a177006aa147fe4830d82fc69ebc3bfd6c",
}


def read_small_split(name: str) -> list[str]:
    """A bundled molecule/moses-small split, found and checked like any data file."""
    from ganbench.core.data import DataLocator

    spec = DataFile(f"{SMALL_DIR.name}/{name}.csv.gz", SMALL_SHA256[name],
                    hint="the copy that ships with ganbench: reinstall it (pip install -e .) or git checkout the file")
    return read_smiles_csv(DataLocator(SMALL_DIR.parent).find(spec))


def read_smiles_csv(path: str | Path) -> list[str]:
    """SMILES of a one-column CSV (header ``SMILES``), gzip or plain."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt") as f:
        lines = f.read().split("\n")
    if not lines or lines[0].strip() != "SMILES":
        raise UserError(f"{path}: expected a CSV with the single column SMILES (MOSES format)")
    return [line.strip() for line in lines[1:] if line.strip()]


def smiles_hash(smiles: Sequence[str]) -> np.ndarray:
    """64-bit BLAKE2b hash of each string (uint64)."""
    out = np.empty(len(smiles), dtype=np.uint64)
    for i, s in enumerate(smiles):
        out[i] = int.from_bytes(hashlib.blake2b(s.encode(), digest_size=8).digest(), "little")
    return out


class SmilesIndex:
    """Membership test against a big SMILES set through sorted 64-bit hashes."""

    def __init__(self, hashes: np.ndarray, size: int, distinct_sorted: bool = False):
        if not distinct_sorted:  # sort + drop repeats (np.unique's hash path takes seconds on 1.6M)
            hashes = np.sort(np.asarray(hashes, dtype=np.uint64))
            hashes = hashes[np.concatenate([[True], hashes[1:] != hashes[:-1]])] if len(hashes) else hashes
        self.hashes = hashes
        self.size = int(size)

    @classmethod
    def build(cls, smiles: Sequence[str]) -> "SmilesIndex":
        return cls(smiles_hash(smiles), len(smiles))

    @classmethod
    def cached(cls, path: Path, key: str, load) -> "SmilesIndex":
        """The index of ``load()``'s SMILES, in the evaluator's reference cache (:mod:`ganbench.engine.refcache`)."""
        from ganbench.engine.refcache import RefKey, ReferenceCache

        def build() -> dict:
            index = cls.build(load())
            return {"hashes": index.hashes, "size": np.array(index.size)}

        z = ReferenceCache().get(RefKey(path.name, key[:16], "index"), build, ("hashes", "size"))
        return cls(z["hashes"], int(z["size"]), distinct_sorted=True)  # written sorted and distinct by build()

    def contains(self, smiles: Sequence[str]) -> np.ndarray:
        h = smiles_hash(smiles)
        pos = np.searchsorted(self.hashes, h)
        pos[pos == len(self.hashes)] = 0
        return self.hashes[pos] == h if len(self.hashes) else np.zeros(len(h), dtype=bool)
