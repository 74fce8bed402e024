"""The video metrics' sanity check on real videos (issue 26): real vs real small, frame-shuffled far worse.

For each task: fvd_local and fid_frame of (a) the test videos themselves (0 by construction), (b) the
test digits moved anew with another seed (an independent draw of the test distribution: real vs real),
(c) the test videos with their frames shuffled (one random permutation per video), (d) time-reversed
test videos (bouncing motion reversed is still valid motion), (e) the first frame repeated (no motion).
Writes results/video/fvd_check.txt. Usage: python results/video/fvd_check.py [task ...]
"""

import sys
import time
from pathlib import Path

import numpy as np
import torch

from ganbench.engine.evaluator import evaluate_samples
from ganbench.tasks import TASKS

torch.set_num_threads(1)
lines = []
for name in sys.argv[1:] or ["video/moving-digits", "video/moving-mnist"]:
    task = TASKS.get(name)()
    test = task.reference_samples()
    rs = np.random.RandomState(0)
    cases = [("test vs test", test), ("real vs real (test digits moved anew, seed 7)", task.moved_digits("test", 7)["videos"]),
             ("frames shuffled", np.stack([v[rs.permutation(len(v))] for v in test])),
             ("time reversed", test[:, ::-1].copy()), ("first frame frozen", np.repeat(test[:, :1], test.shape[1], 1))]
    t0 = time.perf_counter()
    for label, videos in cases:
        m = evaluate_samples(task, videos)
        lines.append(f"{name:22s} {label:48s} fvd_local {m['fvd_local'].value:8.3f}   fid_frame {m['fid_frame'].value:8.3f}")
        print(lines[-1], flush=True)
    d = m["fvd_local"].details
    lines.append(f"{name:22s} n={d['n']} vs {d['n_reference']} test videos; {d['feature_net']}: identity exact-match "
                 f"accuracy {d['feature_net_identity_accuracy']}, centre error {d['feature_net_centre_error_px']} px; "
                 f"{time.perf_counter() - t0:.0f} s incl. building the feature nets")
    print(lines[-1], flush=True)
Path(__file__).with_name("fvd_check.txt").write_text("\n".join(lines) + "\n")
