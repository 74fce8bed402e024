"""The shape of a run record (``ganbench.run/1``) as a table, and the one check of it.

A report trusts every field it reads (``task.name`` is a string, a metric's ``value`` a number, its
``direction`` ``max`` or ``min``...), so a record is checked against :data:`RUN_RECORD` before it is
used, and a record that does not fit is skipped with one line naming the field
(``field 'metrics.fid.value' must be a number, got list``) instead of a traceback in the middle of
a table. The table lists what the readers rely on, not every key a record holds: fields added
later within version 1 (a record only grows) and a metric's details (how it was computed) pass.

Why a table here and not jsonschema: the message must name the field in words a user can act on,
a metric value may be the strings ``'nan'``/``'inf'``/``'-inf'`` (JSON has no NaN), and an integer
too large for a float must fail here rather than in ``float()`` later; jsonschema is also not a
dependency of ganbench. The check is iterative over the table and bounded in nesting depth, so
no JSON content can make it raise.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

RUN_FAMILY = "ganbench.run/"  # ``ganbench.run/<n>``: the run records of every version
RUN_SCHEMA = RUN_FAMILY + "1"  # the version this ganbench writes and reads
STATUSES = ("ok", "diverged", "failed")  # how a run ended
MAX_RECORD_BYTES = 64 << 20  # a record is a few kB; a larger *.json is not one, and is not read into memory
NONFINITE = ("nan", "inf", "-inf")  # how a record writes a non-finite metric value
MAX_DEPTH = 64  # deeper JSON is not something ganbench writes, and would exhaust the stack of a reader


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v: Any) -> bool:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return False
    try:
        float(v)  # an integer beyond a float's range would fail every mean later
    except OverflowError:
        return False
    return True


# kind -> (test, how a message says it)
KINDS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "string": (lambda v: isinstance(v, str), "a string"),
    "integer": (_is_int, "an integer"),
    "number": (_is_number, "a number"),
    "nonfinite": (lambda v: isinstance(v, str) and v in NONFINITE, "'nan'/'inf'/'-inf'"),
    "boolean": (lambda v: isinstance(v, bool), "a boolean"),
    "null": (lambda v: v is None, "null"),
    "object": (lambda v: isinstance(v, dict), "an object"),
    "list": (lambda v: isinstance(v, list), "a list"),
}


@dataclass(frozen=True)
class Field:
    """What one field may hold: JSON kinds, allowed values, and for an object its known fields
    (others pass) or a rule for every value (``each``, e.g. every metric of ``metrics``)."""

    kinds: tuple[str, ...]
    required: bool = True
    choices: tuple[str, ...] = ()
    fields: Mapping[str, "Field"] = field(default_factory=dict)
    each: "Field | None" = None
    rule: Callable[[Any], str | None] | None = None  # one more check: what is wrong, or None


def req(*kinds: str, **kw) -> Field:
    return Field(kinds, True, **kw)


def opt(*kinds: str, **kw) -> Field:
    return Field(kinds, False, **kw)


def _no_nul(v: str) -> str | None:
    return "must be a path without NUL characters" if "\x00" in v else None


METRIC = req("object", fields={
    "value": req("number", "nonfinite"),
    "direction": req("string", choices=("max", "min")),
})

RUN_RECORD = req("object", fields={
    "schema": req("string"),
    "run_id": req("string"),
    "task": req("object", fields={
        "name": req("string"),
        "version": req("string", "integer"),
        "main_metric": opt("string", "null"),
        "reference_split": opt("string", "null"),
    }),
    "objective": req("string"),
    "seed": req("integer"),
    "tag": opt("string", "null"),
    "config": req("object", fields={"steps": opt("integer")}),
    "config_hash": req("string"),
    "status": req("string", choices=STATUSES),
    "metrics": req("object", each=METRIC),
    "steps": opt("object", fields={"planned": opt("integer", "null"), "completed": opt("integer", "null")}),
    "diverged": opt("object", "null", fields={"step": opt("integer")}),
    "error": opt("string", "null"),
    "traceback": opt("string", "null"),
    "variant": opt("object"),
    "artifacts": opt("object", each=req("string", rule=_no_nul)),
    "provenance": opt("object", "null"),
    "wall_time_s": opt("number", "null"),
    "eval_time_s": opt("number", "null"),
    "resumed_from_step": opt("integer", "null"),
    "started_unix": opt("number"),
    "finished": opt("string"),
})


def validate(data: Any, spec: Field = RUN_RECORD) -> str | None:
    """The first way ``data`` does not fit ``spec`` as one line (``field 'x.y' must be ...``), or None."""
    deep = _too_deep(data, MAX_DEPTH)
    if deep is not None:
        return f"field {_name(deep)} is nested more than {MAX_DEPTH} levels deep"
    todo: deque[tuple[tuple, Any, Field]] = deque([((), data, spec)])  # breadth first: the table's order
    while todo:
        path, value, f = todo.popleft()
        wrong = _check(value, f)
        if wrong:
            return f"field {_name(path)} {wrong}" if path else f"the record {wrong}"
        if isinstance(value, dict):
            for key, sub in f.fields.items():
                if key in value:
                    todo.append((path + (key,), value[key], sub))
                elif sub.required:
                    return f"field {_name(path + (key,))} is missing"
            if f.each is not None:
                todo.extend((path + (k,), v, f.each) for k, v in value.items())
    return None


def _check(value: Any, f: Field) -> str | None:
    if not any(KINDS[k][0](value) for k in f.kinds):
        if "nonfinite" in f.kinds and isinstance(value, str):
            return f"must be a number or one of {', '.join(map(repr, NONFINITE))}, got {short(value)}"
        return f"must be {_either(f.kinds)}, got {got(value)}"
    if f.choices and value not in f.choices:
        return f"must be one of {', '.join(repr(c) for c in f.choices)}, got {short(value)}"
    return f.rule(value) if f.rule else None


def _either(kinds: tuple[str, ...]) -> str:
    words = [KINDS[k][1] for k in kinds if k != "nonfinite"]  # named only when a string was given
    return " or ".join(words)


def got(value: Any) -> str:
    """The JSON kind of ``value`` in words, for a message."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer" if _is_number(value) else "an integer too large for a number"
    return {float: "number", str: "string", type(None): "null", list: "list", dict: "object"}.get(type(value), type(value).__name__)


def short(value: Any, limit: int = 40) -> str:
    """``repr`` of a value cut to ``limit`` characters, on one line (a message quotes user data)."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


_PLAIN = re.compile(r"[A-Za-z0-9_+\-]{1,64}")


def _name(path: tuple) -> str:
    """``('metrics', 'fid', 'value')`` -> ``'metrics.fid.value'``; an odd key is quoted, cut and escaped."""
    parts = [k if isinstance(k, str) and _PLAIN.fullmatch(k) else f"[{short(k)}]" for k in path]
    return "'" + ".".join(parts).replace(".[", "[") + "'"


def _too_deep(data: Any, limit: int) -> tuple | None:
    """The path of the first value nested deeper than ``limit``, or None (iterative: no recursion)."""
    stack = [((), data)]
    while stack:
        path, value = stack.pop()
        if len(path) > limit:
            return path
        if isinstance(value, dict):
            stack += [(path + (k,), v) for k, v in value.items() if isinstance(v, (dict, list))]
        elif isinstance(value, list):
            stack += [(path + (i,), v) for i, v in enumerate(value) if isinstance(v, (dict, list))]
    return None


__all__ = ["RUN_SCHEMA", "RUN_FAMILY", "NONFINITE", "Field", "RUN_RECORD", "METRIC", "validate", "got", "short"]
