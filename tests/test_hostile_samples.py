"""Bounded work on hostile samples: every metric path given a huge line, binary or NaN/inf rows
counts and reports what it got (or refuses it with one line), never crashes, hangs or scores it
silently.

Per domain (see the docstrings of each module):
* molecules: a SMILES over the size bound or holding binary is invalid before RDKit sees it
  (``domains/molecule/bounds.py``), counted as ``too_long`` / ``binary``; the report's drawer
  skips what it cannot draw in time;
* toy points: NaN/inf rows are samples near no mode, never high quality, counted as ``nonfinite``;
* images: NaN/inf in a user's array is an input error; a generator's NaN images are counted;
* text: non-UTF-8 is an input error; control characters are unknown words; a line far longer
  than any sentence of the task is an input error naming the line.
"""

import json
import os
import subprocess
import sys
import time
import warnings

import numpy as np
import pytest
import torch

from ganbench.core.errors import UserError
from ganbench.tasks import TASKS

HUGE = "C" * 2_000_000  # ran RDKit for minutes
CHAIN = "C" * 20_000  # segfaulted RDKit inside `ganbench eval` (exit 139)


@pytest.fixture
def rdkit_spy(monkeypatch):
    """Every string handed to RDKit's SMILES parser, by length."""
    Chem = pytest.importorskip("rdkit.Chem")
    seen = []
    real = Chem.MolFromSmiles

    def spy(smiles, *args, **kwargs):
        seen.append(len(smiles))
        return real(smiles, *args, **kwargs)

    monkeypatch.setattr(Chem, "MolFromSmiles", spy)
    return seen


