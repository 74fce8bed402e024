"""The engine: the trainer, checkpoints, the evaluator, one run end to end, and the planning of many
runs (suites, sweep files) with the executors that carry them out. (Not called ``run``:
``ganbench.run`` is the public function.)"""
