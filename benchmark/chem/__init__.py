"""Chemistry helpers for the molecule domain: SMILES tokens, one RDKit pass per molecule, filters.

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
"""
