"""Published reference rows (MOSES, SeqGAN oracle, Texygen, VEEGAN/PacGAN, ...) shown beside ours.

A leaderboard means more next to what the literature reports, but a published number is a fact
to cite, never a run to average: these rows carry their citation and how sure we are of each
number (``verified`` / ``recalled`` / ``measured``), and reports show them marked *published*,
outside every mean, rank and significance test. The data lives in ``published.yaml`` beside this
module, values kept exactly as printed in the source; a published column is placed under one of
our metric columns only when the protocol is comparable, otherwise it is shown as a note.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable

DATA_FILE = Path(__file__).with_name("published.yaml")
STATUSES = ("verified", "recalled", "measured")
_TABLE_KEYS = {"task", "source", "status", "columns", "rows", "note", "spread", "comparable", "not_comparable"}
_ROW_KEYS = {"method", "values", "status", "note"}
_VALUE = re.compile(r"^\s*(-?\d*\.?\d+(?:e-?\d+)?)\s*(?:±\s*(\d*\.?\d+)\s*)?(%?)\s*$")


def norm(name: str) -> str:
    """Metric names compared ignoring case and punctuation: ``FCD/Test`` ~ ``fcd_test``."""
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


@dataclass(frozen=True)
class PublishedValue:
    raw: str  # as printed in the source
    value: float
    spread: float | None  # the ± part (std or s.e., see the row's spread_kind)
    percent: bool = False

    def fmt(self) -> str:
        return self.raw.strip()


def parse_value(raw: str) -> PublishedValue:
    m = _VALUE.match(str(raw))
    if not m:
        raise ValueError(f"published value {raw!r} is not a number, 'x±s' or 'x±s%'")
    return PublishedValue(str(raw), float(m[1]), float(m[2]) if m[2] else None, bool(m[3]))


@dataclass
class PublishedRow:
    task: str
    method: str
    source: str
    citation: str
    url: str
    status: str
    values: dict[str, PublishedValue]  # published column label -> value
    columns: dict[str, str]  # published column label -> our metric name
    comparable: bool = True
    not_comparable: frozenset = frozenset()
    note: str = ""
    spread_kind: str = ""

    def split(self, metric_names: Iterable[str]) -> tuple[dict[str, tuple[str, PublishedValue]], dict[str, PublishedValue]]:
        """({our metric: (published label, value)} for comparable matches, {label: value} for the rest)."""
        ours = {norm(m): m for m in metric_names}
        placed, rest = {}, {}
        for label, val in self.values.items():
            target = None
            if self.comparable and label not in self.not_comparable:
                for cand in (self.columns.get(label), label):
                    if cand is not None and norm(cand) in ours:
                        target = ours[norm(cand)]
                        break
            if target is not None and target not in placed:
                placed[target] = (label, val)
            else:
                rest[label] = val
        return placed, rest


@dataclass
class Published:
    rows: list[PublishedRow]
    sources: dict[str, dict] = field(default_factory=dict)

    def for_task(self, task: str) -> list[PublishedRow]:
        return [r for r in self.rows if r.task == task]

    def tasks(self) -> list[str]:
        return list(dict.fromkeys(r.task for r in self.rows))


def _check_keys(obj: dict, allowed: set, where: str) -> None:
    unknown = set(obj) - allowed
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {sorted(unknown)}")


def parse_published(data: dict, where: str = "published.yaml") -> Published:
    sources = data.get("sources") or {}
    rows: list[PublishedRow] = []
    for i, t in enumerate(data.get("tables") or []):
        at = f"{where}: tables[{i}] ({t.get('task')}, {t.get('source')})"
        _check_keys(t, _TABLE_KEYS, at)
        if t.get("source") not in sources:
            raise ValueError(f"{at}: source {t.get('source')!r} is not under sources:")
        src = sources[t["source"]]
        columns = {str(k): str(v) for k, v in (t.get("columns") or {}).items()}
        not_comp = frozenset(str(x) for x in t.get("not_comparable") or ())
        for j, r in enumerate(t.get("rows") or []):
            _check_keys(r, _ROW_KEYS, f"{at} rows[{j}]")
            status = r.get("status", t.get("status"))
            if status not in STATUSES:
                raise ValueError(f"{at} rows[{j}]: status must be one of {STATUSES}, got {status!r}")
            values = {str(k): parse_value(v) for k, v in (r.get("values") or {}).items()}
            unknown = [k for k in values if k not in columns]
            if unknown:
                raise ValueError(f"{at} rows[{j}]: column {unknown[0]!r} is not under the table's columns:")
            rows.append(PublishedRow(
                task=str(t["task"]), method=str(r["method"]), source=str(t["source"]),
                citation=str(src.get("citation", t["source"])), url=str(src.get("url", "")), status=status,
                values=values, columns=columns, comparable=bool(t.get("comparable", True)), not_comparable=not_comp,
                note=" ".join(x for x in (t.get("note"), r.get("note")) if x), spread_kind=str(t.get("spread", ""))))
    return Published(rows, sources)


@lru_cache(maxsize=4)
def load_published(path: str | None = None) -> Published:
    import yaml

    p = Path(path) if path else DATA_FILE
    return parse_published(yaml.safe_load(p.read_text(encoding="utf-8")) or {}, p.name)
