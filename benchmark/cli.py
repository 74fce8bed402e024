"""``ganbench``: list | run | sweep | eval | report | reproduce | sensitivity | cache.

Every user error (unknown name, malformed option, missing data, bad sample file) is one line on
stderr and exit code 2; a run that diverges or fails is a result recorded in its run record, and
the command goes on with the next run (exit 1 at the end if any failed).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import sys
from pathlib import Path

from ganbench.core.errors import DataNotFoundError, UserError
from ganbench.core.outputs import check_replaceable
from ganbench.core.paths import check_data_dir, check_output_dir, check_output_file, os_error_line
from ganbench.core.records import DEFAULT_RESULTS


def _csv(text: str) -> list[str]:
    return [x.strip() for x in text.split(",") if x.strip()]


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ganbench", description="Multi-domain GAN benchmark: tasks, objectives, metrics, leaderboards.")
    plugin_help = ("import a module (by name) or a .py file whose tasks, objectives, metric families and nets are "
                   f"registered; repeatable; also $GANBENCH_PLUGINS ('{os.pathsep}'-separated)")
    p.add_argument("--plugin", action="append", default=[], metavar="MODULE_OR_FILE", help=plugin_help)
    sub = p.add_subparsers(dest="command", required=True)

    ls = sub.add_parser("list", help="tasks (by domain), objectives, metrics, suites")
    ls.add_argument("--json", action="store_true", help="machine-readable output")

    run = sub.add_parser("run", help="train and evaluate tasks x objectives x seeds")
    run.add_argument("tasks", nargs="*", help="task names (see ganbench list)")
    run.add_argument("--suite", help="run a named suite (e.g. quick) instead of naming tasks")
    run.add_argument("--objective", "-o", default=None, help="comma-separated objectives (default: ns)")
    run.add_argument("--seeds", default=None, help="comma-separated seeds or a range, e.g. 0,1,2 or 0-4 (default 0)")
    run.add_argument("--steps", type=int, default=None, help="training steps (overrides the budget)")
    run.add_argument("--budget", default=None, help="named step budget of the task (quick, default, long, ...)")
    run.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                     help="override a hyper-parameter; repeatable")
    run.add_argument("--tag", default=None, help="name a variant so its records sit beside the default ones")
    run.add_argument("--results", default=DEFAULT_RESULTS, help=f"results folder (default {DEFAULT_RESULTS})")
    run.add_argument("--data-dir", default=None, help="data folder laid out like shared/data (default: $GANBENCH_DATA, then the cache)")
    run.add_argument("--no-progress", action="store_true", help="no progress bar")
    run.add_argument("--device", default="auto", help="where to train and evaluate: auto (CUDA, then MPS, then CPU), cpu, cuda, cuda:N or mps (default auto)")
    run.add_argument("--no-table", action="store_true", help="do not print the table at the end")
    run.add_argument("--workers", type=int, default=None,
                     help="runs side by side in worker processes (default: one after another for named tasks; for "
                          "--suite the cores here divided by each run's threads). Never changes a run's numbers")

    ev = sub.add_parser("eval", help="metrics of someone else's samples, as JSON")
    ev.add_argument("task")
    ev.add_argument("--samples", required=True, help="sample file (format depends on the task's domain)")
    ev.add_argument("--data-dir", default=None)
    ev.add_argument("--metrics", default=None, help="comma-separated subset of the task's metrics, or on-request ones "
                                                     "(video: fvd, with GANBENCH_I3D_WEIGHTS)")
    ev.add_argument("--out", default=None, help="also write the JSON to this file (never over a run record or a file "
                                                 "ganbench did not write, unless --force)")
    ev.add_argument("--force", action="store_true", help="--out may replace an existing file that is not a run record")
    ev.add_argument("--extractor", default=None,
                    help="feature extractor for image metrics (e.g. inception-v3 with GANBENCH_INCEPTION_WEIGHTS; default: the task's)")
    ev.add_argument("--device", default="auto", help="where the feature extractor runs: auto, cpu, cuda, cuda:N or mps (default auto)")

    sw = sub.add_parser("sweep", help="run a sweep file (tasks x objectives x seeds x hyper-parameter grid) in parallel")
    sw.add_argument("file", help="YAML sweep file (see README, Sweeps)")
    sw.add_argument("--executor", default="local", choices=["local", "ray"],
                    help="local: a process pool on this machine (default); ray: tasks on an existing Ray cluster")
    sw.add_argument("--workers", type=int, default=None, help="parallel runs (default: the cores here; on Ray: no cap)")
    sw.add_argument("--threads", type=int, default=None, help="removed: a run's threads are its config key threads (set: {threads: N})")
    sw.add_argument("--address", default=None, help="Ray cluster address (default: $RAY_ADDRESS)")
    sw.add_argument("--results", default=None, help=f"results folder (default: the file's results:, else {DEFAULT_RESULTS})")
    sw.add_argument("--data-dir", default=None)
    sw.add_argument("--dry-run", action="store_true", help="list the runs that would execute, run nothing")
    sw.add_argument("--no-progress", action="store_true", help="no progress bar (the per-run lines stay)")
    sw.add_argument("--device", default=None, help="where the runs train: auto, cpu, cuda (one run per GPU), cuda:N or mps "
                                                  "(default: the file's device:, else auto)")

    rep = sub.add_parser("report", help="leaderboard tables from run records")
    rep.add_argument("--results", default=DEFAULT_RESULTS, help=f"results folder (default {DEFAULT_RESULTS}; the committed "
                     f"leaderboards: results)")
    rep.add_argument("--format", default="md", choices=["md", "csv", "json", "html", "data"],
                     help="md (with published rows, significance, stability), csv, json, html (a page with plots), or "
                          "data (a folder: leaderboard.json and one CSV per task and protocol)")
    rep.add_argument("--out", default=None, help="write here instead of stdout (html: a folder that gets index.html); "
                                                  "never over a run record, inside a run folder, or over a file ganbench "
                                                  "did not write, unless --force")
    rep.add_argument("--force", action="store_true", help="--out may replace an existing file that is not a run record")
    rep.add_argument("--test", default="t", choices=["t", "rank", "welch", "mannwhitney"],
                     help="test of the best method vs each other over seeds: t (paired t where seeds share a start, "
                          "else Welch; the default) or rank (Wilcoxon signed-rank / Mann-Whitney); welch and mannwhitney "
                          "are the old names of the two")
    rep.add_argument("--tags-apart", action="store_true",
                     help="show tagged variants of a named protocol apart, as exploratory runs (default: ranked in "
                          "their protocol's table, named by their settings)")
    rep.add_argument("--task", action="append", default=None, help="only these tasks (repeatable)")
    rep.add_argument("--compare", action="append", default=None, metavar="METHOD",
                     help="methods of the cross-task summary, over the tasks all of them ran (repeatable; "
                          "default: the largest set of methods that ran the same tasks)")
    sens = sub.add_parser("sensitivity", help="re-score finished runs under other evaluation protocols (sample count, "
                                              "reference split, feature extractor, temperature)")
    sens.add_argument("--results", default=DEFAULT_RESULTS, help=f"results folder (default {DEFAULT_RESULTS})")
    sens.add_argument("--variants", default=None, help="comma-separated variant names or axes (e.g. samples-half,extractor), "
                                                      "'all', or 'default' (the default: each domain's cheap set)")
    sens.add_argument("--device", default="auto", help="where to evaluate: auto, cpu, cuda, cuda:N or mps (default auto)")
    sens.add_argument("--data-dir", default=None)
    rp = sub.add_parser("reproduce", help="re-run committed run records here and compare every metric with the "
                                          "committed value, against that method's seed spread")
    rp.add_argument("records", nargs="+", help="run record files (.json) to re-run")
    rp.add_argument("--results", default=f"{DEFAULT_RESULTS}/reproduce",
                    help=f"where the re-runs go (default {DEFAULT_RESULTS}/reproduce; never the records' own folder)")
    rp.add_argument("--out", default=None, help="write the comparison (JSON, schema ganbench.reproduce/1) here; under a "
                                                "results folder, the report shows it")
    rp.add_argument("--data-dir", default=None)
    rp.add_argument("--device", default="auto", help="where to re-run: auto, cpu, cuda, cuda:N or mps (default auto)")
    from ganbench.cli_cache import add_parser as add_cache_parser

    add_cache_parser(sub)
    for command in sub.choices.values():  # --plugin also after the command name
        command.add_argument("--plugin", dest="plugin_after", action="append", default=argparse.SUPPRESS,
                             metavar="MODULE_OR_FILE", help=plugin_help)
    return p


def cmd_list(args) -> int:
    from ganbench.core.plugins import problems
    from ganbench.metrics import METRICS
    from ganbench.nets import NETS, parameter_counts
    from ganbench.objectives import OBJECTIVES
    from ganbench.remedies import REMEDIES
    from ganbench.engine.suites import SUITES
    from ganbench.tasks import TASKS

    def mark(e) -> str:  # "[plugin my-gan-plugin 0.1]" after a plugin's summary
        return f" [{e.origin}]" if e.is_plugin else ""

    if args.json:
        print(json.dumps({
            "tasks": [{"name": e.name, "summary": e.summary, "origin": e.origin} for e in TASKS.entries()],
            "objectives": [{"name": e.name, "summary": e.summary, "origin": e.origin} for e in OBJECTIVES.entries()],
            "metrics": [{"name": e.name, "direction": e.meta["direction"], "summary": e.summary, "origin": e.origin}
                        for e in METRICS.entries()],
            "nets": [{"name": e.name, "role": e.meta.get("role"), "summary": e.summary, "origin": e.origin,
                      "parameters": dict(parameter_counts(e.name))} for e in NETS.entries()],
            "remedies": [{"name": e.name, "keys": dict(e.meta.get("keys") or {}), "summary": e.summary, "origin": e.origin}
                         for e in REMEDIES.entries()],
            "suites": [{"name": s.name, "summary": s.summary} for s in SUITES.values()],
            "plugin_problems": problems(),
        }, indent=2))
        return 0
    by_domain: dict[str, list] = {}
    for e in TASKS.entries():
        by_domain.setdefault(e.name.split("/")[0], []).append(e)
    print("Tasks")
    for domain, entries in by_domain.items():
        print(f"  {domain}")
        for e in entries:
            print(f"    {e.name:<24} {e.summary}{mark(e)}")
    print("\nObjectives")
    for e in OBJECTIVES.entries():
        print(f"  {e.name:<14} {e.summary}{mark(e)}")
    print("\nMetrics")
    for e in METRICS.entries():
        arrow = "↑" if e.meta["direction"] == "max" else "↓"
        print(f"  {e.name:<16} {arrow} {e.summary}{mark(e)}")
    print("\nNets (--set g_arch=NAME / d_arch=NAME)")
    for e in NETS.entries():
        role = "G" if e.meta.get("role") == "generator" else "D"
        counts = "; ".join(f"{n / 1e6:.2f}M params ({what})" for what, n in parameter_counts(e.name))
        print(f"  {e.name:<20} {role} {e.summary}{mark(e)}" + (f"\n  {'':<22}{counts}" if counts else ""))
    print("\nRemedies (--set KEY=VALUE; composable with every adversarial objective)")
    for e in REMEDIES.entries():
        keys = ", ".join(f"{k} (off: {v})" for k, v in dict(e.meta.get("keys") or {}).items())
        print(f"  {e.name:<14} {e.summary}; {keys}{mark(e)}")
    print("\nSuites")
    for s in SUITES.values():
        print(f"  {s.name:<14} {s.summary}")
    for line in problems():  # a broken plugin is skipped, never breaks the listing
        print(f"ganbench: plugin problem: {_one_line(line)}", file=sys.stderr)
    return 0


def _plan(args) -> list:
    """The run requests the command asks for, from the one planner (names validated first)."""
    from ganbench.core.config import parse_overrides
    from ganbench.engine.planning import Point, parse_seeds, plan_runs

    return plan_runs(
        results=Path(args.results), tasks=args.tasks, suite=args.suite,
        objectives=_csv(args.objective) if args.objective is not None else None,
        seeds=parse_seeds(args.seeds, "--seeds") if args.seeds else None, budget=args.budget, steps=args.steps,
        overrides=parse_overrides(args.overrides), points=[Point({}, args.tag)], data_dir=args.data_dir,
        progress=False if args.no_progress else None, device=args.device)


def cmd_run(args) -> int:
    from ganbench.reporting.markdown import to_markdown
    from ganbench.reporting.tables import build_tables
    from ganbench.core.records import load_records
    from ganbench.engine.runner import prepare

    from ganbench.core.device import resolve_device

    resolve_device(args.device)  # a device that is not here: one line, exit 2, before anything loads
    if args.workers is not None and args.workers < 1:
        raise UserError(f"--workers must be at least 1, got {args.workers}")
    requests = _plan(args)
    results = Path(args.results)
    for req in requests:  # configure everything before the first step: bad combos fail now
        prepare(req)
    workers = args.workers if args.workers is not None else (None if args.suite else 1)  # None: cores // threads
    if len(requests) > 1 and workers != 1:
        done_ids, failed = _run_side_by_side(requests, workers, suite=bool(args.suite))
    else:
        done_ids, failed = _run_one_by_one(requests, suite=bool(args.suite))
    if not args.no_table:
        loaded = load_records(results)
        recs = [r for r in loaded.records if r["run_id"] in done_ids]
        command = "ganbench " + " ".join(shlex.quote(a) for a in sys.argv[1:])
        print()
        print(to_markdown(build_tables(recs), recs, command=command))
    return 1 if failed else 0


def _run_side_by_side(requests: list, workers: int | None, suite: bool) -> tuple[set[str], int]:
    """The runs on a local process pool (as ``ganbench sweep``), one line each as it ends. A suite
    goes on without a task whose data is absent here and says how to get it; any other input error
    of a run (a record that appeared under another config meanwhile) is its line, and exit 2."""
    from ganbench.engine.executors import Progress, run_local

    bar = Progress(len(requests), enabled=False)
    missing = []

    def on_done(summary: dict) -> None:
        if suite and summary.get("missing_data"):
            missing.append(summary)
            bar.done += 1
            print(f"[{bar.done}/{bar.total}] {summary['run_id']}: skipped, {summary['missing_data']}", flush=True)
            return
        bar(summary)

    summaries = run_local(requests, workers, on_done)
    errors = [s for s in summaries if s.get("status") == "error" and s not in missing]
    if errors:
        raise UserError(f"{errors[0]['run_id']}: {errors[0]['error']}"
                        + (f" (and {len(errors) - 1} more runs could not start)" if len(errors) > 1 else ""))
    return {s["run_id"] for s in summaries if s.get("status") in ("ok", "diverged", "failed")}, \
        sum(s.get("status") == "failed" for s in summaries)


def _run_one_by_one(requests: list, suite: bool) -> tuple[set[str], int]:
    from ganbench.engine.runner import execute

    failed = 0
    done_ids = set()
    missing_data: set[str] = set()
    for i, req in enumerate(requests, 1):
        if req.task in missing_data:
            continue
        try:
            outcome = execute(req)
        except DataNotFoundError as exc:
            if not suite:
                raise
            # a suite goes on without a task whose data is absent here, and says how to get it
            missing_data.add(req.task)
            print(f"[{i}/{len(requests)}] {req.task}: skipped, {exc}", flush=True)
            continue
        rec = outcome.record
        done_ids.add(rec["run_id"])
        main = rec["task"].get("main_metric")
        value = rec["metrics"].get(main, {}).get("value") if main else None
        extra = f"{main}={value}" if value is not None else (rec.get("error") or json.dumps(rec.get("diverged")))
        wall = rec.get("wall_time_s")
        print(f"[{i}/{len(requests)}] {rec['run_id']}: {outcome.action}, {rec['status']}"
              + (f", {wall:.1f}s" if isinstance(wall, (int, float)) else "") + f", {extra}", flush=True)
        failed += rec["status"] == "failed"
    return done_ids, failed


def cmd_sweep(args) -> int:
    from ganbench.engine.sweep import execute_sweep

    if args.workers is not None and args.workers < 1:  # before planning, not after
        raise UserError(f"--workers must be at least 1, got {args.workers}")
    return execute_sweep(args.file, executor=args.executor, workers=args.workers, threads=args.threads,
                         address=args.address, results=args.results, data_dir=args.data_dir, dry_run=args.dry_run,
                         progress=False if args.no_progress else None, device=args.device)


def cmd_eval(args) -> int:
    from ganbench.domains import evaluable_metrics
    from ganbench.engine.evaluator import evaluate_samples
    from ganbench.engine.runner import load_task

    from ganbench.core.device import resolve_device

    if args.out:  # before the work, not after it
        check_output_file(args.out, "--out", "give a file you can write, or leave --out out")
        check_replaceable(args.out, "--out", args.force)
    device = resolve_device(args.device)
    task = load_task(args.task, args.data_dir)
    names = _csv(args.metrics) if args.metrics else list(task.spec.metrics)
    allowed = evaluable_metrics(task.spec)  # the task's metrics, then its domain's on-request ones (video: fvd)
    unknown = [n for n in names if n not in allowed]
    if unknown:
        raise UserError(f"{args.task} has no metric {', '.join(unknown)}: choose from {', '.join(allowed)}")
    samples = _load_samples(task, Path(args.samples))
    options = {"extractor": args.extractor} if args.extractor else None
    values = evaluate_samples(task, samples, names, options, device=device)
    out = {"schema": "ganbench.eval/1", "task": task.spec.name, "task_version": task.spec.version, "samples": str(args.samples),
           "metrics": {k: v.to_json() for k, v in values.items()}}
    text = json.dumps(out, indent=2)
    print(text)
    if args.out:
        from ganbench.core.atomic import atomic_write_text

        atomic_write_text(Path(args.out), text + "\n")
    return 0


def _load_samples(task, path: Path):
    """The task reads its sample format; a folder where it wants a file, and a file the OS or an
    image library cannot read, are one-line errors here too (a task that reads folders says
    itself what is wrong with one)."""
    from ganbench.core.paths import refuse_special_file

    refuse_special_file(path)
    try:
        return task.load_samples(path)
    except UserError:
        if path.is_dir() and not task.sample_folders:
            raise UserError(f"sample file {path} is a folder, not a file: {task.spec.name} reads its samples "
                            f"from one file (ganbench eval --help)") from None
        raise
    except OSError as exc:  # e.g. PIL's "cannot identify image file"
        raise UserError(f"cannot read the samples in {path}: {exc}; give files in the task's format") from None


def cmd_report(args) -> int:
    from ganbench.reporting.tables import build_tables, to_csv
    from ganbench.core.atomic import atomic_write_text
    from ganbench.core.records import load_records, skip_message

    results = Path(args.results)
    if results.exists() and not results.is_dir():
        raise UserError(f"results folder {results} is a file, not a folder: pass --results DIR (the folder of the records)")
    if not results.is_dir():
        raise UserError(f"results folder {results} does not exist: run `ganbench run ...` first or pass --results DIR")
    if args.out:  # before the work, not after it
        fix = "give a path you can write, or leave --out out"
        if args.format == "data" or args.format == "html" and Path(args.out).suffix.lower() not in (".html", ".htm"):
            check_output_dir(args.out, "--out", fix)
            check_replaceable(args.out, "--out", args.force)
            written = ("leaderboard.json", "index.csv") if args.format == "data" else ("index.html",)
            for name in written:
                check_replaceable(Path(args.out) / name, "--out", args.force)
        else:
            check_output_file(args.out, "--out", fix)
            check_replaceable(args.out, "--out", args.force)
    loaded = load_records(results)
    for path, why in loaded.problems:  # one line per file left out, naming it and why
        print(f"warning: {skip_message(path, why)}", file=sys.stderr)
    recs, excluded = loaded.records, loaded.excluded
    if args.task:
        recs = [r for r in recs if r["task"]["name"] in args.task]
        excluded = [r for r in excluded if r["task"]["name"] in args.task]
    if not recs:
        raise UserError(f"no run records in {results}" + (f" for {', '.join(args.task)}" if args.task else ""))
    command = "ganbench " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    options = dict(excluded=excluded, compare=args.compare, tags_apart=args.tags_apart)
    if args.format == "html":
        from ganbench.reporting.html import write_html_report

        if not args.out:
            raise UserError("--format html needs --out DIR (the folder that gets index.html)")
        out = Path(args.out)
        page = dict(command=command, source=str(results), problems=loaded.problems, test=args.test, **options)
        if out.suffix.lower() not in (".html", ".htm"):
            path = write_html_report(recs, out, **page)
        else:  # a page of its own name: written beside it, never over the folder's index.html
            import tempfile

            out.parent.mkdir(parents=True, exist_ok=True)
            scratch = Path(tempfile.mkdtemp(prefix=".ganbench-report-", dir=out.parent))
            try:
                write_html_report(recs, scratch, **page).replace(out)
            finally:
                shutil.rmtree(scratch, ignore_errors=True)
            path = out
        print(f"wrote {path}", file=sys.stderr)
        return 0
    if args.format == "md":
        from ganbench.reporting.leaderboard import leaderboard_markdown

        text = leaderboard_markdown(recs, source=str(results), command=command, test=args.test, **options)
    elif args.format == "csv":
        text = to_csv(build_tables(recs, excluded, args.tags_apart))
    else:
        from ganbench.reporting.leaderboard import build_leaderboard, leaderboard_json

        lb = build_leaderboard(recs, args.test, source=results, **options)
        if args.format == "data":
            from ganbench.reporting.data import write_data

            if not args.out:
                raise UserError("--format data needs --out DIR (the folder that gets leaderboard.json and tables/)")
            folder = write_data(lb, Path(args.out), loaded.problems, command=command)
            print(f"wrote {folder}", file=sys.stderr)
            return 0
        text = leaderboard_json(lb, loaded.problems)
    if args.out:
        atomic_write_text(Path(args.out), text if text.endswith("\n") else text + "\n")
        print(f"wrote {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0


def cmd_sensitivity(args) -> int:
    from ganbench.engine.sensitivity import reevaluate

    done = reevaluate(args.results, _csv(args.variants) if args.variants is not None else None, device=args.device,
                      data_dir=args.data_dir, log=lambda line: print(line, flush=True))
    return 1 if any(r.failed or r.error for r in done) else 0


def cmd_reproduce(args) -> int:
    from ganbench.core.device import resolve_device
    from ganbench.engine.reproduce import reproduce

    if args.out:
        check_output_file(args.out, "--out", "give a file you can write, or leave --out out")
    resolve_device(args.device)
    reproduce(args.records, args.results, args.out, args.data_dir, args.device, log=lambda line: print(line, flush=True))
    if args.out:
        print(f"wrote {args.out}", file=sys.stderr)
    return 0


def cmd_cache(args) -> int:
    from ganbench.cli_cache import cmd_cache as run

    return run(args)


COMMANDS = {"list": cmd_list, "run": cmd_run, "sweep": cmd_sweep, "eval": cmd_eval, "report": cmd_report,
            "sensitivity": cmd_sensitivity, "cache": cmd_cache, "reproduce": cmd_reproduce}


def _one_line(text: str) -> str:
    """A message is one line even when it quotes a path or name with a newline or other control
    character in it: those are shown escaped (``\\n``)."""
    return "".join(ch.encode("unicode_escape").decode("ascii") if ord(ch) < 32 or ord(ch) == 127 else ch
                   for ch in text)


def _stdout_closed() -> bool:
    """Whether stdout is a pipe whose reader has gone (what a BrokenPipeError in a command means)."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        return True
    except (OSError, ValueError):
        return False
    try:  # the buffer may have been dropped with the failed write: ask the pipe itself
        import select

        poller = select.poll()
        poller.register(sys.stdout.fileno(), select.POLLOUT)
        return any(event & select.POLLERR for _, event in poller.poll(0))
    except (AttributeError, OSError, ValueError):  # no poll() here, or stdout is no file
        return False


