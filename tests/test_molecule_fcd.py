"""Our ChemNet forward pass against the ``fcd`` package (same weights, same input), and tokenizers
against the two reference tools' rules (fcd_torch for MOSES, fcd for GuacaMol)."""

import numpy as np
import pytest

fcd = pytest.importorskip("fcd")
pytest.importorskip("rdkit")

from ganbench.domains.molecule import chemnet as C  # noqa: E402
from ganbench.metrics.frechet import frechet_distance  # noqa: E402

SMILES = ["CC(=O)Oc1ccccc1C(=O)O", "CN1C=NC2=C1C(=O)N(C(=O)N2C)C", "CC(C)Cc1ccc(cc1)C(C)C(=O)O",
          "COc1ccc2[nH]cc(CCNC(C)=O)c2c1", "O=C(O)c1ccccc1O", "c1ccc2c(c1)ccc1ccccc12", "CCN(CC)CCNC(=O)c1ccc(N)cc1",
          "Clc1ccc(cc1)C(c1ccccc1)N1CCN(CC1)CCOCC(=O)O", "CC1=CC(=O)c2ccccc2C1=O", "OC1CCCCC1", "NC(=O)c1cccnc1",
          "Brc1ccc(Cl)cc1[Si](C)(C)C", "C", "CCO.Cl"]


def test_activations_equal_the_fcd_package():
    model = fcd.load_ref_model()
    ref = fcd.get_predictions(model, SMILES, device="cpu")
    ours = C.fcd_package_activations(SMILES, batch=5)  # several batches, mixed lengths
    np.testing.assert_allclose(ours, ref, atol=2e-5, rtol=0)


def test_fcd_value_equals_fcd_get_fcd():
    a, b = SMILES[:8], SMILES[5:]
    want = fcd.get_fcd(a, b, device="cpu")
    mu1, s1 = C.weighted_moments(C.fcd_package_activations(a))
    mu2, s2 = C.weighted_moments(C.fcd_package_activations(b))
    assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(want, rel=1e-4)


def test_long_smiles_pad_the_whole_list_like_fcd():
    long = "C" * 400  # longer than 350: fcd pads every SMILES of the list to 401
    model = fcd.load_ref_model()
    with pytest.warns(UserWarning):
        ref = fcd.get_predictions(model, [SMILES[0], long], device="cpu")
    np.testing.assert_allclose(C.fcd_package_activations([SMILES[0], long]), ref, atol=2e-5, rtol=0)


def test_duplicates_weighted_equal_repeated_rows():
    act = C.fcd_package_activations(SMILES[:4])
    w = np.array([1, 3, 1, 2])
    mu, sigma = C.weighted_moments(act, w)
    rep = np.repeat(act, w, axis=0).astype(np.float64)
    np.testing.assert_allclose(mu, rep.mean(axis=0), atol=1e-9)
    np.testing.assert_allclose(sigma, np.cov(rep.T), atol=1e-9)


def test_tokenizers_follow_each_reference_tool():
    idx = C.INDEX
    # fcd_torch (MOSES): a letter followed by r/i/l makes one two-letter symbol; reading stops at '.'
    assert C.tokens_moses("CCl") == [idx["C"], idx["Cl"], idx["."]]
    assert C.tokens_moses("[Li]") == [idx["["], C.UNK, idx["]"], idx["."]]  # 'Li' is one unknown symbol
    assert C.tokens_moses("CCO.Cl") == [idx["C"], idx["C"], idx["O"], idx["."]]
    assert len(C.tokens_moses("C" * 500)) == 350 and C.tokens_moses("C" * 500)[-1] == idx["."]
    # fcd (GuacaMol): regex over the vocabulary, longest first; '.' is an ordinary symbol
    assert C.tokens_fcd("CCl") == [idx["C"], idx["Cl"], idx["."]]
    assert C.tokens_fcd("[Li]") == [idx["["], C.UNK, C.UNK, idx["]"], idx["."]]
    assert C.tokens_fcd("CCO.Cl") == [idx["C"], idx["C"], idx["O"], idx["."], idx["Cl"], idx["."]]
    from fcd.utils import tokenize as fcd_tokenize

    for s in SMILES + ["[Li]", "C[Se]C", "c1ccc[nH]1"]:
        assert C.tokens_fcd(s)[:-1] == [idx.get(t, C.UNK) for t in fcd_tokenize(s)]
