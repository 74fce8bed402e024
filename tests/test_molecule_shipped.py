"""The MOSES reference statistics that ship with ganbench (domains/molecule/shipped.py).

The installed file: its pinned checksum, shapes and provenance, and FCD moments equal bit for bit
to those ReferenceSet computed from the full splits (their SHA-256 digests, recorded from the
cache files when the file was built). A tampered file is refused. The rest runs on a tiny
synthetic reference (two split files of a dozen molecules in a tmp folder) with a shipped file
written by the same builder: numbers taken from it equal freshly computed ones bit for bit (FCD,
SNN/Frag/Scaf, property distances), and ``ganbench cache verify`` passes on it and fails on a
file whose numbers were changed.
"""

import gzip
import hashlib
import io
import json
import warnings

import numpy as np
import pytest

pytest.importorskip("rdkit")
pytest.importorskip("numba")

from ganbench.cli import main  # noqa: E402
from ganbench.core.data import DataFile, DataLocator  # noqa: E402
from ganbench.domains.molecule import shipped as S  # noqa: E402
from ganbench.domains.molecule.features import moses_table, parallel_map  # noqa: E402
from ganbench.domains.molecule.metrics import MoleculeReferences, MosesFCD, MosesReference, SmilesSamples  # noqa: E402
from ganbench.domains.molecule.moses_data import TEST, TEST_SF  # noqa: E402
from ganbench.domains.molecule.refstats import ReferenceSet, reference_fingerprints  # noqa: E402
from ganbench.engine.refcache import ReferenceCache  # noqa: E402
from ganbench.metrics.frechet import frechet_distance  # noqa: E402

# SHA-256 of the float64 bytes of (mu, sigma) in the cache entries ReferenceSet.fcd_moments wrote for
# the full splits (moses-test-vd4b13e87565142fe-chemnet-fcd~062f7513ef304d99.npz, SHA-256 2ec74306…;
# moses-testsf-vc7ea1f950fc55035-chemnet-fcd~fefcf1414d3b0d9c.npz, 416cceb6…), read from those files.
COMPUTED_DIGEST = {"test": "2147ddc0656c57de1bb7ac5b26574d67cc0b8285241dd66de5d0927e45ca9d35",
                   "testsf": "e830a07eb986d5b70be90af8474e61926d73ebf76a691f34ff4afbd8694799f3"}

TINY_TEST = ["CC(=O)Oc1ccccc1C(=O)O", "CN1C=NC2=C1C(=O)N(C(=O)N2C)C", "CC(C)Cc1ccc(cc1)C(C)C(=O)O",
             "COc1ccc2[nH]cc(CCNC(C)=O)c2c1", "O=C(O)c1ccccc1O", "c1ccc2c(c1)ccc1ccccc12", "CCN(CC)CCNC(=O)c1ccc(N)cc1",
             "Clc1ccc(cc1)C(c1ccccc1)N1CCN(CC1)CCOCC(=O)O", "CC1=CC(=O)c2ccccc2C1=O", "OC1CCCCC1", "NC(=O)c1cccnc1",
             "Oc1ccccc1-c1cccc2cnccc12", "C1CC"]  # the last one does not parse: an invalid reference string
TINY_TESTSF = ["COc1cccc(NC(=O)Cc2coc3ccc(OC)cc23)c1", "Cc1noc(C)c1CN(C)C(=O)Nc1cc(F)cc(F)c1", "c1ccc2ccccc2c1",
               "Cc1nc(NCc2ccccc2)no1-c1ccccc1", "O=C1CCCN1", "CCOC(=O)c1ccc(N)cc1", "c1ccc2ccccc2c1"]  # an invalid, a repeat
SAMPLES = ["CCO", "Oc1ccccc1-c1cccc2cnccc12", "CC(=O)Nc1ccc(O)cc1", "c1ccccc1", "CCN(CC)CC", "C1=CC=CN=C1", "OCC(O)CO",
           "CC(C)Cc1ccc(cc1)C(C)C(=O)O", "not a smiles"]