def _quiet_after_closed_pipe() -> int:
    """End as a command killed by SIGPIPE would, without a word: the output nobody reads goes to
    /dev/null so the interpreter's last flush cannot fail again (Python's documented recipe)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    return 141  # 128 + SIGPIPE, the status a shell reports for `yes | head -1`


def _one_line_warning(message, category, filename, lineno, line=None) -> str:
    """A warning as the CLI's other messages are: one line, no source line under it."""
    return f"ganbench: warning: {_one_line(str(message))}\n"


def main(argv: list[str] | None = None) -> int:
    import warnings

    previous, warnings.formatwarning = warnings.formatwarning, _one_line_warning
    try:
        return _main(argv)
    finally:
        warnings.formatwarning = previous


def _main(argv: list[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        from ganbench.core.plugins import env_problems, use

        if getattr(args, "results", None) == "":  # Path("") would be the current folder
            raise UserError("--results is empty: give the results folder (e.g. --results runs)")
        if getattr(args, "data_dir", None) is not None:
            check_data_dir(args.data_dir)
        use(args.plugin + getattr(args, "plugin_after", []))  # before any registry is read
        if args.command != "list":  # (list shows every plugin problem itself)
            for line in env_problems():  # GANBENCH_PLUGINS garbage: one line each, the built-ins work on
                print(f"ganbench: plugin problem: {_one_line(line)}", file=sys.stderr)
        code = COMMANDS[args.command](args)
        sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's last flush
        return code
    except BrokenPipeError as exc:
        if _stdout_closed():  # `ganbench list | head -3`: the reader has all it wanted
            return _quiet_after_closed_pipe()
        print(f"ganbench: error: {_one_line(os_error_line(exc, verb='cannot use'))}", file=sys.stderr)
        return 2
    except UserError as exc:
        print(f"ganbench: error: {_one_line(str(exc))}", file=sys.stderr)
        return 2
    except OSError as exc:  # the machine, not the input: one line naming the path and the cause
        print(f"ganbench: error: {_one_line(os_error_line(exc, verb='cannot use'))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("ganbench: interrupted; finished records are kept, re-run the same command to resume", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
