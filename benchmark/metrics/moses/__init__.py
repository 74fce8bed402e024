"""The MOSES metric suite (Polykovskiy et al. 2020) and GuacaMol's distribution-learning scores.

Our own implementation of the definitions in ``moses/metrics`` (metrics.py, utils.py) and
``guacamol`` (distribution_learning_benchmark.py, frechet_benchmark.py, utils/chemistry.py), on
today's RDKit/NumPy, with the per-molecule work shared (:mod:`benchmark.chem.features`) and the
expensive aggregations rewritten: :mod:`.tanimoto` (SNN, IntDiv), :mod:`.chemnet` (FCD).
Reference statistics of the MOSES Test and TestSF splits are computed once and cached
(:mod:`.refstats`). The metric families live in :mod:`.family` and :mod:`.guacamol`.
"""