# --- molecules: the bound --------------------------------------------------------------------------
def test_screen_at_the_bounds():
    from ganbench.domains.molecule.bounds import BINARY, MAX_ATOMS, MAX_CHARS, TOO_LONG, screen

    assert screen("C" * MAX_ATOMS) is None and screen("C" * (MAX_ATOMS + 1)) == TOO_LONG  # atoms
    within = "C(=O)" * (MAX_CHARS // 5)  # MAX_CHARS characters, 2 atoms in every 5
    assert len(within) == MAX_CHARS and screen(within) is None
    assert screen(within + "C") == TOO_LONG and screen(HUGE) == TOO_LONG  # characters
    assert screen("[nH]" * (MAX_ATOMS + 1)) == TOO_LONG  # bracket atoms count once each
    for binary in ("C\u00e9", "CC\ufffdO", "C\x00C", "CC\x7f", "C\nC"):
        assert screen(binary) == BINARY, repr(binary)
    assert screen("CCO ethanol") is None and screen("CCO\tethanol") is None  # RDKit's name convention stays


def test_atom_count_agrees_with_rdkit_on_moses():
    """The RDKit-free atom count is RDKit's on real molecules (an independent reference)."""
    Chem = pytest.importorskip("rdkit.Chem")
    from ganbench.domains.molecule.bounds import count_atoms
    from ganbench.domains.molecule.moses_data import read_small_split

    smiles = read_small_split("test")[:2000]
    ours = np.array([count_atoms(s) for s in smiles])
    rdkit = np.array([Chem.MolFromSmiles(s).GetNumAtoms() for s in smiles])
    plain_h = np.array(["[H]" in s for s in smiles])  # RDKit folds an explicit [H] into its neighbour
    assert (ours >= rdkit).all() and (ours[~plain_h] == rdkit[~plain_h]).all() and plain_h.sum() < 10


def test_bound_is_far_above_every_moses_molecule_and_every_generated_one():
    from ganbench.domains.molecule.bounds import MAX_ATOMS, MAX_CHARS, count_atoms
    from ganbench.domains.molecule.moses_data import read_small_split
    from ganbench.domains.molecule.task import MOSES_TOKENS, SmilesTask

    for split in ("train", "test", "test_scaffolds"):
        smiles = read_small_split(split)
        assert max(map(len, smiles)) * 5 < MAX_CHARS and max(map(count_atoms, smiles)) * 5 < MAX_ATOMS
    # a generator emits at most max_len - 1 tokens of the vocabulary: never near the bound
    longest = max(len(t) for t in MOSES_TOKENS) * (SmilesTask.max_len - 1)
    assert longest < MAX_CHARS and SmilesTask.max_len - 1 < MAX_ATOMS


def test_parsers_refuse_before_rdkit(rdkit_spy):
    from ganbench.domains.molecule.bounds import MAX_CHARS
    from ganbench.domains.molecule.features import _guacamol_record
    from ganbench.domains.molecule.guacamol import _canonical
    from ganbench.domains.molecule.molecules import canonical_smiles, get_mol, parse_canonical
    from ganbench.domains.molecule.organ import chemistry_score

    t0 = time.perf_counter()
    for s in (HUGE, CHAIN, "C\u00e9"):
        assert get_mol(s) is None and canonical_smiles(s) is None and parse_canonical(s) == (None, None, None)
        assert chemistry_score(s, "validity") == 0.0 and chemistry_score(s, "qed") == 0.0  # ORGAN's reward
        assert _canonical(s) is None and _guacamol_record(s) is None
    assert time.perf_counter() - t0 < 1.0
    assert not rdkit_spy  # RDKit saw none of them
    assert get_mol("CCO") is not None and chemistry_score("CCO", "validity") == 1.0
    assert rdkit_spy and max(rdkit_spy) <= MAX_CHARS


def test_feature_table_counts_screened_samples(rdkit_spy):
    from ganbench.domains.molecule.features import moses_table

    table = moses_table(["CCO", CHAIN, "C\u00e9", "", None, "c1ccccc1", HUGE, "CCO"], n_jobs=1)
    assert table.valid.tolist() == [True, False, False, False, False, True, False, True]
    assert table.screened == {"too_long": 2, "binary": 1} and table.n_valid == 3
    assert max(rdkit_spy) < 100


def test_metric_details_report_the_counts():
    from ganbench.engine.evaluator import evaluate_samples

    task = TASKS.get("molecule/moses-small")()
    samples = task.as_samples(["CCO", CHAIN, "c1ccccc1", HUGE, "C\u00e9", "not a smiles"])
    values = evaluate_samples(task, samples, ["validity", "unique_1k", "filters", "intdiv"])
    assert values["validity"].value == pytest.approx(2 / 6)
    for v in values.values():  # under "run": per-run counts, which do not split a table's columns
        assert v.details["run"]["too_long"] == 2 and v.details["run"]["binary"] == 1
        assert "too_long" not in v.details


@pytest.mark.parametrize("family", ["metrics:MosesReference", "metrics:MosesFCD", "guacamol:GuacamolMetrics"])
def test_every_molecule_family_reports_the_counts(family):
    import importlib

    from ganbench.domains.molecule.metrics import MoleculeReferences, SmilesSamples

    module, cls = family.split(":")
    task = TASKS.get("molecule/moses-small")()
    task.references = MoleculeReferences(splits={})  # no reference sets: nothing slow to build
    fam = getattr(importlib.import_module(f"ganbench.domains.molecule.{module}"), cls)(task)
    fam.update(SmilesSamples(["CCO", HUGE, "\x00"]))
    values = fam.compute()  # without references: NaN with the reason, and still the counts
    assert values and all(v.details["run"]["too_long"] == 1 and v.details["run"]["binary"] == 1 for v in values.values())


def test_cli_eval_of_hostile_smiles_exits_0_fast(tmp_path):
    """Both lines through `ganbench eval` in a fresh process: it used to die with exit 139 (the
    20,000-atom chain) or run for minutes (the 2,000,000-character line)."""
    pytest.importorskip("rdkit")
    f = tmp_path / "hostile.smi"
    f.write_bytes(b"CCO\n" + CHAIN.encode() + b"\nc1ccccc1\n" + HUGE.encode() + b"\n\xff\xfe\x00binary\n")
    cmd = [sys.executable, "-m", "ganbench.cli", "eval", "molecule/moses-small", "--samples", str(f),
           "--metrics", "validity,unique_1k,novelty,filters,intdiv"]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)
    took = time.perf_counter() - t0
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    out = json.loads(proc.stdout)["metrics"]
    assert out["validity"]["value"] == pytest.approx(2 / 5)
    assert out["validity"]["run"]["too_long"] == 2 and out["validity"]["run"]["binary"] == 1
    assert out["novelty"]["run"]["too_long"] == 2
    assert took < 120, f"took {took:.0f} s"


