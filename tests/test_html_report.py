"""The HTML report as a user sees it: escaped, self-contained, tables and images really rendered."""

import base64
import html as htmlmod
import importlib.util
import io
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from ganbench.cli import main
from ganbench.reporting.html import write_html_report
from ganbench.reporting.leaderboard import build_leaderboard, leaderboard_markdown
from ganbench.core.records import load_records, write_record
from ganbench.reporting.stats import p_value

EVIL = "<script>alert(1)</script>"


def png_bytes(color="tab:red") -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(2, 2), dpi=40)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    ax.scatter([0, 1, 2], [2, 0, 1], color=color)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def quick_steps(task: str) -> int:
    """The task's quick budget: hand-made records at it sit in a named protocol's table."""
    from ganbench.tasks import TASKS

    return int(TASKS.get(task).spec.budgets["quick"])


def make_results(root: Path) -> Path:
    """Hand-made records with real artifacts: toy/ring8 (3 seeds x 2 methods, one evil name), text, molecule."""
    res = root / "runs"
    res.mkdir(parents=True)

    def record(task, main, objective, seed, metrics, status="ok", artifacts=None):
        rid = f"{task.replace('/', '-')}__{objective}__s{seed}".replace("<", "_").replace(">", "_").replace("/", "_")
        run_dir = res / rid
        run_dir.mkdir()
        arts = {}
        with open(run_dir / "log.csv", "w") as f:
            f.write("step,loss_d,loss_g,grad_norm_d,grad_norm_g\n")
            for s in range(200):
                f.write(f"{s},{1.4 - s / 400 + 0.01 * seed},{0.7 + s / 500},{0.5 + s / 300},{0.3 + s / 1000}\n")
        arts["log"] = f"{rid}/log.csv"
        with open(run_dir / "evals.jsonl", "w") as f:
            for s in (50, 100, 150):
                f.write(json.dumps({"step": s, main: s / 50 + seed}) + "\n")
        arts["evals"] = f"{rid}/evals.jsonl"
        for name, (fname, data) in (artifacts or {}).items():
            (run_dir / fname).write_bytes(data)
            arts[name] = f"{rid}/{fname}"
        rec = {"schema": "ganbench.run/1", "run_id": rid, "task": {"name": task, "version": "1", "main_metric": main},
               "objective": objective, "seed": seed, "tag": None, "config": {"steps": quick_steps(task)}, "config_hash": "abc",
               "steps": {"planned": 200, "completed": 200}, "status": status, "metrics": metrics if status == "ok" else {},
               "diverged": {"step": 120, "reason": "non-finite loss_d"} if status == "diverged" else None,
               "error": "RuntimeError: boom <b>" if status == "failed" else None, "artifacts": arts}
        write_record(res / f"{rid}.json", rec)

    def toy(v, hq):
        d = {"n_samples": 2500, "n_modes": 8, "sigma": 0.01, "threshold_sigma": 3.0}
        return {"modes_covered": {"value": v, "direction": "max", **d}, "high_quality": {"value": hq, "direction": "max", **d}}

    for seed, (v, hq) in enumerate([(8, 60.0), (8, 55.0), (7, 58.0)]):
        record("toy/ring8", "modes_covered", "ns", seed, toy(v, hq), artifacts={"samples_png": ("samples.png", png_bytes())})
    for seed, (v, hq) in enumerate([(2, 10.0), (3, 12.0), (2, 9.0)]):
        record("toy/ring8", "modes_covered", EVIL, seed, toy(v, hq), artifacts={"samples_png": ("samples.png", png_bytes("tab:blue"))})
    record("toy/ring8", "modes_covered", "hinge", 0, {}, status="diverged")
    record("toy/ring8", "modes_covered", "hinge", 1, {}, status="failed")
    text_metrics = {"bleu4": {"value": 0.21, "direction": "max", "n_samples": 1000},
                    "self_bleu4": {"value": 0.55, "direction": "min", "n_samples": 1000}}
    sweep = {"temperatures": [0.7, 1.0, 1.3], "n_samples": 500, "seed": 1, "metrics": ["bleu5", "self_bleu5"],
             "points": [{"temperature": t, "bleu5": 0.3 / t, "self_bleu5": 0.7 / t} for t in (0.7, 1.0, 1.3)]}
    record("text/coco", "bleu4", "mle", 0, text_metrics,
           artifacts={"samples": ("samples.txt", b"a man riding a horse\n<img src=x onerror=alert(2)>\n"),
                      "quality_diversity": ("quality_diversity.json", json.dumps(sweep).encode())})
    record("molecule/moses", "validity", "mle", 0, {"validity": {"value": 0.9, "direction": "max", "n_samples": 3}},
           artifacts={"samples": ("samples.smi", b"CCO\nc1ccccc1\nnot_a_smiles\n")})
    return res


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    root = tmp_path_factory.mktemp("report")
    res = make_results(root)
    loaded = load_records(res)
    assert not loaded.problems
    path = write_html_report(loaded.records, root / "site", command="ganbench report --format html", source=str(res))
    return path, path.read_text(), loaded.records


