"""Domain declarations: each registered domain is consistent with the registries it feeds, and a domain
declared here, outside the package, drives the metric-free parts of the reports and the suites with no
edit to reporting or suite code (adding a domain = its package + one registry line)."""

import io
import json
import subprocess
import sys

import pytest

from ganbench.core.domain import MAX, MIN, CollapseMetric, Domain, Metric, SampleDrawing
from ganbench.domains import DOMAINS, declared, domain_of
from ganbench.metrics import METRICS
from ganbench.metrics.base import MetricFamily
from ganbench.objectives import OBJECTIVES
from ganbench.reporting.stability import _norm, collapse_note, stability_summary
from ganbench.engine.suites import SUITES, get_suite
from ganbench.tasks import TASKS

from domain_fixtures import add_domain

DECLARED = declared()


def _ids(d):
    return d.name


# --- every registered domain --------------------------------------------------------------------
def test_registry_points_at_each_package_domain():
    assert [d.name for d in DECLARED] == DOMAINS.names() == ["toy", "text", "image", "video", "molecule"]
    assert "sequence" not in DOMAINS  # shared machinery of text and molecule, not a domain
    for d in DECLARED:
        assert DOMAINS.entry(d.name).target == f"ganbench.domains.{d.name}:DOMAIN"
        assert d.summary and "\n" not in d.summary


def test_every_task_belongs_to_a_registered_domain():
    for name in TASKS.names():
        assert domain_of(name) is not None, name
    assert domain_of("nowhere/x") is None


def test_declaring_and_listing_import_nothing_heavy():
    code = ("import sys; from ganbench.domains import declared; declared(); from ganbench.metrics import METRICS;"
            "from ganbench.engine.suites import SUITES; import ganbench.reporting.stability; METRICS.names();"
            "bad = [m for m in sys.modules if m.split('.')[0] in ('torch', 'rdkit', 'torchvision')"
            " or m.startswith('ganbench.tasks.')]; assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_metric_registry_is_the_declarations_in_order():
    builtin = [e for e in METRICS.entries() if not getattr(e, "is_plugin", False)]
    declared_metrics = [m for d in DECLARED for m in d.metrics]
    assert [e.name for e in builtin] == [m.name for m in declared_metrics]
    for e, m in zip(builtin, declared_metrics):
        assert (e.target, e.summary, e.meta) == (m.target, m.summary, {"direction": m.direction, **m.meta})
    # a sample of today's facts, so a slip in a declaration shows up here and not in a leaderboard
    assert METRICS.names()[:3] == ["modes_covered", "high_quality", "mode_kl"]
    assert METRICS.entry("fcd_test").meta == {"direction": MIN, "slow": True}
    assert METRICS.entry("validity").meta == {"direction": MAX}


@pytest.mark.parametrize("domain", DECLARED, ids=_ids)
def test_declared_metrics_resolve_to_families_that_provide_them(domain):
    for m in domain.metrics:
        family = METRICS.get(m.name)
        assert isinstance(family, type) and issubclass(family, MetricFamily), m.target
        assert family.provides.get(m.name) == m.direction, (m.name, family.provides)


@pytest.mark.parametrize("domain", DECLARED, ids=_ids)
def test_collapse_and_qd_pairs_name_the_domains_metrics(domain):
    own = {m.name for m in domain.metrics}
    assert domain.collapse and domain.collapse_note.split(":")[0] in (domain.name, domain.name + "s")
    for col in domain.collapse:
        matches = [m for m in own if any(_norm(a) == _norm(m) for a in col.accepted)]
        assert matches, (col.label, col.accepted)
        assert all(METRICS.entry(m).meta["direction"] == col.direction for m in matches)
    for x, y in domain.qd_pairs:
        assert x in own and y in own, (x, y)


@pytest.mark.parametrize("domain", DECLARED, ids=_ids)
def test_suite_objectives_are_registered_objectives_of_known_suites(domain):
    assert domain.suite_objectives  # every domain runs in at least the quick suite
    for suite, objectives in domain.suite_objectives.items():
        assert suite in SUITES, suite
        assert all(o in OBJECTIVES for o in objectives), objectives


def test_suites_read_the_domains():
    quick = get_suite("quick")
    assert quick.objectives == {"toy": ("ns", "hinge"), "text": ("mle", "seqgan"), "image": ("ns", "hinge"),
                                "video": ("ns", "hinge"), "molecule": ("mle",)}
    assert get_suite("molecule").objectives_for("molecule/moses") == ("mle", "seqgan", "organ")
    with pytest.raises(Exception, match="suite toy has no methods for domain 'image'"):
        get_suite("toy").objectives_for("image/mnist")


def test_molecule_drawing_is_a_png_of_the_valid_smiles():
    pytest.importorskip("rdkit")
    drawing = domain_of("molecule/moses").sample_drawing
    png = drawing.draw(["CCO", "not_a_smiles", "c1ccccc1"])
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert drawing.draw(["not_a_smiles", ""]) is None


def test_bad_declarations_fail_when_declared():
    with pytest.raises(ValueError, match="direction"):
        Metric("m", "a.b:C", "up", "one line")
    with pytest.raises(ValueError, match="module:attr"):
        Metric("m", "a.b.C", MAX, "one line")
    with pytest.raises(ValueError, match="twice"):
        Domain("d", "s", metrics=(Metric("m", "a:B", MAX, "x"), Metric("m", "a:B", MAX, "x")))
    with pytest.raises(ValueError, match="accepts no metric"):
        CollapseMetric("c", MAX, ())
    with pytest.raises(ValueError, match="objective names"):
        Domain("d", "s", suite_objectives={"quick": ()})
    with pytest.raises(ValueError, match="without '/'"):
        Domain("a/b", "s")


# --- a domain declared outside the package ----------------------------------------------------
def draw_stars(lines):
    """The fake domain's sample drawing: a PNG whose width is the number of lines it was given."""
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (len(lines), 3), "white").save(buf, format="PNG")
    return buf.getvalue()


