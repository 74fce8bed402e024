"""GuacaMol's KL-divergence and FCD scores: closed forms, the sampling conventions, and numpy's RNG.

GuacaMol itself no longer imports (``from scipy import histogram``), so its conventions are
checked by construction: identical sets score 1, the subset equals ``np.random.seed(42)`` +
``np.random.choice``, and the sampling rounds keep what ``sample_unique_molecules`` /
``sample_valid_molecules`` keep.
"""

import numpy as np
import pytest

pytest.importorskip("rdkit")
pytest.importorskip("numba")

from scipy.stats import entropy  # noqa: E402

from ganbench.domains.molecule.properties import GUACAMOL_DESCRIPTORS  # noqa: E402
from ganbench.domains.molecule import guacamol as G  # noqa: E402
from ganbench.domains.molecule.metrics import MoleculeReferences, SmilesSamples  # noqa: E402

MOLS = ["CC(=O)Oc1ccccc1C(=O)O", "CN1C=NC2=C1C(=O)N(C(=O)N2C)C", "CC(C)Cc1ccc(cc1)C(C)C(=O)O",
        "COc1ccc2[nH]cc(CCNC(C)=O)c2c1", "O=C(O)c1ccccc1O", "c1ccc2c(c1)ccc1ccccc12", "CCN(CC)CCNC(=O)c1ccc(N)cc1",
        "Clc1ccc(cc1)C(c1ccccc1)N1CCN(CC1)CCOCC(=O)O", "CC1=CC(=O)c2ccccc2C1=O", "OC1CCCCC1", "NC(=O)c1cccnc1",
        "CCOC(=O)c1ccccc1N", "CCCCCCCCO", "c1ccncc1", "O=C1NC(=O)c2ccccc21"]


def test_random_subset_is_numpy_legacy_seeded_choice():
    items = [f"m{i}" for i in range(1000)]
    state = np.random.get_state()
    np.random.seed(42)
    want = list(np.random.choice(items, 100, replace=False))
    np.random.set_state(state)
    assert G.random_subset(items, 100, seed=42) == want


def test_sample_rounds_replay_guacamol_loops():
    key = lambda s: None if s.startswith("x") else s.upper()  # noqa: E731
    samples = ["a", "a", "x1", "b", "c", "b", "d", "e"]
    # unique: round 1 draws 4 (a, a, x1, b) -> [A, B]; round 2 draws 2 (c, b) -> [A, B, C]; round 3 draws 1 (d)
    assert G.sample_rounds(samples, 4, 2, key, unique=True) == ["A", "B", "C", "D"]
    assert G.sample_rounds(samples, 3, 1, key, unique=False) == ["A", "A"]  # one round of 3, budget 3
    assert G.sample_rounds(samples, 4, 10, key, unique=False) == ["A", "A", "B", "C"]


def test_discrete_kl_by_hand():
    p = np.array([0, 0, 1, 1, 1, 2, 2, 2, 2, 3.0])
    q = np.array([0, 1, 2, 3.0])
    ph, bins = np.histogram(p, bins=10, density=True)
    qh, _ = np.histogram(q, bins=bins, density=True)
    assert G.discrete_kl(p, q) == pytest.approx(entropy(ph + 1e-10, qh + 1e-10))
    assert G.discrete_kl(p, p) == pytest.approx(0.0, abs=1e-12)


def test_identical_sets_score_one():
    desc, nn = G.descriptors_and_nn(MOLS, n_jobs=1, threads=1)
    parts = G.kl_parts(desc, nn, desc, nn)
    assert set(parts) == {*GUACAMOL_DESCRIPTORS, "internal_similarity"}
    assert np.mean([np.exp(-v) for v in parts.values()]) == pytest.approx(1.0, abs=1e-9)


class _Ref(G.GuacamolReference):
    """A GuacamolReference whose 'training subset' is a given list (no 10,000-molecule draw)."""

    def __init__(self, mols):
        super().__init__(mols)
        self.__dict__["subset"] = list(mols)


def test_family_on_training_molecules_scores_one():
    pytest.importorskip("fcd")

    class Task:
        references = MoleculeReferences({}, guacamol=lambda: _Ref(MOLS))

    fam = G.GuacamolMetrics(Task(), n_jobs=1, threads=1)
    fam.update(SmilesSamples(MOLS + ["not a smiles", ""]))
    out = fam.compute()
    assert out["guacamol_kl"].value == pytest.approx(1.0, abs=1e-6)
    assert out["guacamol_fcd"].value == pytest.approx(1.0, abs=1e-4)  # exp(-0.2 * ~0)
    assert out["guacamol_fcd"].details["run"]["n_molecules"] == len(MOLS)
