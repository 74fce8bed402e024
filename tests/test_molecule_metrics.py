"""MOSES metrics against independent references: MOSES' own expected values, RDKit, closed forms.

Reference values: ``tests/test_metrics.py`` of molsets 0.3.1 (MOSES' own unit test: the same
six generated SMILES and two test SMILES); RDKit's ``BulkTanimotoSimilarity``, ``QED.qed``,
legacy ``GetMorganFingerprintAsBitVect``; the Contrib sascorer with SciPy's Wasserstein distance;
hand-checkable sets (identical, disjoint, duplicated).
"""

import math

import numpy as np
import pytest

pytest.importorskip("rdkit")
pytest.importorskip("numba")

from rdkit import Chem, DataStructs  # noqa: E402
from rdkit.Chem import AllChem, QED  # noqa: E402

from ganbench.domains.molecule import filters as F  # noqa: E402
from ganbench.domains.molecule import properties as P  # noqa: E402
from ganbench.domains.molecule.features import moses_table  # noqa: E402
from ganbench.domains.molecule.molecules import quiet_rdkit  # noqa: E402
from ganbench.domains.molecule.moses_data import SmilesIndex  # noqa: E402
from ganbench.domains.molecule.metrics import (MoleculeReferences, MosesBasic, MosesFCD, MosesReference,  # noqa: E402
                                            SmilesSamples, cosine_similarity)
from ganbench.domains.molecule.refstats import ReferenceSet  # noqa: E402
from ganbench.domains.molecule.tanimoto import BitRows, max_similarity, weighted_mean_similarity  # noqa: E402

quiet_rdkit()

# MOSES' own unit test (molsets 0.3.1, tests/test_metrics.py)
MOSES_TEST = ["Oc1ccccc1-c1cccc2cnccc12", "COc1cccc(NC(=O)Cc2coc3ccc(OC)cc23)c1"]
MOSES_GEN = ["CNC", "Oc1ccccc1-c1cccc2cnccc12", "INVALID", "CCCP", "Cc1noc(C)c1CN(C)C(=O)Nc1cc(F)cc(F)c1",
             "Cc1nc(NCc2ccccc2)no1-c1ccccc1"]
MOSES_TARGET = {"validity": 2 / 3, "unique_1k": 1.0, "fcd_test": 52.58371754126664, "snn_test": 0.3152585653588176,
                "frag_test": 0.3, "scaf_test": 0.5, "intdiv": 0.7189187309761661, "filters": 0.75, "logp_w1": 1.63229,
                "qed_w1": 0.20370891752648637, "weight_w1": 106.87}

DRUGS = ["CC(=O)Oc1ccccc1C(=O)O", "CN1C=NC2=C1C(=O)N(C(=O)N2C)C", "CC(C)Cc1ccc(cc1)C(C)C(=O)O",
         "COc1ccc2[nH]cc(CCNC(C)=O)c2c1", "O=C(O)c1ccccc1O", "c1ccc2c(c1)ccc1ccccc12", "CCN(CC)CCNC(=O)c1ccc(N)cc1",
         "Clc1ccc(cc1)C(c1ccccc1)N1CCN(CC1)CCOCC(=O)O", "CC1=CC(=O)c2ccccc2C1=O", "OC1CCCCC1", "NC(=O)c1cccnc1"]


class FakeTask:
    def __init__(self, test=None, testsf=None, train=None):
        splits = {}
        if test is not None:
            splits["test"] = ReferenceSet("t-test", test)
        if testsf is not None:
            splits["testsf"] = ReferenceSet("t-testsf", testsf, properties=False)
        self.references = MoleculeReferences(splits, train_index=(lambda: SmilesIndex.build(train)) if train else None)


def evaluate(task, samples, families=(MosesBasic, MosesReference)):
    s = samples if isinstance(samples, SmilesSamples) else SmilesSamples(samples)
    out = {}
    for fam in families:
        f = fam(task, threads=1, n_jobs=1)
        f.update(s)
        out.update({k: v.value for k, v in f.compute().items()})
    return out


