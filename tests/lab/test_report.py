"""Reports: files written, evidence and categories on failure, history and trend, the page in Chromium, nightly."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from airgaplab.exercise.drills import DRILLS
from airgaplab.lab.specfile import load_spec
from airgaplab.paths import default_lab_file
from airgaplab.suite.catalog import catalog
from tests.helpers import ROOT, cli, lab_name, lab_traces


@pytest.fixture
def reports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path / "reports"
    monkeypatch.setenv("AIRGAPLAB_REPORTS", str(d))
    return d


def runs(reports: Path, lab: str) -> list[Path]:
    return sorted(p for p in (reports / lab).iterdir() if p.is_dir())


def chromium_check(page: Path, tmp_path: Path) -> tuple[str, str]:
    """Render the page headless: (DOM after load, browser log). Also leaves a screenshot beside it."""
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        pytest.fail("chromium is not installed: run `make deps-test`")
    flags = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'chromium'}", "--enable-logging=stderr", "--v=0"]
    shot = subprocess.run([*flags, "--window-size=1280,2400", f"--screenshot={page.with_suffix('.png')}", page.as_uri()],
                          capture_output=True, text=True, timeout=120)
    assert shot.returncode == 0 and page.with_suffix(".png").stat().st_size > 10_000, shot.stderr[-2000:]
    dom = subprocess.run([*flags, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120)
    return dom.stdout, shot.stderr + dom.stderr


def test_report_twice_gives_history_of_two_a_page_that_renders_and_allure_html(lab, reports, tmp_path) -> None:
    be = lab
    for _ in range(2):
        r = cli("report", "--name", be.spec.name)
        assert r.returncode == 0, r.stdout + r.stderr
    first, second = runs(reports, be.spec.name)
    for f in ("junit.xml", "summary.html", "summary.json", "allure-results/environment.properties",
              "allure-results/executor.json", "allure-results/categories.json"):
        assert (second / f).is_file(), f
    assert list((second / "allure-results").glob("*-result.json"))
    env = (second / "allure-results/environment.properties").read_text()
    for key in ("backend=netns", "chrony=", "bind=", "kernel=", "spec.sha256=", "host.os=", "guest.os=Rocky Linux 10"):
        assert key in env
    history = (reports / be.spec.name / "history.jsonl").read_text().splitlines()
    assert [json.loads(h)["run"] for h in history] == [first.name, second.name]
    s = json.loads((second / "summary.json").read_text())
    assert s["schema"] == "airgaplab-summary/2" and s["verdict"] == "PASS" and s["rehearsal"] is None
    assert {r["id"] for r in s["requirements"]} == {r for r, q in catalog().items() if "-RES-" not in r
                                                     and q.holds_on(be.spec)}  # the lab's own services' and state's
    # the lab was up before these runs: no "lab up" time of this run to show
    assert s["timings"]["lab_up_s"] is None and s["timings"]["suite_s"] > 0 and s["timings"]["ntp_synchronized"]
    # a passing run still carries its evidence (collapsed on the page), from admin and a node
    assert any(k.startswith("admin: chronyc clients") for k in s["evidence"])
    assert any(k.startswith("k8s-node1: /etc/resolv.conf") for k in s["evidence"])
    assert set(s["timings"]["ntp_sync_s"]) == {"k8s-node1", "k8s-node2"}
    assert all(v is not None and v < 30 for v in s["timings"]["ntp_sync_s"].values())
    assert len(s["history"]) == 2
    dom, log = chromium_check(second / "summary.html", tmp_path)
    for rid in (r for r, q in catalog().items() if "-RES-" not in r and q.holds_on(be.spec)):
        assert f'id="req-{rid}"' in dom, rid
    assert 'id="topology"' in dom and 'id="matrix"' in dom
    assert re.search(r'id="chart-pass" data-points="2"', dom) and re.search(r'id="chart-sync" data-points="2"', dom)
    assert dom.count('class="point"') >= 4
    console = [line for line in log.splitlines() if "CONSOLE" in line]
    assert console == [], console
    # the Allure 3 HTML report of each run, with the history carried between them
    if shutil.which("npm") is None:
        pytest.fail("Node.js/npm is not installed: run `make deps-test`")
    for run in (first, second):
        r = subprocess.run(["bash", "scripts/report-html.sh", str(run)], cwd=ROOT, capture_output=True, text=True,
                           timeout=600)
        assert r.returncode == 0, r.stdout + r.stderr
        assert (run / "allure-report" / "index.html").is_file()
    assert len((reports / be.spec.name / "allure-history.jsonl").read_text().splitlines()) == 2


def test_report_of_a_broken_lab_shows_failing_ids_evidence_and_category(lab, reports) -> None:
    be = lab
    r = cli("report", "--name", be.spec.name, "--drill", "dns-answers-strangers")
    assert r.returncode == 1, r.stdout + r.stderr
    (run,) = runs(reports, be.spec.name)
    s = json.loads((run / "summary.json").read_text())
    assert s["verdict"] == "FAIL"
    failing = {x["id"] for x in s["requirements"] if x["failures"]}
    assert failing == {"DNS-SRV-3"}
    (req,) = [x for x in s["requirements"] if x["id"] == "DNS-SRV-3"]
    assert req["kind"] == "ACL"
    assert all("admin: /etc/named.conf" in f["evidence"] for f in req["failures"])
    assert "allow-query { any; }" in s["evidence"]["admin: /etc/named.conf"]
    assert s["rehearsal"] == "dns-answers-strangers"
    # Allure: the failed results carry the evidence and fall into the ACL category
    cats = json.loads((run / "allure-results/categories.json").read_text())
    acl = next(c for c in cats if c["name"] == "ACL")
    failed = [json.loads(p.read_text()) for p in (run / "allure-results").glob("*-result.json")]
    failed = [x for x in failed if x["status"] == "failed"]
    assert failed
    for res in failed:
        assert re.match(acl["messageRegex"], res["statusDetails"]["message"]), res["statusDetails"]["message"]
        assert {a["name"] for a in res["attachments"]} >= {"admin: /etc/named.conf", "admin: named log"}
        for a in res["attachments"]:
            assert (run / "allure-results" / a["source"]).stat().st_size > 0
    html = (run / "summary.html").read_text()
    assert "DNS-SRV-3" in html and "allow-query { any; }" in html and 'id="rehearsal"' in html
    assert html.count("allow-query { any; };") == 1  # the evidence is shown once, not once per failure
    # a rehearsal on a lab that outlives it leaves the lab as it found it
    from airgaplab.exercise import drills

    assert drills.active(be.state) is None and "allow-query { any; }" not in \
        be.transport.exec("admin", ["cat", "/etc/named.conf"]).stdout.decode()
    assert "<code>allow-query</code>" in html and "['" not in html  # backticks as code, no Python lists
    assert 'class="host failing"' in html  # admin marked in the topology


@pytest.mark.parametrize("drill", [None, "one-node-loses-time"])
def test_nightly_exit_status_and_nothing_left_up(drill, reports, own_state) -> None:
    name = lab_name("night")
    args = ["nightly", "--name", name, "--backend", "netns"] + (["--drill", drill] if drill else [])
    r = cli(*args)
    assert r.returncode == (1 if drill else 0), r.stdout[-3000:] + r.stderr[-2000:]
    assert lab_traces(name) == {"netns": [], "mounts": []}
    assert not (own_state / name).exists()
    (run,) = runs(reports, name)
    s = json.loads((run / "summary.json").read_text())
    assert s["verdict"] == ("FAIL" if drill else "PASS")
    assert s["timings"]["lab_up_s"] > 0  # this run brought the lab up
    spec = load_spec(default_lab_file())
    assert {r["id"] for r in s["requirements"]} == {r for r, q in catalog().items() if q.holds_on(spec)}  # resilience too
    if drill:
        # nightly runs the resilience requirements too: the drill's whole set fails
        assert {x["id"] for x in s["requirements"] if x["failures"]} == {r for r, _ in DRILLS[drill].breaks}
