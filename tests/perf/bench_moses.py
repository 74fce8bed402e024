"""Speed of the MOSES suite: 30,000 molecules against the full Test/TestSF, ours beside the references.

    python tests/perf/bench_moses.py [--n 30000] [--threads 2] [--reference-sample 1000] [--skip-fcd] [--ref-n N]

The molecules are a fixed random sample of the MOSES test split scored as if generated (their
reference statistics are cached first, so the timed part is what a user pays per evaluation).
For each metric group it prints our wall time, the reference computation's time on the same
molecules, the ratio, and both values; then the total of every metric except FCD (the feature
table, MosesBasic with novelty against the cached index of the 1.6M training SMILES, and
MosesReference); then GuacaMol's KL score on its own 10,000-sample protocol, timed apart.
MOSES itself no longer imports (rdkit.six, pandas, NumPy 2), so the reference side times what MOSES' code does, with the same libraries:

* per-molecule work: MOSES' functions one molecule at a time in one process (get_mol, canonical
  SMILES, Morgan fingerprint, BRICS fragments, scaffold, ``mol_passes_filters`` over all 502
  SMARTS, logP/SA/QED/weight) — timed on ``--reference-sample`` molecules and scaled to n;
* SNN and IntDiv: RDKit ``BulkTanimotoSimilarity`` of each molecule against the reference set
  (the straightforward loop; MOSES' own dense float matmul is slower on a CPU) — timed on a
  sample of queries and scaled to n;
* FCD: the ``fcd`` package's ``get_predictions`` on the same n molecules (the reference
  statistics cached on both sides), and ``fcd.get_fcd(gen, test)``, what that package needs
  without a statistics cache (timed on a sample, scaled).

Scaled timings are labelled "(scaled)". The machine may be shared: timings are wall clock, so
the load average is printed with them.
"""

from __future__ import annotations

import argparse
import os
import random
import time

import numpy as np


def _train_index():
    """The training split's membership index (novelty), cached like the task caches it."""
    from ganbench.domains.molecule.moses_data import TRAIN, SmilesIndex, read_smiles_csv
    from ganbench.core.data import DataLocator

    path = DataLocator().find(TRAIN)
    return SmilesIndex.cached(path, TRAIN.sha256, lambda: read_smiles_csv(path))


def _guacamol_kl(gen, threads):
    """GuacaMol's KL-divergence score on its own protocol (the first 10,000 distinct samples against
    its cached 10k training subset): not part of the MOSES total, whose sample convention differs."""
    from ganbench.domains.molecule.moses_data import TRAIN, read_smiles_csv
    from ganbench.core.data import DataLocator
    from ganbench.domains.molecule import guacamol as G

    path = DataLocator().find(TRAIN)
    ref = G.GuacamolReference(lambda: read_smiles_csv(path), key=TRAIN.sha256, n_jobs=threads)
    ref_desc, ref_nn = ref.kl_stats  # cached once, like Test's statistics

    def score():
        unique = G.sample_rounds(gen, G.N_SAMPLES, 2, G._canonical, unique=True)
        mols = G._distinct([G._canonical(s, isomeric=False) for s in unique])
        desc, nn = G.descriptors_and_nn(mols, threads, threads)
        return float(np.mean([np.exp(-v) for v in G.kl_parts(ref_desc, ref_nn, desc, nn).values()]))

    value, t = _timed(score)
    print(f"{'guacamol_kl (its own 10k protocol)':<34}{t:>9.2f} s   score={value:.4f}  (not in the MOSES total)", flush=True)


def _load(n_jobs, ref_n=0):
    import torch

    from ganbench.domains.molecule.moses_data import TEST, TEST_SF, read_smiles_csv
    from ganbench.core.data import DataLocator
    from ganbench.domains.molecule.refstats import ReferenceSet

    loc = DataLocator()
    test_path, testsf_path = loc.find(TEST), loc.find(TEST_SF)
    torch.set_num_threads(n_jobs)
    if ref_n:  # smoke-testing this script: the first ref_n molecules of each split
        test = ReferenceSet(f"bench-test-{ref_n}", read_smiles_csv(test_path)[:ref_n], n_jobs=n_jobs)
        testsf = ReferenceSet(f"bench-testsf-{ref_n}", read_smiles_csv(testsf_path)[:ref_n], n_jobs=n_jobs,
                              properties=False)
        return test, testsf, read_smiles_csv(test_path)
    test = ReferenceSet("moses-test", lambda: read_smiles_csv(test_path), key=TEST.sha256, n_jobs=n_jobs)
    testsf = ReferenceSet("moses-testsf", lambda: read_smiles_csv(testsf_path), key=TEST_SF.sha256, n_jobs=n_jobs,
                          properties=False)
    return test, testsf, read_smiles_csv(test_path)