# -- the installed file ------------------------------------------------------------------------------
def test_installed_file_matches_its_pin_and_has_the_expected_shapes():
    assert S.MOSES.file_sha256() == S.MOSES_SHA256
    assert S.MOSES_PATH.stat().st_size < 5_000_000  # the repository's limit on a tracked file
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a pinned, matching file loads without a warning
        provenance, arrays = S.MOSES.contents
    assert provenance["format"] == S.FORMAT and provenance["name"] == "molecule/moses"
    assert provenance["rdkit_series"] == S.release_series(provenance["rdkit"])
    assert provenance["chemnet"]["file"] == "ChemNet_v0.13_pretrained.pt" and len(provenance["chemnet"]["sha256"]) == 64
    sizes = {"test": 176_074, "testsf": 176_225}
    for split, data in (("test", TEST), ("testsf", TEST_SF)):
        entry = provenance["splits"][split]
        assert (entry["data_file"], entry["sha256"]) == (data.relpath, data.sha256)  # moses_data's pins
        assert entry["n_smiles"] == entry["fcd_n"] == sizes[split]
        assert entry["statistics"] == (["fcd", "counts", "properties"] if split == "test" else ["fcd", "counts"])
        mu, tri = arrays[f"{split}/fcd_mu"], arrays[f"{split}/fcd_sigma_triu"]
        assert mu.dtype == tri.dtype == np.float64 and mu.shape == (512,) and tri.shape == (512 * 513 // 2,)
        sigma = S.from_triu(tri, 512)
        assert np.array_equal(sigma, sigma.T) and np.all(np.linalg.eigvalsh(sigma) > -1e-10)
        for kind in ("fragments", "scaffolds"):
            counts = arrays[f"{split}/{kind}_counts"]
            assert counts.dtype == np.int64 and counts.min() >= 1
            assert len(S.decode_strings(arrays[f"{split}/{kind}_keys"], len(counts))) == len(counts)
        if split == "test":
            for p in ("logp", "sa", "qed", "weight"):
                v = arrays[f"{split}/{p}"]
                assert v.dtype == np.float64 and len(v) == entry["n_rows"] and np.all(np.diff(v) >= 0)
    assert "properties" not in provenance["splits"]["testsf"]["statistics"]  # MOSES compares properties with Test only


def test_installed_fcd_moments_are_the_computed_ones_bit_for_bit():
    provenance, arrays = S.MOSES.read()
    for split, digest in COMPUTED_DIGEST.items():
        mu, sigma = arrays[f"{split}/fcd_mu"], S.from_triu(arrays[f"{split}/fcd_sigma_triu"], 512)
        assert S.moments_digest(mu, sigma) == digest == provenance["splits"][split]["fcd_moments_sha256"]


def test_installed_file_applies_to_the_moses_task_sets_without_their_split_files(tmp_path, monkeypatch):
    """The task's Test set takes the shipped moments (no split file read: none is in this data folder)."""
    pytest.importorskip("fcd")
    monkeypatch.setenv("GANBENCH_CACHE", str(tmp_path / "cache"))
    ref = S.MOSES.reference_set("test", DataLocator(tmp_path / "no-data"))
    mu, sigma = ref.fcd_moments
    _, arrays = S.MOSES.read()
    assert np.array_equal(mu, arrays["test/fcd_mu"]) and S.moments_digest(mu, sigma) == COMPUTED_DIGEST["test"]
    assert ref.size == 176_074 and "smiles" not in ref.__dict__  # never loaded


def test_a_tampered_file_is_refused_with_a_warning_and_never_used(tmp_path):
    data = bytearray(S.MOSES_PATH.read_bytes())
    data[len(data) // 2] ^= 0x01
    (tmp_path / "moses_reference.npz").write_bytes(bytes(data))
    tampered = S.MOSES.with_file(tmp_path / "moses_reference.npz", S.MOSES_SHA256)
    with pytest.warns(RuntimeWarning, match="pinned.*computing them here instead"):
        assert tampered.contents is None
    ref = ReferenceSet("moses-test", ["CCO"], key=TEST.sha256, shipped=tampered.split("test"))
    assert ref.from_shipped is None  # computed, not read from the damaged file
    missing = S.MOSES.with_file(tmp_path / "absent.npz", S.MOSES_SHA256)
    with pytest.warns(RuntimeWarning, match="missing"):
        assert missing.contents is None


# -- a tiny synthetic reference with its own shipped file -------------------------------------------
def _write_split(path, smiles):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(("SMILES\n" + "\n".join(smiles) + "\n").encode()))
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """(recipe with an unpinned file, the pinned one, data locator, build cache) of a tiny reference."""
    root = tmp_path_factory.mktemp("tiny")
    data = root / "data"
    splits = (S.ShippedSplit("test", "tiny-test", DataFile("tiny/test.csv.gz", _write_split(data / "tiny/test.csv.gz", TINY_TEST)), True),
              S.ShippedSplit("testsf", "tiny-testsf",
                             DataFile("tiny/testsf.csv.gz", _write_split(data / "tiny/testsf.csv.gz", TINY_TESTSF)), False))
    recipe = S.ShippedReferences("tiny", root / "tiny.npz", None, splits)
    locator = DataLocator(data)
    sha = recipe.build(root / "tiny.npz", locator, root / "build-cache" / "refstats", n_jobs=1, note="test")
    return recipe, recipe.with_file(root / "tiny.npz", sha), locator, root / "build-cache" / "refstats"


class _Task:
    def __init__(self, splits):
        self.references = MoleculeReferences(splits)


def _evaluate(splits, family):
    f = family(_Task(splits), threads=1, n_jobs=1)
    f.update(SmilesSamples(SAMPLES))
    return {k: v.value for k, v in f.compute().items()}


def _sets(shipped, locator, cache_root, use_shipped):
    sets = {}
    for r in shipped.splits:
        s = shipped.reference_set(r.split, locator, use_shipped=use_shipped, n_jobs=1)
        s.cache = ReferenceCache(cache_root)
        sets[r.split] = s
    return sets


def test_fcd_with_shipped_moments_equals_fcd_with_freshly_cached_moments(tiny, tmp_path, monkeypatch):
    pytest.importorskip("fcd")
    _, pinned, locator, build_cache = tiny
    computed = _sets(pinned, locator, build_cache, use_shipped=False)  # the entries the file was built from
    shipped = _sets(pinned, locator, tmp_path / "empty", use_shipped=True)
    import ganbench.domains.molecule.refstats as refstats

    def no_chemnet(chunk):  # the shipped path never canonicalises a reference for ChemNet
        raise AssertionError("recomputed")

    monkeypatch.setattr(refstats, "_canonical_chunk", no_chemnet)
    for split in ("test", "testsf"):
        assert shipped[split].from_shipped is not None and shipped[split].key != computed[split].key
        for a, b in zip(shipped[split].fcd_moments, computed[split].fcd_moments):
            assert a.dtype == np.float64 and np.array_equal(a, b)
    got, want = _evaluate(shipped, MosesFCD), _evaluate(computed, MosesFCD)
    assert got == want and np.isfinite(got["fcd_test"]) and got["fcd_test"] > 0
    # and equal to the Fréchet distance of the raw numbers, taken from the file itself
    provenance, arrays = pinned.read()
    mu, sigma = arrays["test/fcd_mu"], S.from_triu(arrays["test/fcd_sigma_triu"], 512)
    assert frechet_distance(mu, sigma, *computed["test"].fcd_moments) == pytest.approx(0.0, abs=1e-9)
    assert provenance["splits"]["test"]["fcd_n"] == len(TINY_TEST) - 1  # the invalid string is not counted


def test_snn_frag_scaf_and_property_distances_with_shipped_counts_equal_computed_ones(tiny, tmp_path):
    _, pinned, locator, build_cache = tiny
    computed = _sets(pinned, locator, build_cache, use_shipped=False)
    shipped = _sets(pinned, locator, tmp_path / "empty", use_shipped=True)
    got, want = _evaluate(shipped, MosesReference), _evaluate(computed, MosesReference)
    assert got == want  # bit for bit: W1 with sorted unit-weight values, the same counts and fingerprints
    assert all(np.isfinite(v) for k, v in got.items() if not k.startswith("scaf"))
    f_ship, f_comp = shipped["test"].features, computed["test"].features
    for k in ("fp_indptr", "fp_bits", "weights", "n_valid"):
        assert np.array_equal(f_ship[k], f_comp[k])
    assert f_ship["fragments"] == f_comp["fragments"] and f_ship["scaffolds"] == f_comp["scaffolds"]
    assert np.array_equal(f_ship["qed"], np.sort(f_comp["qed"]))


def test_a_rebuild_reuses_the_pinned_fcd_moments_bit_for_bit_without_chemnet(tiny, tmp_path, monkeypatch):
    """``--reuse-fcd``: the pinned file's moments become the build cache's entries, so a rebuild that
    adds statistics never re-runs ChemNet; where they do not hold here (another RDKit series) nothing
    is seeded and the builder computes them."""
    pytest.importorskip("fcd")
    _, pinned, locator, build_cache = tiny
    import ganbench.domains.molecule.refstats as refstats

    def no_chemnet(chunk):
        raise AssertionError("recomputed")

    monkeypatch.setattr(refstats, "_canonical_chunk", no_chemnet)
    assert pinned.seed_fcd_cache(locator, tmp_path / "seeded") == ["test", "testsf"]
    seeded = _sets(pinned, locator, tmp_path / "seeded", use_shipped=False)
    computed = _sets(pinned, locator, build_cache, use_shipped=False)
    for split in ("test", "testsf"):
        got, want = seeded[split].fcd_statistics(), computed[split].fcd_statistics()
        assert S.moments_digest(got["mu"], got["sigma"]) == S.moments_digest(want["mu"], want["sigma"])
        assert int(got["n"]) == int(want["n"])
    monkeypatch.setattr(S, "rdkit_version", lambda: "2099.03.1")
    with pytest.warns(RuntimeWarning, match="RDKit 2099.03.1"):
        assert pinned.seed_fcd_cache(locator, tmp_path / "other") == []


def test_reference_fingerprints_are_the_feature_tables_fingerprint_part():
    smiles = TINY_TESTSF + ["C1CC", "", "CCO", "CCO", "OCC"]  # repeats, an invalid and an empty string
    fps = reference_fingerprints(smiles, n_jobs=1)
    table = moses_table(smiles, n_jobs=1, reference=True, properties=False)
    assert np.array_equal(fps["fp_indptr"], table.fp_indptr) and np.array_equal(fps["fp_bits"], table.fp_bits)
    assert np.array_equal(fps["weights"], table.multiplicity)
    assert int(fps["n_valid"]) == table.n_valid and int(fps["n"]) == len(smiles)


def test_shipped_numbers_are_not_used_for_another_rdkit_series_or_split_or_when_switched_off(tiny, monkeypatch):
    _, pinned, locator, _ = tiny
    ref = pinned.reference_set("test", locator, n_jobs=1)
    assert ref.from_shipped is not None and set(ref.from_shipped) >= {"counts", "properties"}
    monkeypatch.setattr(S, "rdkit_version", lambda: "2099.03.1")
    with pytest.warns(RuntimeWarning, match="RDKit 2099.03.1"):
        assert pinned.reference_set("test", locator).from_shipped is None
    monkeypatch.undo()
    other = ReferenceSet("tiny-test", TINY_TEST, key="f" * 64, shipped=pinned.split("test"))
    with pytest.warns(RuntimeWarning, match="split file with SHA-256"):
        assert other.from_shipped is None
    monkeypatch.setenv(S.NO_SHIPPED_ENV, "1")
    assert pinned.reference_set("test", locator).from_shipped is None


def _altered(pinned, out, change):
    """A copy of the tiny file with its numbers changed by ``change(arrays)`` (provenance kept)."""
    with np.load(io.BytesIO(pinned.path.read_bytes()), allow_pickle=False) as z:
        arrays = {k: z[k].copy() for k in z.files}
    change(arrays)
    np.savez_compressed(out, **arrays)
    return out


def test_cache_verify_passes_on_a_faithful_file(tiny, tmp_path, monkeypatch, capsys):
    pytest.importorskip("fcd")
    _, pinned, locator, _ = tiny
    checks = pinned.verify(locator, tmp_path / "work", n_jobs=1)
    assert checks and all(c.passed for c in checks)
    assert any("bit for bit" in c.detail for c in checks if c.what == "test fcd")
    monkeypatch.setattr(S, "SHIPPED", {"tiny": pinned})
    code = main(["cache", "verify", "tiny", "--data-dir", str(locator.roots[0]), "--jobs", "1"])
    out = capsys.readouterr().out
    assert code == 0 and "verify: pass" in out and "testsf scaffolds" in out


@pytest.mark.parametrize("change, failing", [
    (lambda a: a.__setitem__("test/fcd_mu", a["test/fcd_mu"] + 1e-3), "test fcd"),
    (lambda a: a.__setitem__("testsf/fragments_counts", a["testsf/fragments_counts"] + 1), "testsf fragments"),
    (lambda a: a.__setitem__("test/sa", a["test/sa"] * (1 + 1e-6)), "test sa"),
])
def test_cache_verify_fails_on_changed_numbers(tiny, tmp_path, monkeypatch, capsys, change, failing):
    pytest.importorskip("fcd")
    _, pinned, locator, build_cache = tiny
    path = _altered(pinned, tmp_path / "altered.npz", change)
    checks = pinned.with_file(path).verify(locator, build_cache, n_jobs=1)  # the build's own entries: no recomputation
    assert [c.what for c in checks if not c.passed] == [failing]
    monkeypatch.setattr(S, "SHIPPED", {"tiny": pinned})
    code = main(["cache", "verify", "tiny", "--file", str(path), "--work", str(build_cache.parent),
                 "--data-dir", str(locator.roots[0])])
    assert code == 1 and "verify: FAIL (1 of" in capsys.readouterr().out


def test_cache_verify_fails_when_the_file_is_not_the_pinned_one(tiny, tmp_path):
    _, pinned, locator, build_cache = tiny
    def renote(arrays):  # other bytes, the same numbers
        provenance = json.loads(str(arrays["provenance"]))
        arrays["provenance"] = np.array(json.dumps({**provenance, "note": "edited"}, sort_keys=True))

    path = _altered(pinned, tmp_path / "same-numbers.npz", renote)
    checks = pinned.with_file(path, pinned.sha256).verify(locator, build_cache, statistics=("counts",), n_jobs=1)
    assert [c.what for c in checks if not c.passed] == ["file"]


def test_cache_command_shows_where_the_cache_is_and_the_shipped_file(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("GANBENCH_CACHE", str(tmp_path))
    (tmp_path / "refstats").mkdir()
    (tmp_path / "refstats" / "x.npz").write_bytes(b"0" * 2_000_000)
    assert main(["cache"]) == 0
    out = capsys.readouterr().out
    assert f"cache: {tmp_path} ($GANBENCH_CACHE)" in out and "refstats" in out and "2.0 MB" in out
    assert "shipped: molecule/moses" in out and "SHA-256 as pinned" in out
    assert main(["cache", "verify", "molecule/nope"]) == 2


def test_builder_stores_strings_and_triangles_losslessly():
    keys = ["C1=CC=CC=C1", "[NH3+]CC(=O)[O-]", "c1ccc2[nH]ccc2c1", "é"]
    assert S.decode_strings(S.encode_strings(keys), len(keys)) == keys
    assert S.decode_strings(S.encode_strings([]), 0) == []
    a = np.random.default_rng(0).normal(size=(7, 7))
    sigma = a @ a.T
    assert np.array_equal(S.from_triu(S.triu(sigma), 7), sigma)
    with pytest.raises(ValueError, match="not symmetric"):
        S.triu(a)


def test_progress_is_reported_for_every_item():
    seen = []
    out = parallel_map(lambda chunk: [x * 2 for x in chunk], list(range(1000)), n_jobs=1, chunk=64, progress=seen.append)
    assert out == [2 * x for x in range(1000)] and sum(seen) == 1000 and len(seen) == 16
    pytest.importorskip("fcd")
    from ganbench.domains.molecule.chemnet import moses_activations

    counted = []
    act = moses_activations(TINY_TESTSF, batch=3, progress=counted.append)
    assert act.shape == (len(TINY_TESTSF), 512) and counted == [3, 3, 1]


def test_provenance_is_json_without_pickle(tiny):
    _, pinned, _, _ = tiny
    with np.load(pinned.path, allow_pickle=False) as z:
        assert all(z[k].dtype != object for k in z.files)
        provenance = json.loads(str(z["provenance"]))
    from rdkit import Chem

    valid = [s for s in TINY_TESTSF if Chem.MolFromSmiles(s) is not None]  # "…no1-c1…": pentavalent O, invalid
    assert (provenance["splits"]["testsf"]["n_rows"], provenance["splits"]["testsf"]["n_valid"]) == (len(set(valid)), len(valid))
