"""Shared test fixtures: a clean cache per session, quiet progress, one torch thread."""

import os

import pytest
import torch

torch.set_num_threads(1)
os.environ.setdefault("CI", "true")  # no progress bars in tests


@pytest.fixture(scope="session", autouse=True)
def _isolated_cache(tmp_path_factory):
    # trained classifiers and reference statistics are cached across tests in one session, but never
    # in (or from) the user's real cache unless GANBENCH_CACHE is set explicitly for the run
    if "GANBENCH_CACHE" not in os.environ:
        os.environ["GANBENCH_CACHE"] = str(tmp_path_factory.mktemp("ganbench-cache"))
    yield