# --- molecules: the drawing in the report ----------------------------------------------------------
def test_drawer_skips_what_it_cannot_draw(rdkit_spy):
    from ganbench.domains.molecule.bounds import MAX_CHARS
    from ganbench.domains.molecule.drawing import DRAW_MAX_ATOMS, drawable, molecules_png

    t0 = time.perf_counter()
    png = molecules_png([HUGE, CHAIN, "C" * (DRAW_MAX_ATOMS + 1), "\x00\x01", "CCO", "c1ccccc1"])
    assert png is not None and png.startswith(b"\x89PNG")
    assert time.perf_counter() - t0 < 10
    assert max(rdkit_spy) <= MAX_CHARS  # the huge lines were never parsed
    assert drawable("C" * (DRAW_MAX_ATOMS + 1)) is None and drawable("C" * DRAW_MAX_ATOMS) is not None
    assert molecules_png([HUGE, CHAIN]) is None  # nothing drawable: no picture
    assert molecules_png(["CCO"] * 5, seconds=-1) is None  # the time budget is checked before each molecule


def _card(tmp_path, lines: bytes):
    from ganbench.domains import domain_of
    from ganbench.reporting.html import _sample_card

    (tmp_path / "run").mkdir(exist_ok=True)
    (tmp_path / "run" / "samples.smi").write_bytes(lines)
    rec = {"_path": str(tmp_path / "run.json"), "seed": 0, "artifacts": {"samples": "run/samples.smi"}}
    return _sample_card("mle", rec, domain_of("molecule/moses"))


def test_report_card_with_a_huge_line_is_drawn_in_time(tmp_path):
    pytest.importorskip("rdkit")
    t0 = time.perf_counter()
    card = _card(tmp_path, HUGE.encode() + b"\n" + CHAIN.encode() + b"\nCCO\nc1ccccc1\n")
    assert time.perf_counter() - t0 < 15
    assert 'alt="molecules generated by mle"' in card and "c1ccccc1" in card


def test_report_card_survives_a_failing_drawer(tmp_path, monkeypatch):
    from ganbench.domains.molecule import drawing

    def broken(lines):
        raise RuntimeError("drawing backend exploded")

    monkeypatch.setattr(drawing, "molecules_png", broken)
    card = _card(tmp_path, b"CCO\n")
    assert "molecules not drawn: RuntimeError" in card and "CCO" in card


# --- toy points ------------------------------------------------------------------------------------
def _hostile_points(task, n=400):
    pts = task.reference_samples(n).copy()
    pts[:7] = np.nan
    pts[7:10, 0] = np.inf
    pts[10, 1] = -np.inf
    pts[11] = [1e200, -1e200]  # finite, but its squared distance overflows
    return pts


def _reference_toy(pts, means, sigma):
    """Written out independently: SciPy distances of the finite rows; non-finite rows never count."""
    from scipy.spatial.distance import cdist

    finite = ~(np.isnan(pts) | np.isinf(pts)).any(axis=1)
    with np.errstate(over="ignore"):
        d = cdist(pts[finite], means)
    hq = d.min(axis=1) < 3 * sigma
    counts = np.bincount(d.argmin(axis=1)[hq], minlength=len(means))
    return 100.0 * hq.sum() / len(pts), int((counts > 0).sum()), int((~finite).sum())


def test_toy_nonfinite_rows_are_counted_not_scored(tmp_path):
    import ganbench
    from ganbench.engine.evaluator import evaluate_batches

    task = TASKS.get("toy/ring8")()
    pts = _hostile_points(task)
    hq, covered, nonfinite = _reference_toy(pts, task.means(), task.sigma)
    assert nonfinite == 11
    np.save(tmp_path / "pts.npy", pts)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow / invalid-value warnings either
        for source in (pts, str(tmp_path / "pts.npy")):
            s = ganbench.evaluate(task, source)
            assert s["high_quality"] == pytest.approx(hq, rel=1e-12) and s["modes_covered"] == covered
            assert all(d["run"]["nonfinite"] == 11 and d["n_samples"] == 400 for d in s.details.values())
        streamed = evaluate_batches(task, [pts[i:i + 7] for i in range(0, len(pts), 7)])
    assert streamed["high_quality"].details["run"]["nonfinite"] == 11
    assert streamed["high_quality"].value == pytest.approx(hq, rel=1e-12)


