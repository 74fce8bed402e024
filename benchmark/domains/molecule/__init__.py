"""The molecule domain: SMILES tasks, chemistry helpers (SMILES tokens, one RDKit pass per molecule, filters) and
the MOSES/GuacaMol metrics.

Why a package of its own: every molecule metric (MOSES, GuacaMol) and the ORGAN reward need the
same per-molecule facts — is the SMILES valid, its canonical form, Morgan bits, BRICS fragments,
Bemis–Murcko scaffold, MCF/PAINS filters, logP/SA/QED/weight. Parsing a SMILES costs as much as
most of those facts together, so :mod:`.features` parses each distinct SMILES once and computes
everything in one pass (in worker processes for big sets); the metric modules only do arithmetic
on the results.

Modules (RDKit is imported inside them, never here): :mod:`.smiles` (atom-level tokenizer),
:mod:`.molecules` (MOSES' parsing conventions), :mod:`.filters` (MCF + PAINS + MOSES' atom rules),
:mod:`.properties` (logP, SA from RDKit Contrib, QED, weight, GuacaMol descriptors),
:mod:`.features` (the one-pass feature table, parallel).

Metrics: the MOSES metric suite (Polykovskiy et al. 2020) and GuacaMol's distribution-learning scores.

Our own implementation of the definitions in ``moses/metrics`` (metrics.py, utils.py) and
``guacamol`` (distribution_learning_benchmark.py, frechet_benchmark.py, utils/chemistry.py), on
today's RDKit/NumPy, with the per-molecule work shared (:mod:`.features`) and the
expensive aggregations rewritten: :mod:`.tanimoto` (SNN, IntDiv), :mod:`.chemnet` (FCD).
Reference statistics of the MOSES Test and TestSF splits are computed once and cached
(:mod:`.refstats`). The metric families live in :mod:`.metrics` and :mod:`.guacamol`.
"""