def test_moses_own_unit_test_values():
    pytest.importorskip("fcd")
    got = evaluate(FakeTask(test=MOSES_TEST), MOSES_GEN, (MosesBasic, MosesReference, MosesFCD))
    for name, want in MOSES_TARGET.items():
        tol = 1e-4 if name == "fcd_test" else 1e-7  # ChemNet in float32
        assert got[name] == pytest.approx(want, rel=tol, abs=1e-7), name


def test_sa_distance_is_contrib_sascorer_with_scipy_wasserstein():
    # MOSES' expected SA value (0.5238) was computed with a 2019 RDKit; today's RDKit scores these
    # molecules differently, with MOSES' own sascorer copy as with RDKit's Contrib one (checked: equal).
    from scipy.stats import wasserstein_distance

    valid_gen = [s for s in MOSES_GEN if Chem.MolFromSmiles(s) is not None]
    ref = [P._sascorer().calculateScore(Chem.MolFromSmiles(s)) for s in MOSES_TEST]
    gen = [P._sascorer().calculateScore(Chem.MolFromSmiles(Chem.MolToSmiles(Chem.MolFromSmiles(s)))) for s in valid_gen]
    got = evaluate(FakeTask(test=MOSES_TEST), MOSES_GEN, (MosesReference,))
    assert got["sa_w1"] == pytest.approx(wasserstein_distance(ref, gen), abs=1e-12)


def _fps(smiles, n=1024):
    return [AllChem.GetMorganFingerprintAsBitVect(Chem.MolFromSmiles(s), 2, nBits=n) for s in smiles]


def _csr(fps):
    bits = [np.array(list(fp.GetOnBits()), dtype=np.uint16) for fp in fps]
    indptr = np.zeros(len(bits) + 1, dtype=np.int64)
    np.cumsum([len(b) for b in bits], out=indptr[1:])
    return indptr, (np.concatenate(bits) if bits else np.zeros(0, np.uint16))


