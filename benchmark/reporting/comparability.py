"""When are two metric values comparable? The one key that decides it, for every table and test.

A record stores, beside each metric's value, how it was computed (``details``: sample count,
reference set, feature extractor, kernel, ...). Some of those details make two values
incomparable — FID on 10,000 samples is not FID on 500, FID in the task's classifier is not FID in
Inception — and some are *provenance*: facts about how one number came about that do not change what
it measures (a classifier's measured test accuracy, seconds, what one run's samples happened to
contain, package versions). The key keeps the first kind and drops the second, and writes numbers
in one canonical form, so ``0.1`` and ``0.10000000000000001`` (or an integer written as ``500.0``)
are the same setting. Every column, test and ranking of the reports groups values by this key and
nothing else (:func:`metric_key`).

Why the classifier's accuracy is provenance: the extractor is named by its identity
(``classifier:image/fashion-mnist-v1-seed0`` — the task version and training seed fix its weights on
a machine); its accuracy is a measurement of that network, written with 3 digits by older records
and 4 by newer ones. Two records naming the same extractor used the same network.
"""

from __future__ import annotations

import json
import math
from typing import Any, Mapping

# Details that describe how one number was obtained, not what it measures: never part of the key.
PROVENANCE_DETAILS = frozenset({
    "classifier_test_accuracy",  # a measurement of the extractor named by `extractor`
    "std", "seconds", "time_s", "run",  # spread and timing of this one computation
    "empty_hypotheses", "empty_sentences", "unknown_words",  # what one run's samples contained
    "samples_from",  # where a run's own samples were held when scored (memory / generator): the same samples
    "versions", "package_versions", "rdkit", "torch", "numpy",
})
VALUE_FIELDS = frozenset({"value", "direction"})
SIGNIFICANT = 12  # digits a number keeps in the key: far above any setting's precision, below float noise


def canonical(value: Any) -> Any:
    """``value`` in the key's canonical form: floats rounded to :data:`SIGNIFICANT` significant
    digits (an integral float becomes an int), containers recursively, anything else as is."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            return repr(value)
        if value.is_integer() and abs(value) < 2 ** 53:
            return int(value)
        return float(f"{value:.{SIGNIFICANT}g}")
    if isinstance(value, Mapping):
        return {str(k): canonical(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [canonical(v) for v in value]
    return str(value)


def metric_key(details: Mapping[str, Any]) -> tuple:
    """The comparability key of one metric value (the record's metric entry, value included or not):
    sorted ``(detail, canonical JSON)`` pairs of every detail that is not provenance."""
    return tuple(sorted((k, json.dumps(canonical(v), sort_keys=True)) for k, v in details.items()
                        if k not in PROVENANCE_DETAILS and k not in VALUE_FIELDS))


def key_text(key: tuple) -> str:
    """``n=10000, reference=test split, ...``: the key in words (a table's "computed on" line)."""
    return ", ".join(f"{k}={json.loads(v)}" for k, v in key)


def differing(key: tuple, keys: list[tuple]) -> str:
    """What sets ``key`` apart from the other ``keys`` of the same metric (a column's label)."""
    common = set.intersection(*(set(k) for k in keys)) if keys else set()
    return ", ".join(f"{k}={json.loads(v)}" for k, v in key if (k, v) not in common) or "variant"


def provenance_of(details: Mapping[str, Any]) -> dict:
    """The provenance details of a metric value (shown beside a table, never compared)."""
    return {k: v for k, v in details.items() if k in PROVENANCE_DETAILS}


__all__ = ["PROVENANCE_DETAILS", "canonical", "metric_key", "key_text", "differing", "provenance_of"]