SPACE = Domain(
    name="space",
    summary="star fields (a domain that exists only in this test)",
    metrics=(Metric("hits", "ganbench.domains.toy.metrics:MixtureModeMetrics", MAX, "stars found"),
             Metric("spread", "ganbench.domains.toy.metrics:MixtureModeMetrics", MAX, "how spread out the stars are")),
    collapse=(CollapseMetric("stars found (fraction)", MAX, ("hits",), per="n_stars"),),
    collapse_note="space: fraction of stars found",
    qd_pairs=(("spread", "hits"),),
    sample_drawing=SampleDrawing(f"{__name__}:draw_stars", lines=5, alt="star fields"),
    suite_objectives={"quick": ("ns",)},
)


@pytest.fixture
def with_space(monkeypatch):
    """DOMAINS plus the fake domain, swapped in the way a new registry line would add it."""
    return add_domain(monkeypatch, "space", f"{__name__}:SPACE", SPACE.summary)


def rec(task, objective, seed, metrics, main="hits", status="ok", path=None, artifacts=None):
    out = {"schema": "ganbench.run/1", "run_id": f"{task}-{objective}-{seed}", "seed": seed, "tag": None,
           "task": {"name": task, "version": "1", "main_metric": main}, "objective": objective,
           "config": {"steps": 10}, "config_hash": "h", "status": status, "steps": {"planned": 10, "completed": 10},
           "metrics": metrics if status == "ok" else {}, "diverged": None, "error": None, "artifacts": artifacts or {}}
    if path is not None:
        out["_path"] = str(path)
    return out


def hits(v, n_stars=4):
    return {"hits": {"value": v, "direction": "max", "n_stars": n_stars}}


def test_fake_domain_drives_the_stability_summary(with_space):
    recs = [rec("space/stars", "ns", 0, hits(4)), rec("space/stars", "ns", 1, hits(2)),
            rec("space/galaxy", "ns", 0, hits(3, n_stars=6)), rec("space/stars", "hinge", 0, hits(1, n_stars=0)),
            rec("toy/ring8", "ns", 0, {"modes_covered": {"value": 8, "direction": "max", "n_modes": 8}},
                main="modes_covered")]
    st = stability_summary(recs)
    headers = [c.header for c in st.columns]
    # the new domain's column comes after the built-in ones (default report_rank), normalised by n_stars
    assert headers == ["toy: modes covered (fraction) ↑", "space: stars found (fraction) ↑"]
    by = {m.method: m for m in st.methods}
    assert by["ns"].collapse[headers[1]] == (pytest.approx((4 / 4 + 2 / 4 + 3 / 6) / 3), 3)
    assert headers[1] not in by["hinge"].collapse  # n_stars = 0: no fraction, not a zero
    assert collapse_note().endswith("; images: recall, coverage; video: recall, coverage of whole videos in "
                                    "fvd_local's features; space: fraction of stars found")
    # the same records without the fake domain registered: no column for it
    assert stability_summary(recs, domains=DOMAINS).columns[-1].domain == "toy"

    from ganbench.reporting.leaderboard import leaderboard_markdown

    md = leaderboard_markdown(recs)
    assert "space: stars found (fraction) ↑" in md and "space: fraction of stars found)." in md


def test_fake_domain_drives_the_html_samples_and_curves(with_space, tmp_path):
    from ganbench.reporting.html import write_html_report

    run = tmp_path / "run"
    run.mkdir()
    (run / "samples.txt").write_text("".join(f"star {i}\n" for i in range(20)))
    sweep = {"temperatures": [0.5, 1.0], "n_samples": 10,
             "points": [{"temperature": t, "hits": 3 / t, "spread": t} for t in (0.5, 1.0)]}
    (run / "qd.json").write_text(json.dumps(sweep))
    recs = [rec("space/stars", "ns", 0, hits(4), path=tmp_path / "r.json",
                artifacts={"samples": "run/samples.txt", "quality_diversity": "run/qd.json"})]
    page = write_html_report(recs, tmp_path / "site").read_text()
    assert 'alt="star fields generated by ns"' in page  # the domain's drawing, given its 5 lines
    src = page.split('alt="star fields generated by ns"')[0].rsplit('src="data:image/png;base64,', 1)[1].split('"')[0]
    from base64 import b64decode

    from PIL import Image

    assert Image.open(io.BytesIO(b64decode(src))).size == (5, 3)
    assert "star 7" in page and "star 8" not in page  # the text card shows the first 8 lines
    assert "Quality–diversity" in page  # the domain's (spread, hits) pair was drawn
    assert "space: fraction of stars found" in page


def test_fake_domain_joins_a_suite(with_space):
    quick = get_suite("quick")
    assert quick.objectives_for("space/stars") == ("ns",)
    assert quick.objectives["space"] == ("ns",)
