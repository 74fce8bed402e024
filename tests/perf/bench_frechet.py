"""Times our Fréchet distance against the pytorch-fid ``scipy.linalg.sqrtm`` path, same inputs.

Run: ``python tests/perf/bench_frechet.py [--dim 2048] [--n 10000] [--repeats 3]``. Prints both
values (they must agree to ~1e-6 relative), both best-of-N times, and the ratio.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import scipy.linalg

from ganbench.metrics.frechet import frechet_distance, gaussian_stats


def sqrtm_path(mu1, s1, mu2, s2) -> float:
    diff = mu1 - mu2
    covmean = np.real(scipy.linalg.sqrtm(s1.dot(s2)))
    return float(diff.dot(diff) + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean))


def best_of(fn, repeats: int):
    times, value = [], None
    for _ in range(repeats):
        t = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - t)
    return value, min(times)


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dim", type=int, default=2048)
    p.add_argument("--n", type=int, default=10000, help="samples per set (N < dim exercises the singular case)")
    p.add_argument("--repeats", type=int, default=3)
    a = p.parse_args(argv)
    rng = np.random.default_rng(0)
    mix = rng.normal(size=(a.dim, a.dim)) / np.sqrt(a.dim)
    mu1, s1 = gaussian_stats(np.maximum(rng.normal(size=(a.n, a.dim)) @ mix, 0))  # ReLU-like, as pool3
    mu2, s2 = gaussian_stats(np.maximum(rng.normal(size=(a.n, a.dim)) @ mix * 1.1 + 0.05, 0))
    ours, t_ours = best_of(lambda: frechet_distance(mu1, s1, mu2, s2), a.repeats)
    ref, t_ref = best_of(lambda: sqrtm_path(mu1, s1, mu2, s2), a.repeats)
    print(f"dim={a.dim} n={a.n} repeats={a.repeats} (best of)")
    print(f"ours (eigvalsh)   : {ours:.10g}   {t_ours * 1e3:9.1f} ms")
    print(f"scipy sqrtm path  : {ref:.10g}   {t_ref * 1e3:9.1f} ms")
    print(f"relative difference {abs(ours - ref) / abs(ref):.2e}; speed-up x{t_ref / t_ours:.1f}")


if __name__ == "__main__":
    main()