def test_wasserstein_equals_scipy_with_and_without_weights():
    from scipy.stats import wasserstein_distance

    from ganbench.domains.molecule.metrics import wasserstein

    rng = np.random.default_rng(0)
    for n, m in ((1, 1), (5, 3), (1000, 777)):
        u, v = rng.normal(size=n), rng.normal(1.0, 2.0, size=m)
        v[: m // 2] = np.round(v[: m // 2], 1)  # ties
        uw, vw = rng.integers(1, 5, n).astype(float), rng.integers(1, 5, m).astype(float)
        assert wasserstein(u, v) == pytest.approx(wasserstein_distance(u, v), rel=1e-12, abs=1e-15)
        assert wasserstein(u, v, vw, uw) == pytest.approx(wasserstein_distance(u, v, uw, vw), rel=1e-12, abs=1e-15)
    assert wasserstein([0.0], [3.0]) == 3.0  # a point mass moved by 3
    assert wasserstein([0.0, 1.0], [0.0, 1.0], [2.0, 2.0], [1.0, 1.0]) == 0.0  # weights are relative


def test_tanimoto_kernels_match_rdkit_bulk_tanimoto():
    a, b = DRUGS[:5], DRUGS + MOSES_TEST * 300  # > one block of 512 references
    fa, fb = _fps(a), _fps(b)
    ia, ba = _csr(fa)
    ib, bb = _csr(fb)
    rows = BitRows.from_csr(ib, bb, 1024)
    sims = np.array([DataStructs.BulkTanimotoSimilarity(x, fb) for x in fa])
    for threads in (1, 2):
        np.testing.assert_allclose(max_similarity(rows, ia, ba, threads=threads), sims.max(axis=1), atol=1e-7)
    m1, m2 = weighted_mean_similarity(rows, ia, ba, threads=2)
    np.testing.assert_allclose(m1, sims.mean(axis=1), atol=1e-7)
    np.testing.assert_allclose(m2, (sims ** 2).mean(axis=1), atol=1e-7)
    own = BitRows.from_csr(ia, ba, 1024)
    within = np.array([DataStructs.BulkTanimotoSimilarity(x, fa) for x in fa])
    np.fill_diagonal(within, 0.0)
    np.testing.assert_allclose(max_similarity(own, ia, ba, exclude_self=True), within.max(axis=1), atol=1e-7)


def test_known_tanimoto_value_and_empty_fingerprints():
    # bits {0,1,2} vs {1,2,3}: intersection 2, union 4 -> 0.5; two empty fingerprints count as 1 (MOSES)
    ref = BitRows.from_csr(np.array([0, 3, 3]), np.array([1, 2, 3], dtype=np.uint16), 1024)
    q_ptr, q_bits = np.array([0, 3, 3]), np.array([0, 1, 2], dtype=np.uint16)
    np.testing.assert_allclose(max_similarity(ref, q_ptr, q_bits), [0.5, 1.0])
    m1, m2 = weighted_mean_similarity(ref, q_ptr, q_bits)
    np.testing.assert_allclose(m1, [0.25, 0.5])
    np.testing.assert_allclose(m2, [0.125, 0.5])


def test_morgan_bits_equal_rdkit_legacy_function():
    table = moses_table(DRUGS, n_jobs=1)
    for row, smi in enumerate(table.molecules):
        legacy = np.array(list(AllChem.GetMorganFingerprintAsBitVect(Chem.MolFromSmiles(smi), 2, nBits=1024).GetOnBits()))
        np.testing.assert_array_equal(table.fp_bits[table.fp_indptr[row]:table.fp_indptr[row + 1]], legacy)


SCREEN_SET = DRUGS + MOSES_GEN[:2] + ["CC=O", "ClCCCl", "CC(Br)(Br)Br", "c1ccccc1N", "CN=NC", "C1CO1", "CSSC",
                                     "c1ccoc1C", "N=C(C)C", "C=CC#N", "C1CCCCCCC1", "CC[N+](C)(C)C", "CP(C)C",
                                     "Oc1ccc(O)cc1", "O=C1C=CC(=O)C=C1", "C=C1SC(=S)NC1=O", "O=C1NC(=S)SC1=Cc1ccccc1",
                                     "N#CC(C#N)=Cc1ccc(O)cc1", "[H]C([H])([H])Cl"]


def test_filter_screen_gives_the_same_matches_as_searching_every_pattern():
    hits = 0
    for s in SCREEN_SET:
        mol = Chem.MolFromSmiles(s)
        full = F.matching_patterns(mol, screen=False, first=False)
        assert F.matching_patterns(mol, screen=True, first=False) == full, s
        hits += len(full)
        assert F.passes_filters(mol) == F.passes_filters(mol, screen=False)
        assert F.passes_filters(mol, parsed_from=s) == F.passes_filters(mol, screen=False)
    assert hits >= 10  # the set exercises real matches, not only misses
    assert len(F.filter_smarts()) == 22 + 480


def test_filter_rules_by_hand():
    ok = Chem.MolFromSmiles("CC(=O)Nc1ccc(O)cc1")  # paracetamol: passes MOSES' filters
    assert F.passes_filters(ok)
    assert not F.passes_filters(Chem.MolFromSmiles("C1CCCCCCC1"))  # ring of 8
    assert not F.passes_filters(Chem.MolFromSmiles("CC[N+](C)(C)C"))  # charge
    assert not F.passes_filters(Chem.MolFromSmiles("CCP"))  # P is not an allowed atom
    assert not F.passes_filters(Chem.MolFromSmiles("CC=O"))  # aldehyde (MCF7)


def test_qed_with_shared_properties_equals_rdkit_qed():
    for s in SCREEN_SET:
        mol = Chem.MolFromSmiles(s)
        assert P.qed(mol, P.logp(mol), P.weight(mol)) == pytest.approx(QED.qed(mol), abs=1e-12), s
        assert P.qed(Chem.AddHs(mol)) == pytest.approx(QED.qed(mol), abs=1e-12), s


def canonical(smiles):
    return [Chem.MolToSmiles(Chem.MolFromSmiles(s)) for s in smiles]


def test_identical_sets_score_as_a_perfect_model():
    # MOSES compares canonical samples with the training strings as stored (its data are canonical)
    got = evaluate(FakeTask(test=DRUGS, testsf=DRUGS, train=canonical(DRUGS)), DRUGS)
    assert got["validity"] == 1.0 and got["unique_1k"] == 1.0 and got["novelty"] == 0.0
    for split in ("test", "testsf"):
        assert got[f"snn_{split}"] == pytest.approx(1.0)
        assert got[f"frag_{split}"] == pytest.approx(1.0)
        assert got[f"scaf_{split}"] == pytest.approx(1.0)
    for prop in ("logp", "sa", "qed", "weight"):
        assert got[f"{prop}_w1"] == pytest.approx(0.0, abs=1e-12)


def test_disjoint_sets():
    gen = ["CCO", "CCCO", "CCCCO"]  # no rings: no scaffold, no shared fragments with ring systems
    ref = ["c1ccc2ccccc2c1", "c1ccc(-c2ccccc2)cc1"]
    got = evaluate(FakeTask(test=ref, train=ref), gen)
    assert got["novelty"] == 1.0
    assert math.isnan(got["scaf_test"])  # MOSES: cosine of an empty count vector is NaN
    assert got["frag_test"] == 0.0
    assert got["snn_test"] < 0.2


def test_duplicates_are_weighted_like_moses_keeps_them():
    gen = ["CCO", "OCC", "CCO", "c1ccccc1O", "bad", ""]
    got = evaluate(FakeTask(test=DRUGS, train=["CCO"]), gen)
    assert got["validity"] == 4 / 6
    assert got["unique_1k"] == 2 / 4  # canonical: CCO x3, Oc1ccccc1
    assert got["novelty"] == 1 / 2
    # IntDiv over the 4 valid samples with their duplicates (self-pairs included)
    fps = _fps(["CCO", "CCO", "CCO", "Oc1ccccc1"])
    sims = np.array([DataStructs.BulkTanimotoSimilarity(x, fps) for x in fps])
    assert got["intdiv"] == pytest.approx(1 - sims.mean(), abs=1e-7)
    assert got["intdiv2"] == pytest.approx(1 - np.sqrt((sims ** 2).mean(axis=1)).mean(), abs=1e-7)


def test_cosine_similarity_in_float64():
    big = {"a": 3_000_000_000, "b": 4_000_000_000}  # int64 dot products overflow; floats do not
    assert cosine_similarity(big, {"a": 3.0, "b": 4.0}) == pytest.approx(1.0)
    assert math.isnan(cosine_similarity({}, {"a": 1}))


def test_no_valid_samples_give_nan_not_a_crash():
    got = evaluate(FakeTask(test=DRUGS, train=DRUGS), ["", "xyz", "C1CC"])
    assert got["validity"] == 0.0
    assert all(math.isnan(got[k]) for k in ("filters", "intdiv", "snn_test", "logp_w1", "novelty"))


def test_smiles_index_membership_with_repeats_and_through_its_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GANBENCH_CACHE", str(tmp_path))
    train = ["CCO", "c1ccccc1", "CCO", "CCN", "c1ccccc1"]
    built = SmilesIndex.build(train)
    assert built.size == 5 and len(built.hashes) == 3 and np.all(np.diff(built.hashes.astype(np.float64)) > 0)
    query = ["CCN", "CCC", "c1ccccc1", "", "CCO"]
    assert built.contains(query).tolist() == [True, False, True, False, True]
    loads = []
    first = SmilesIndex.cached(tmp_path / "train.csv", "k" * 16, lambda: loads.append(1) or train)
    again = SmilesIndex.cached(tmp_path / "train.csv", "k" * 16, lambda: loads.append(1) or train)
    assert loads == [1]  # the second one came from the cache
    assert first.contains(query).tolist() == again.contains(query).tolist() == built.contains(query).tolist()
    assert SmilesIndex.build([]).contains(["C"]).tolist() == [False]