class Collect(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.imgs, self.classes, self.script = [], [], [], 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        self.script += tag == "script"
        if tag == "img":
            self.imgs.append(a.get("src", ""))
        if a.get("class"):
            self.classes += a["class"].split()


def test_user_strings_are_escaped(report):
    _, page, _ = report
    assert EVIL not in page and htmlmod.escape(EVIL) in page
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(2)&gt;" in page
    assert "boom <b>" not in page and "boom &lt;b&gt;" in page
    c = Collect()
    c.feed(page)
    assert c.script == 0  # no script at all: the page is static


def test_self_contained_with_images_tables_and_published_rows(report):
    _, page, _ = report
    c = Collect()
    c.feed(page)
    assert all(src.startswith("data:image/png;base64,") for src in c.imgs)
    assert not re.search(r'(src|href)="(https?:)?//[^"]*\.(js|css|png)', page)  # no external asset
    # toy/ring8: training curves + metric curves + 2 sample images; molecule grid when RDKit is here
    assert len(c.imgs) >= 4
    for src in c.imgs:
        assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    assert c.tags.count("table") >= 4
    ring = page[page.index('data-task="toy/ring8"'):]
    ring = ring[:ring.index("</table>")]
    assert ring.count('class="published"') == 9  # 4 VEEGAN + 5 PacGAN rows, marked
    assert "published · verified" in ring
    assert "a man riding a horse" in page
    assert "Published results for tasks without runs here" in page and "text/oracle-l20" in page
    # the molecule domain's declared drawing of its sample file
    if importlib.util.find_spec("rdkit") is not None:
        assert 'alt="molecules generated by mle"' in page
    assert 'alt="molecules generated by' not in page.split('data-task="molecule/moses"')[0]


def test_text_task_shows_its_quality_diversity_curves(report):
    _, page, _ = report
    coco = page[page.index('data-task="text/coco"'):]
    coco = coco[:coco.index("</section>")] if "</section>" in coco else coco
    assert "Quality–diversity" in coco and "0.7, 1, 1.3" in coco and "500 samples per point" in coco
    fig = coco[coco.index("Quality–diversity") - 20000:coco.index("Quality–diversity")]
    assert "data:image/png;base64," in fig


def test_significance_column_and_best_in_bold(report):
    _, page, records = report
    lb = build_leaderboard(records)
    ring = next(t for t in lb.tables if t.task == "toy/ring8")
    assert [r.label for r in ring.rows][:2] == ["ns", EVIL]
    p, _ = p_value([8, 8, 7], [2, 3, 2], paired=True)  # the same config: each seed starts alike, so they pair
    row = page[page.index(htmlmod.escape(EVIL)):]
    row = row[:row.index("</tr>")]
    assert f"p={p:.2g}" in row and '<span class="sig">yes</span>' in row and "paired t-test, 3 pairs" in row
    assert "<strong>7.667 ± 0.577</strong>" in page
    hinge = page[page.index('<td class="l">hinge</td>'):]
    hinge = hinge[:hinge.index("</tr>")]
    assert "(at 120)" in hinge and 'class="err"' in hinge and "n/a (no finished run)" in hinge


def test_markdown_has_published_rows_significance_and_stability(report):
    _, _, records = report
    md = leaderboard_markdown(records)
    assert "| published | *VEEGAN* [veegan, verified] |" in md
    p, _ = p_value([8, 8, 7], [2, 3, 2], paired=True)
    assert "vs best: p (Holm-adjusted)" in md and f"p={p:.2g} (Holm {p:.2g}) ✓" in md  # one test: Holm leaves it
    assert "| paired t-test, 3 pairs |" in md
    assert "## Stability across domains" in md and "toy: modes covered (fraction) ↑" in md
    assert "text: self-BLEU-4 ↓" in md
    # published rows never change our ranks: ns stays rank 1 although VEEGAN's 8 modes > 7.667
    assert re.search(r"^\| 1 \| ns \|", md, re.M)


def test_rank_intervals_summary_matrix_and_compute_sections(report):
    _, page, records = report
    lb = build_leaderboard(records)
    ring = lb.ranking(next(t for t in lb.tables if t.task == "toy/ring8"))
    assert [m.label for m in ring.methods] == ["ns", EVIL, "hinge"] and ring.unranked == []
    # hinge: its one diverged seed is a result (the worst value, ranked last), its crash is left out; one seed
    # has no spread to resample, so its interval is every rank and it cannot be ruled out as first
    hinge = ring.methods[2]
    assert hinge.outcomes == [2.0] and hinge.interval == (1, 3)
    assert ring.defensibly_first() == ["ns", "hinge"] and ring.methods[1].interval == (2, 2)
    ring_sec = page[page.index('data-task="toy/ring8"'):]
    ring_sec = ring_sec[:ring_sec.index("</section>")]
    assert "Rank intervals on <code>modes_covered</code>" in ring_sec and 'class="ranking"' in ring_sec
    assert "Equal compute: <code>modes_covered</code>" in ring_sec and 'class="compute"' in ring_sec
    assert "Across tasks: mean rank" not in page and "Across tasks: like with like" in page
    matrix = page[page.index('id="matrix"'):]
    matrix = matrix[:matrix.index("</section>")]
    assert 'class="matrix"' in matrix and 'alt="methods by domains heat map"' in matrix
    assert re.search(r'<td class="l" style="background:#[0-9a-f]{6}">', matrix)  # the colour scale
    assert htmlmod.escape(EVIL) in matrix and EVIL not in matrix


def test_cli_html_needs_out_and_writes_index(tmp_path, capsys):
    res = make_results(tmp_path)
    assert main(["report", "--results", str(res), "--format", "html"]) == 2
    assert "--out" in capsys.readouterr().err
    assert main(["report", "--results", str(res), "--format", "html", "--out", str(tmp_path / "site")]) == 0
    assert (tmp_path / "site" / "index.html").read_text().startswith("<!DOCTYPE html>")
    assert main(["report", "--results", str(res), "--format", "html", "--out", str(tmp_path / "lb.html"),
                 "--test", "rank", "--task", "toy/ring8"]) == 0
    assert "Wilcoxon signed-rank test, 3 pairs" in (tmp_path / "lb.html").read_text()


# --- headless Chromium -------------------------------------------------------------------------------
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]