def test_toy_refuses_what_is_not_points(tmp_path):
    task = TASKS.get("toy/ring8")()
    (tmp_path / "bin.csv").write_bytes(bytes(range(256)) * 20)
    (tmp_path / "huge.txt").write_text(" ".join(["1.0"] * 200_000) + "\n")
    np.save(tmp_path / "complex.npy", np.ones((5, 2), dtype=complex))
    t0 = time.perf_counter()
    for name, match in (("bin.csv", "cannot read|not UTF-8 text"), ("huge.txt", "N×2"), ("complex.npy", "real numbers")):
        with pytest.raises(UserError, match=match):
            task.load_samples(tmp_path / name)
    assert time.perf_counter() - t0 < 10


# --- images ----------------------------------------------------------------------------------------
def test_user_images_with_nan_or_inf_are_an_input_error(tmp_path):
    task = TASKS.get("image/digits")()
    x = np.random.default_rng(0).random((20, 8, 8)).astype(np.float32)
    cases = {"nan": (np.nan, "contains NaN \\(1 of 20"), "inf": (np.inf, "contains infinite values"),
             "allnan": (None, "contains NaN \\(20 of 20")}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "All-NaN slice" used to leak out
        for name, (value, match) in cases.items():
            y = x.copy()
            if value is None:
                y[:] = np.nan
            else:
                y[3, 2, 1] = value
            np.save(tmp_path / f"{name}.npy", y)
            with pytest.raises(UserError, match=match):
                task.load_samples(tmp_path / f"{name}.npy")
            with pytest.raises(UserError, match=match):
                task.as_samples(torch.from_numpy(y))
    (tmp_path / "bin.npy").write_bytes(os.urandom(4096))
    with pytest.raises(UserError, match="cannot read"):
        task.load_samples(tmp_path / "bin.npy")


class _Projection:
    """A tiny fixed feature extractor (as tests/test_streaming.py uses): no network, no cache."""

    name, details = "test-projection", {}

    def __init__(self):
        rng = np.random.default_rng(0)
        self.w, self.v = rng.normal(size=(64, 16)).astype(np.float32), rng.normal(size=(16, 10)).astype(np.float32)

    def __call__(self, images):
        f = np.maximum(np.asarray(images, dtype=np.float32).reshape(len(images), -1) / 255.0 @ self.w, 0)
        return f, f @ self.v


def test_generator_nan_images_are_recorded(monkeypatch):
    from ganbench.domains.image import features
    from ganbench.engine.evaluator import evaluate_batches

    monkeypatch.setattr(features, "build_extractor", lambda *a, **k: _Projection())
    task = TASKS.get("image/digits")()
    raw = torch.rand(30, 1, 8, 8) * 2 - 1
    raw[0, 0, 0, 0] = float("nan")
    raw[1] = float("inf")
    raw[2, 0, 3] = -float("inf")
    images = task.decode(raw)
    assert images.nonfinite == 3 and images.dtype == np.uint8 and images.shape == (30, 8, 8, 1)
    assert images[0, 0, 0, 0] == 128 and (images[1] == 255).all() and (images[2, 3] == 0).all()  # defined pixels
    expected = np.rint((raw[3:].numpy() + 1) * 127.5).clip(0, 255).astype(np.uint8).transpose(0, 2, 3, 1)
    assert np.array_equal(np.asarray(images[3:]), expected)  # finite images decode as before
    values = evaluate_batches(task, [task.decode(raw[:13]), task.decode(raw[13:])], ["is"])
    assert values["is"].details["run"] == {"nonfinite": 3}
    clean = evaluate_batches(task, [task.decode(raw[3:])], ["is"])
    assert "run" not in clean["is"].details


