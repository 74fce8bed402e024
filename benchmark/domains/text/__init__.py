"""The text domain: tokenisation, the SeqGAN oracle, synthetic-oracle and corpus tasks.

Task files in ``tasks/text_*.py`` are thin: the oracle (:mod:`.oracle`), oracle-sampled data
(:mod:`.oracle_task`), word-level corpora (:mod:`.corpus`) and the tokenizer (:mod:`.tokenize`)
live here; generators, discriminators and objectives are shared with molecules in
:mod:`ganbench.domains.sequence`; metrics in :mod:`ganbench.domains.text.metrics` and :mod:`ganbench.domains.text.bleu`.
"""