def _timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def _row(name, ours, ref, v_ours, v_ref, scaled=False):
    ratio = ref / ours if ours > 0 else float("nan")
    lab = " (scaled)" if scaled else ""
    print(f"{name:<34}{ours:>9.2f} s {ref:>11.2f} s{lab:<9} {ratio:>7.1f}x   ours={v_ours}  ref={v_ref}", flush=True)


def reference_per_molecule(smiles):
    """MOSES' per-molecule functions, one molecule at a time (the reference side)."""
    from rdkit import Chem
    from rdkit.Chem import AllChem, Crippen, Descriptors
    from rdkit.Chem.QED import qed
    from rdkit.Chem.Scaffolds import MurckoScaffold

    from ganbench.domains.molecule.filters import ALLOWED_ATOMS, filter_smarts
    from ganbench.domains.molecule.properties import _sascorer

    patterns = [Chem.MolFromSmarts(s) for s in filter_smarts()]
    sa = _sascorer()
    out = []
    for s in smiles:
        mol = Chem.MolFromSmiles(s)
        can = Chem.MolToSmiles(mol)
        mol = Chem.MolFromSmiles(can)
        fp = AllChem.GetMorganFingerprintAsBitVect(mol, 2, nBits=1024)
        frags = Chem.MolToSmiles(AllChem.FragmentOnBRICSBonds(mol)).split(".")
        scaf = Chem.MolToSmiles(MurckoScaffold.GetScaffoldForMol(mol))
        h = Chem.AddHs(mol)
        ok = (all(len(r) < 8 for r in mol.GetRingInfo().AtomRings())
              and all(a.GetFormalCharge() == 0 and a.GetSymbol() in ALLOWED_ATOMS for a in mol.GetAtoms())
              and not any(h.HasSubstructMatch(p) for p in patterns))
        out.append((can, fp, frags, scaf, ok, Crippen.MolLogP(mol), sa.calculateScore(mol), qed(mol),
                    Descriptors.MolWt(mol)))
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=30_000, help="molecules to score (default 30,000)")
    ap.add_argument("--threads", type=int, default=2, help="worker processes / threads (default 2)")
    ap.add_argument("--reference-sample", type=int, default=1000, help="molecules the slow reference loops run on")
    ap.add_argument("--skip-fcd", action="store_true")
    ap.add_argument("--ref-n", type=int, default=0, help="use only the first N molecules of Test/TestSF (smoke test)")
    ap.add_argument("--fcd-ref-n", type=int, default=0, help="FCD against the first N Test molecules (0: all of Test)")
    ap.add_argument("--skip-others", action="store_true", help="time FCD only")
    args = ap.parse_args(argv)

    from ganbench.domains.molecule.features import moses_table
    from ganbench.domains.molecule.molecules import quiet_rdkit
    from ganbench.domains.molecule import metrics as fam
    from ganbench.domains.molecule.tanimoto import max_similarity, weighted_mean_similarity

    quiet_rdkit()
    test, testsf, test_smiles = _load(args.threads, args.ref_n)
    print(f"building / loading cached reference statistics (Test {test.size}, TestSF {testsf.size}) ...", flush=True)
    (_, t_feats) = _timed(lambda: (test.features, testsf.features, test.bit_rows, testsf.bit_rows))
    print(f"  reference features ready in {t_feats:.1f} s", flush=True)
    gen = random.Random(0).sample(test_smiles, args.n)
    sample = gen[: args.reference_sample]
    scale = args.n / len(sample)
    print(f"\n{args.n} molecules from the MOSES test split; {args.threads} threads; load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}\n")
    print(f"{'metric group':<34}{'ours':>11} {'reference':>13}{'':<9} {'ratio':>7}")

    if not args.skip_others:
        # 1. per-molecule features (parse once, everything)
        table, t_tab = _timed(lambda: moses_table(gen, n_jobs=args.threads))
        _, t_ref = _timed(lambda: reference_per_molecule(sample))
        w = table.multiplicity
        _row("parse + per-molecule features", t_tab, t_ref * scale, f"filters={float((w * table.passes).sum() / w.sum()):.4f}",
             "(MOSES functions, 1 process)", scaled=True)

        # 2. SNN against Test and TestSF, IntDiv
        from rdkit import DataStructs

        from ganbench.domains.molecule.features import _morgan_generator

        def rdkit_fps(smiles):
            from rdkit import Chem

            gen_ = _morgan_generator(1024)
            return [gen_.GetFingerprint(Chem.MolFromSmiles(s)) for s in smiles]

        warm = np.array([0, 1], dtype=np.int64), np.array([3], dtype=np.uint16)  # load numba's compiled kernels untimed
        max_similarity(test.bit_rows, *warm, threads=1)
        weighted_mean_similarity(test.bit_rows, *warm, threads=1)
        q = gen[: max(50, args.reference_sample // 10)]
        q_fps = rdkit_fps(q)
        def bitvects(indptr, bits):  # the cached reference bits as RDKit fingerprints (same bits, no re-parse)
            out = []
            for i in range(len(indptr) - 1):
                v = DataStructs.ExplicitBitVect(1024)
                v.SetBitsFromList(bits[indptr[i]:indptr[i + 1]].tolist())
                out.append(v)
            return out

        for split, ref in (("test", test), ("testsf", testsf)):
            best, t_ours = _timed(lambda ref=ref: max_similarity(ref.bit_rows, table.fp_indptr, table.fp_bits, threads=args.threads))
            snn = float((w * best).sum() / w.sum())
            ref_fps = bitvects(ref.features["fp_indptr"], ref.features["fp_bits"])
            ref_best, t_rd = _timed(lambda: [max(DataStructs.BulkTanimotoSimilarity(f, ref_fps)) for f in q_fps])
            ours_q = best[: len(q)]
            _row(f"snn_{split}", t_ours, t_rd * args.n / len(q), f"{snn:.4f}",
                 f"max |diff| on {len(q)} = {np.abs(ours_q - np.array(ref_best)).max():.1e}", scaled=True)
        (div, t_div) = _timed(lambda: fam.internal_diversity(table, args.threads))
        g_fps = rdkit_fps(table.molecules)
        ref_rows, t_rd = _timed(lambda: [DataStructs.BulkTanimotoSimilarity(f, g_fps) for f in g_fps[: len(q)]])
        _row("intdiv + intdiv2", t_div, t_rd * args.n / len(q), f"{div[0]:.4f}/{div[1]:.4f}", "(BulkTanimoto rows)", scaled=True)

        # 3. everything else MOSES computes from the table, through the metric families
        _train_index()  # built once and cached (as ganbench eval does); the timed part loads it

        class _Task:
            references = fam.MoleculeReferences({"test": test, "testsf": testsf}, train_index=_train_index)

        samples = fam.SmilesSamples(gen)
        samples.__dict__["table"] = table
        total = t_tab
        for klass in (fam.MosesBasic, fam.MosesReference):
            f = klass(_Task(), threads=args.threads)
            f.update(samples)
            values, t = _timed(f.compute)
            total += t
            shown = {k: round(v.value, 4) for k, v in values.items() if not np.isnan(v.value)}
            print(f"{klass.__name__ + ' (all its metrics)':<34}{t:>9.2f} s   {shown}", flush=True)
        print(f"{'every metric except FCD':<34}{total:>9.2f} s   (features + MosesBasic + MosesReference)", flush=True)
        _guacamol_kl(gen, args.threads)

    # 4. FCD
    if args.skip_others:  # only the canonical SMILES FCD reads
        from collections import Counter

        from ganbench.domains.molecule.features import parallel_map
        from ganbench.domains.molecule.refstats import _canonical_chunk

        counts = Counter(c for c in parallel_map(_canonical_chunk, gen, args.threads) if c is not None)
        molecules, w = list(counts), np.array(list(counts.values()), dtype=np.float64)
    else:
        molecules = table.molecules
    if not args.skip_fcd:
        import fcd

        from ganbench.metrics.frechet import frechet_distance
        from ganbench.domains.molecule.chemnet import fcd_package_activations, moses_activations, weighted_moments

        if args.fcd_ref_n:  # reference moments of the first N Test molecules (when Test's are not cached)
            from ganbench.domains.molecule.refstats import ReferenceSet

            fcd_ref = ReferenceSet(f"bench-fcd-test-{args.fcd_ref_n}", test_smiles[: args.fcd_ref_n])
        else:
            fcd_ref = test
        mu_t, sig_t = fcd_ref.fcd_moments
        act, t_ours = _timed(lambda: moses_activations(molecules))
        ours_fcd = frechet_distance(mu_t, sig_t, *weighted_moments(act, w))
        model = fcd.load_ref_model()
        ref_act, t_pkg = _timed(lambda: fcd.get_predictions(model, molecules, device="cpu"))
        pkg_fcd = fcd.calculate_frechet_distance(mu_t, sig_t, ref_act.mean(0), np.cov(ref_act.T))
        ours_pkg = fcd_package_activations(molecules[:500])
        _row("fcd_test (gen activations)", t_ours, t_pkg, f"{ours_fcd:.5f}", f"{pkg_fcd:.5f} "
             f"(max |act diff| {np.abs(ours_pkg - ref_act[:500]).max():.1e})")
        per_mol = t_pkg / len(molecules)
        _row("fcd_test vs fcd.get_fcd(gen, test)", t_ours, per_mol * (len(molecules) + fcd_ref.size), f"{ours_fcd:.5f}",
             "(recomputes Test's activations)", scaled=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
