"""A run's ``log.csv``: losses and gradient norms over training, compact, and exact across resumes.

Rows are written every ``log_every`` steps (a config key that changes no number, so not part of a
run's identity): by default (``0``) the smallest interval that keeps a run's log at most
:data:`MAX_ROWS` rows — every step of a run of up to 2,000 steps, every 25th of a 50,000-step run
(whose per-step log was 2 MB) — plus the last step and the step a run diverged at. Every row
carries its ``step``, so the steps logged are recorded; the report's training curves (moving
averages) read the same file. The rows logged are a function of the step alone, so a resumed run
logs exactly the rows of an uninterrupted one.

:func:`thin_log` applies the same rule to an existing log (the committed logs of long runs were
thinned with it: their first row, every k-th and their last are kept as written).
"""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Any

from ganbench.core.errors import UserError

MAX_ROWS = 2000


def log_interval(cfg: dict) -> int:
    """Steps between logged rows: ``log_every``, or for 0 (auto) ceil(steps / MAX_ROWS)."""
    every = int(cfg.get("log_every", 0) or 0)
    return every if every > 0 else max(1, math.ceil(int(cfg.get("steps", 1)) / MAX_ROWS))


class StepLog:
    """Per-step losses and gradient norms in ``log.csv``, flushed at each checkpoint.

    Rows after the last checkpoint are held in memory, so after a crash the file ends exactly at
    the checkpoint the run resumes from, and a resumed run's log equals an uninterrupted one's.
    """

    def __init__(self, path: Path, resume_step: int):
        self.path = path
        self.pending: list[dict] = []
        self.columns: list[str] | None = None
        if resume_step > 0 and path.exists():
            try:
                with open(path, newline="") as f:
                    reader = csv.DictReader(f)
                    if reader.fieldnames is not None and "step" not in reader.fieldnames:
                        raise ValueError(f"no step column in its header {reader.fieldnames[:4]}")
                    rows = [r for r in reader if int(r["step"]) < resume_step]
            except (ValueError, TypeError, csv.Error) as exc:  # edited or damaged: not the method's failure
                raise UserError(f"{path} is damaged ({str(exc)[:120]}): the run cannot resume its log; delete "
                                f"{path.parent} to start the run over") from None
            self.columns = list(rows[0].keys()) if rows else None
            self._rewrite(rows)
        elif path.exists():
            path.unlink()

    def _rewrite(self, rows: list[dict]) -> None:
        with open(self.path, "w", newline="") as f:
            if rows and self.columns:
                w = csv.DictWriter(f, self.columns)
                w.writeheader()
                w.writerows(rows)

    def add(self, step: int, logs: dict[str, float]) -> None:
        self.pending.append({"step": step, **logs})

    def flush(self) -> None:
        if not self.pending:
            return
        if self.columns is None:
            self.columns = list(dict.fromkeys(k for row in self.pending for k in row))
        new_cols = [k for row in self.pending for k in row if k not in self.columns]
        if new_cols:  # a later phase logs new quantities: rewrite with the wider header
            with open(self.path, newline="") as f:
                old = list(csv.DictReader(f)) if self.path.stat().st_size else []
            self.columns += list(dict.fromkeys(new_cols))
            self._rewrite(old)
        write_header = not self.path.exists() or self.path.stat().st_size == 0
        with open(self.path, "a", newline="") as f:
            w = csv.DictWriter(f, self.columns, restval="")
            if write_header:
                w.writeheader()
            w.writerows({k: _fmt(v) for k, v in row.items()} for row in self.pending)
        self.pending.clear()


def _fmt(v: Any) -> Any:
    return f"{v:.6g}" if isinstance(v, float) else v


def thin_log(path: Path, max_rows: int = MAX_ROWS) -> tuple[int, int]:
    """Keep the first row, every k-th step and the last row of ``path`` (k the smallest interval
    leaving at most ``max_rows``); the kept rows are the file's own bytes. Returns (rows before, after)."""
    from ganbench.core.atomic import atomic_write_text

    lines = Path(path).read_text(encoding="utf-8").splitlines(keepends=True)
    if len(lines) <= max_rows + 1:
        return len(lines) - 1, len(lines) - 1
    header, rows = lines[0], lines[1:]
    steps = [int(float(next(csv.reader([r]))[0])) for r in rows]
    every = math.ceil((steps[-1] + 1) / max_rows)
    kept = [r for i, (s, r) in enumerate(zip(steps, rows)) if i == 0 or i == len(rows) - 1 or s % every == 0]
    atomic_write_text(Path(path), header + "".join(kept))
    return len(rows), len(kept)


def main(argv: list[str] | None = None) -> int:
    """``python -m ganbench.engine.steplog FOLDER…``: thin every log.csv under the folders (maintainers)."""
    import argparse

    p = argparse.ArgumentParser(prog="python -m ganbench.engine.steplog", description=main.__doc__)
    p.add_argument("folders", nargs="+", type=Path)
    p.add_argument("--max-rows", type=int, default=MAX_ROWS)
    args = p.parse_args(argv)
    for folder in args.folders:
        for path in sorted(folder.rglob("log.csv")):
            before, after = thin_log(path, args.max_rows)
            if before != after:
                print(f"{path}: {before} -> {after} rows")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
