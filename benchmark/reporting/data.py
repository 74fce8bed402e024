"""The leaderboard as data: what the Markdown and HTML pages show, as files a script reads.

``ganbench report --format data --out DIR`` writes

* ``DIR/leaderboard.json``: every table (one per task and protocol, long format), the tests against
  each table's best row (raw and Holm-adjusted p, paired or not), the rank intervals, the cross-task
  summary, the matrix, the equal-compute view and the cross-machine drift — the same
  :class:`~ganbench.reporting.leaderboard.Leaderboard` object the pages are rendered from;
* ``DIR/tables/<task>__<protocol>.csv``: one CSV per table (one row per method × metric column),
  each with its protocol, what the protocol fixes, and whether it is exploratory;
* ``DIR/index.csv``: the tables, their files and their protocols.

A user's script and the published pages therefore read the same numbers. Every CSV cell that a
spreadsheet would run as a formula is written as text (:func:`ganbench.reporting.fmt.csv_safe`).
"""

from __future__ import annotations

from pathlib import Path

from ganbench.reporting.tables import rows_csv


def table_file(key: str) -> str:
    """A file name for a table key (task, version, protocol): file-safe, readable, unique."""
    from ganbench.core.paths import quote_component

    return quote_component(key.replace("/", "-", 1).replace(" · ", "__").replace(" ", "_")) + ".csv"


def write_data(lb, out: Path, problems: list | None = None, command: str = "") -> Path:
    """Write the data files of ``lb`` under ``out`` (created); returns ``out``."""
    import json

    from ganbench.core.atomic import atomic_write_text
    from ganbench.reporting.leaderboard import leaderboard_json
    from ganbench.reporting.tables import to_rows

    out = Path(out)
    (out / "tables").mkdir(parents=True, exist_ok=True)
    before = _files_of_index(out / "index.csv")
    index = []
    for t in lb.tables:
        name = table_file(t.key)
        atomic_write_text(out / "tables" / name, rows_csv(to_rows([t])))
        index.append({"task": t.task, "table": t.key, "version": t.version, "protocol": t.protocol_name,
                      "protocol_fixes": t.protocol.describe() if t.protocol else "", "exploratory": t.exploratory,
                      "methods": len(t.rows), "file": f"tables/{name}"})
    atomic_write_text(out / "index.csv", rows_csv(index))
    for stale in before - {row["file"] for row in index}:
        (out / stale).unlink(missing_ok=True)  # a table this writer made before that no longer exists
    data = json.loads(leaderboard_json(lb, problems))
    data["made_by"] = command
    atomic_write_text(out / "leaderboard.json", json.dumps(data, indent=1, ensure_ascii=False) + "\n")
    return out


def _files_of_index(path: Path) -> set[str]:
    """The table files a previous ``write_data`` listed in ``path`` (only those are ever removed:
    a file a user put in the folder is not ours to delete)."""
    import csv

    if not path.is_file():
        return set()
    with open(path, encoding="utf-8", newline="") as f:
        files = {row.get("file") or "" for row in csv.DictReader(f)}
    return {f for f in files if f.startswith("tables/") and "/" not in f[len("tables/"):] and f.endswith(".csv")}


__all__ = ["write_data", "table_file"]