CHECK_IMAGES = """<script>
window.addEventListener('load', function () {
  var imgs = Array.from(document.images);
  var ok = imgs.filter(function (i) { return i.complete && i.naturalWidth > 0; }).length;
  document.body.setAttribute('data-images', imgs.length);
  document.body.setAttribute('data-decoded', ok);
  document.body.setAttribute('data-tables', document.querySelectorAll('table.leaderboard tbody tr').length);
});
</script></body>"""


def chromium(tmp_path, *args, timeout=90):
    profile = tmp_path / "chromium-profile"
    cmd = [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args]
    return subprocess.run(cmd, capture_output=True, timeout=timeout)


@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed (apt-get install chromium)")
def test_renders_in_headless_chromium(report, tmp_path):
    path, page, _ = report
    # 1. the DOM after layout: tables, rows and every image decoded by the browser
    probe = tmp_path / "probe.html"
    probe.write_text(page.replace("</body>", CHECK_IMAGES))
    out = chromium(tmp_path, "--virtual-time-budget=10000", "--dump-dom", probe.as_uri())
    dom = out.stdout.decode("utf-8", "replace")
    assert out.returncode == 0 and "<table" in dom, out.stderr.decode()[-2000:]
    body = re.search(r"<body([^>]*)>", dom).group(1)
    attrs = dict(re.findall(r'data-(\w+)="(\d+)"', body))
    assert int(attrs["images"]) >= 4 and attrs["decoded"] == attrs["images"], attrs
    assert int(attrs["tables"]) >= 2 + 2 + 9  # our rows + published rows
    assert "published · verified" in dom and "&lt;script&gt;alert(1)&lt;/script&gt;" in dom
    # 2. a screenshot of the page itself is not blank: the plots and tables are painted
    shot = tmp_path / "shot.png"
    out = chromium(tmp_path, "--window-size=1280,2400", f"--screenshot={shot}", path.as_uri())
    assert out.returncode == 0 and shot.is_file(), out.stderr.decode()[-2000:]
    from matplotlib.image import imread

    img = imread(str(shot))[..., :3]
    non_white = (img < 0.95).any(axis=-1).mean()
    colourful = ((img.max(axis=-1) - img.min(axis=-1)) > 0.3).mean()
    assert non_white > 0.05 and colourful > 0.001, (non_white, colourful)


def test_each_table_says_its_device_and_flags_mixed_hardware(report, tmp_path):
    _, page, records = report
    ring = page[page.index('data-task="toy/ring8"'):]
    assert "device: cpu (model not recorded), fp32" in ring[:ring.index("</ul>")]  # records from before devices: the CPU, fp32
    mixed = [dict(r) for r in records]
    first = next(i for i, r in enumerate(mixed) if r["task"]["name"] == "toy/ring8")
    mixed[first]["provenance"] = {"device": "cuda:0", "device_name": "NVIDIA H200", "precision": "bf16"}
    page = write_html_report(mixed, tmp_path / "site").read_text()
    ring = page[page.index('data-task="toy/ring8"'):]
    assert "device: MIXED (" in ring[:ring.index("</ul>")] and "cuda (NVIDIA H200), bf16: 1 run" in ring