# --- text ------------------------------------------------------------------------------------------
@pytest.fixture
def corpus(tmp_path, monkeypatch):
    train, test = tmp_path / "train.txt", tmp_path / "test.txt"
    train.write_text("the cat sat on the mat .\na dog ran .\nthe dog sat .\n")
    test.write_text("the cat ran .\na dog sat on the mat .\n")
    monkeypatch.setenv("GANBENCH_CORPUS_TRAIN", str(train))
    monkeypatch.setenv("GANBENCH_CORPUS_TEST", str(test))
    return TASKS.get("text/corpus")()


def test_text_binary_is_an_input_error_and_control_characters_are_unknown_words(corpus, tmp_path):
    from ganbench.engine.evaluator import evaluate_samples

    (tmp_path / "bin.txt").write_bytes(b"the cat\n\xff\xfe\x00\x81 garbage\n")
    with pytest.raises(UserError, match="not UTF-8"):
        corpus.load_samples(tmp_path / "bin.txt")
    (tmp_path / "ctl.txt").write_bytes(b"the cat sat .\n\x00\x01 \x7f\n")
    samples = corpus.load_samples(tmp_path / "ctl.txt")
    values = evaluate_samples(corpus, samples, ["bleu2", "self_bleu2"])
    assert values["bleu2"].details["unknown_words"] == samples.unknown >= 1
    assert values["bleu2"].details["n_hypotheses"] == 2


def test_text_huge_line_is_refused_with_its_line_number(corpus, tmp_path):
    f = tmp_path / "huge.txt"
    f.write_text("the cat sat .\n" + "a dog ran . " * 200_000 + "\nthe dog sat .\n")
    t0 = time.perf_counter()
    with pytest.raises(UserError, match=r"huge.txt:2 has 800000 words; text/corpus generates at most 7 \(samples may have 70\)"):
        corpus.load_samples(f)
    with pytest.raises(UserError, match="sample 1 has"):
        corpus.as_samples(["the cat", "a dog ran . " * 200_000])
    assert time.perf_counter() - t0 < 10
    limit = corpus.max_sample_words  # the bound itself is accepted
    assert len(corpus.as_samples(["the " * limit])[0]) == limit


def test_oracle_sample_lines_are_checked_before_they_are_parsed(tmp_path):
    task = TASKS.get("text/oracle-tiny")()
    row = " ".join(["1"] * task.max_len)
    cases = {"huge": "1 " * 1_000_000, "binary": "\x00\xff" * 10, "unicode_digits": " ".join(["\u0663"] * task.max_len),
             "nan": " ".join(["nan"] * task.max_len), "range": " ".join([str(task.vocab_size)] * task.max_len)}
    t0 = time.perf_counter()
    for name, line in cases.items():
        f = tmp_path / f"{name}.txt"
        f.write_text(row + "\n" + line + "\n")
        with pytest.raises(UserError, match=f"{name}.txt:2"):
            task.load_samples(f)
    assert time.perf_counter() - t0 < 10


def test_drawing_is_a_small_palette_png_that_keeps_the_element_colours():
    import io

    from PIL import Image

    from ganbench.domains.molecule.drawing import molecules_png

    smiles = ["Clc1ccc(S(=O)(=O)N2CCOCC2)cc1F", "CSc1nnc(N2CCCCC2C(F)(F)F)n1C", "O=C(Nc1ccccc1)c1ccco1"] * 4
    png = molecules_png(smiles)
    img = Image.open(io.BytesIO(png))
    assert img.mode == "P" and img.size == (800, 480)
    rgb = img.convert("RGB")
    colours = {c for _, c in rgb.getcolors(maxcolors=1 << 16)}
    # RDKit's element colours: S yellow (0.8, 0.8, 0), Cl green (0, 0.8, 0), N blue, O red
    def near(target):
        return any(sum(abs(a - b) for a, b in zip(c, target)) < 60 for c in colours)
    assert near((204, 204, 0)) and near((0, 204, 0)) and near((0, 0, 255)) and near((255, 0, 0))
    assert len(png) < 40_000  # the full-colour grid of these 12 molecules is ~3x larger
