"""The evaluator's reference-statistics cache: one file per key, atomic, locked, never pickle."""

import multiprocessing as mp
import sys
import time
import warnings

import numpy as np
import pytest

from ganbench.engine.refcache import RefKey, ReferenceCache, arrays_to_counts, counts_to_arrays

KEY = RefKey("toy/ring8", "1", "feat", split="test", n=100)


def _expensive(log_path):
    """What a slow statistic looks like: takes a while, leaves a trace of each computation."""
    with open(log_path, "a") as f:
        f.write("computed\n")
    time.sleep(0.5)
    x = np.random.default_rng(0).normal(size=(100, 4))
    return {"mu": x.mean(0), "sigma": np.cov(x, rowvar=False), "names": np.array(["a", "bb"])}


def _worker(root, log_path, barrier, out):
    barrier.wait()  # both processes ask for the key at the same moment
    arrays = ReferenceCache(root).get(KEY, lambda: _expensive(log_path), ("mu", "sigma"))
    out.put({k: v.tolist() for k, v in arrays.items()})


def test_two_processes_filling_one_key_compute_once_and_agree(tmp_path):
    ctx = mp.get_context("fork" if sys.platform.startswith("linux") else "spawn")
    barrier, out = ctx.Barrier(2), ctx.Queue()
    log = tmp_path / "log.txt"
    procs = [ctx.Process(target=_worker, args=(tmp_path / "cache", log, barrier, out)) for _ in range(2)]
    for p in procs:
        p.start()
    results = [out.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    assert results[0] == results[1]
    assert log.read_text().count("computed") == 1  # the second process waited, then read the file
    path = ReferenceCache(tmp_path / "cache").path(KEY)
    with np.load(path, allow_pickle=False) as z:  # one valid file, arrays only
        assert sorted(z.files) == ["__sha256__", "mu", "names", "sigma"]  # the arrays and their checksum
        np.testing.assert_array_equal(z["mu"], np.array(results[0]["mu"]))
    assert [p.name for p in path.parent.iterdir() if ".tmp" in p.name] == []  # no temporary left behind


def test_corrupt_file_is_recomputed_with_a_warning(tmp_path):
    cache = ReferenceCache(tmp_path / "cache")
    calls = []

    def compute():
        calls.append(1)
        return {"mu": np.arange(3.0)}

    path = cache.path(KEY)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.warns(RuntimeWarning, match="unreadable") as record:
        got = cache.get(KEY, compute, ("mu",))
    assert len(record) == 1
    np.testing.assert_array_equal(got["mu"], np.arange(3.0))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # now valid: read without a warning, not recomputed
        np.testing.assert_array_equal(cache.get(KEY, compute, ("mu",))["mu"], np.arange(3.0))
    assert len(calls) == 1


def test_an_entry_missing_a_needed_array_is_recomputed(tmp_path):
    cache = ReferenceCache(tmp_path)
    cache.get(KEY, lambda: {"mu": np.zeros(2)})
    with pytest.warns(RuntimeWarning, match="lack radius"):
        got = cache.get(KEY, lambda: {"mu": np.zeros(2), "radius": np.ones(2)}, ("mu", "radius"))
    assert set(got) == {"mu", "radius"} and set(cache.load(KEY)) == {"mu", "radius"}


def test_objects_are_refused_and_nothing_is_written(tmp_path):
    cache = ReferenceCache(tmp_path)
    with pytest.raises(TypeError, match="never pickle"):
        cache.get(KEY, lambda: {"bad": np.array([{"a": 1}], dtype=object)})
    assert not cache.path(KEY).exists()


def test_count_dictionaries_round_trip_as_plain_arrays(tmp_path):
    counts = {"c1ccccc1": 3, "C(=O)O": 1, "[NH3+]": 12}
    cache = ReferenceCache(tmp_path)
    cache.get(KEY, lambda: counts_to_arrays("frag", counts))
    back = arrays_to_counts("frag", cache.load(KEY))
    assert back == counts and all(type(v) is int for v in back.values())
    empty = arrays_to_counts("x", counts_to_arrays("x", {}))
    assert empty == {}


def test_file_names_are_readable_safe_and_bounded():
    key = RefKey("image/digits", "1", "classifier:image/digits-v1-seed0", split="test", n=500)
    name = key.filename()
    assert name.startswith("image%2Fdigits-v1-test-classifier%3Aimage%2Fdigits-v1-seed0-n500~") and name.endswith(".npz")
    assert "/" not in name and RefKey("a", "1", "f", options=(("seed", 0),)).filename().startswith("a-v1-f-seed=0~")
    # fields joined by "-" that themselves hold "-" (or "/" vs "_") never share a file
    assert RefKey("a-b", "1", "c").filename() != RefKey("a", "1", "b-c").filename()
    assert RefKey("t/x", "1", "f").filename() != RefKey("t_x", "1", "f").filename()
    long = RefKey("a", "1", "f", options=tuple((f"opt{i}", "x" * 20) for i in range(20)))
    other = RefKey("a", "1", "f", options=tuple((f"opt{i}", "x" * 20) for i in range(19)) + (("opt19", "y"),))
    assert len(long.filename()) <= 164 and long.filename() != other.filename()
