"""Run the suite against a lab and write reports/<lab>/<UTC timestamp>/ (and history.jsonl)."""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from airgaplab.backends.base import Backend
from airgaplab.lab.family import machine_os
from airgaplab.paths import project_root
from airgaplab.probes import facts
from airgaplab.report import html, summary
from airgaplab.suite import evidence
from airgaplab.suite.catalog import KINDS, catalog
from airgaplab.suite.outcomes import load as load_outcomes


def reports_root() -> Path:
    return Path(os.environ.get("AIRGAPLAB_REPORTS", project_root() / "reports"))


def _now() -> datetime:
    return datetime.now(UTC)


def environment(be: Backend) -> dict[str, str]:
    spec = json.dumps(be.spec.model_dump(), sort_keys=True).encode()
    env = {
        "backend": be.name,
        "lab": be.spec.name,
        "nodes": str(len(be.spec.nodes_list)),
        "kernel": platform.release(),
        "spec.sha256": hashlib.sha256(spec).hexdigest()[:16],
    }
    admin = be.spec.admin
    env["guest.os"] = be.family.pretty
    if inventory := inventory_of(be):  # the hosts' own kernels are theirs: this machine's says nothing of them
        from airgaplab.inventory.network import ExistingNetwork

        assert isinstance(be, ExistingNetwork)
        env["inventory"], env["ssh"] = inventory, be.access()
        del env["kernel"]
    elif be.world.box:
        env["box"] = be.world.box
    else:  # the hosts are views of this machine
        env["host.os"] = machine_os()
    env["chrony"] = version(facts.out(be.transport, admin.name, ["chronyd", "-v"])[1], r"version (\S+)")
    env["bind"] = version(facts.out(be.transport, admin.name, ["named", "-v"])[1], r"BIND (\S+)")
    return env


def inventory_of(be: Backend) -> str | None:
    """The inventory whose hosts `be` are (None: a lab of the harness's)."""
    from airgaplab.inventory.network import ExistingNetwork

    return be.source if isinstance(be, ExistingNetwork) else None


def judged(be: Backend, hosts: list[str]) -> list[str]:
    return [h for h in hosts if h not in be.world.not_judged]


def version(text: str, pattern: str) -> str:
    """The version number in a daemon's `-v` line (`chronyd (chrony) version 4.3 (+CMDMON …)` → 4.3)."""
    m = re.search(pattern, text)
    return m.group(1) if m else "?"


PREFIX = "(?:Failed: )?"  # how pytest.fail() messages reach Allure


def categories() -> list[dict[str, Any]]:
    """Allure defect categories: by kind of failure, by requirement group, and lab errors."""
    cats = []
    for kind in KINDS:
        ids = [r.id for r in catalog().values() if r.kind == kind]
        regex = rf"^{PREFIX}({'|'.join(ids)}) [\s\S]*"
        cats.append({"name": kind, "messageRegex": regex, "matchedStatuses": ["failed"]})
    for group in sorted({r.group for r in catalog().values()}):
        regex = rf"^{PREFIX}{group}-\d+ [\s\S]*"
        cats.append({"name": f"family {group}", "messageRegex": regex, "matchedStatuses": ["failed"]})
    cats.append({"name": "lab error", "matchedStatuses": ["broken"]})
    return cats


def _write_allure_extras(results: Path, env: dict[str, str], run_name: str) -> None:
    # Written after pytest: --clean-alluredir empties the directory when the run starts.
    results.mkdir(parents=True, exist_ok=True)
    (results / "environment.properties").write_text("".join(f"{k}={v}\n" for k, v in env.items()))
    (results / "executor.json").write_text(json.dumps({
        "name": "airgaplab", "type": "airgaplab", "buildName": run_name, "reportName": f"airgaplab {run_name}",
    }, indent=1))
    (results / "categories.json").write_text(json.dumps(categories(), indent=1))


def _load_history(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def sync_times(be: Backend) -> dict[str, float | None]:
    return {h: facts.sync_seconds(be.transport, h) for h in judged(be, [n.name for n in be.spec.nodes_list])}


def baseline(be: Backend) -> dict[str, str]:
    """The evidence of a healthy run too (shown collapsed): each requirement group's, where its faults would be."""
    first = be.spec.nodes_list[0].name if be.spec.nodes_list else be.spec.hosts[0].name
    found: dict[str, str] = {}
    for group in evidence.COMMANDS:
        where = evidence.where(be.spec, group, first)
        if not be.world.not_judged or judged(be, [where]):
            found.update(evidence.collect(be.transport, be.family, group, where))
    return found


def write_report(be: Backend, *, lab_up_s: float | None = None, sync_timeout: float = 30.0,
                 rehearsal: str | None = None, resilience: bool = False) -> tuple[Path, dict[str, Any]]:
    """Run the suite on the lab of `be` and write the report; returns (run dir, summary).

    `lab_up_s`: how long this run took to bring the lab up (None: it was up before the run);
    `resilience`: also the resilience requirements (faults injected and undone)."""
    started = _now()
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    lab_dir = reports_root() / be.spec.name
    run_dir = lab_dir / stamp
    run_dir.mkdir(parents=True, exist_ok=True)
    results = run_dir / "allure-results"
    outcomes_file = run_dir / "outcomes.json"
    t0 = time.monotonic()
    inventory = inventory_of(be)
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", str(project_root() / "tests" / "conformance"),
         *(["--inventory", inventory] if inventory else ["--lab", be.spec.name]), "--sync-timeout", str(sync_timeout),
         f"--junitxml={run_dir / 'junit.xml'}",
         f"--alluredir={results}", "--clean-alluredir", f"--airgaplab-results={outcomes_file}",
         *(["--resilience"] if resilience else [])],
        cwd=project_root(), capture_output=True, text=True,
    )
    suite_s = time.monotonic() - t0
    (run_dir / "pytest.log").write_text(proc.stdout + proc.stderr)
    outcomes = load_outcomes(outcomes_file)
    env = environment(be)
    _write_allure_extras(results, env, f"{be.spec.name} {stamp}")
    syncs = sync_times(be)
    synchronized = bool(syncs) and all(v is not None for v in syncs.values())
    timings = {"lab_up_s": lab_up_s, "ntp_sync_s": syncs, "ntp_synchronized": synchronized,
               "ntp_sync_max_s": max(v for v in syncs.values() if v is not None) if synchronized else None,
               "suite_s": round(suite_s, 2)}
    history_path = lab_dir / "history.jsonl"
    past = _load_history(history_path)
    s = summary.build(spec=be.spec, backend=be.name, started=started.isoformat(timespec="seconds"),
                      finished=_now().isoformat(timespec="seconds"), outcomes=outcomes, timings=timings,
                      environment=env, history=past, baseline=baseline(be), rehearsal=rehearsal,
                      inventory=inventory, not_judged=be.world.not_judged)
    line = summary.history_line(s, stamp)
    s["history"] = [*past, line]  # the page's trend includes this run
    (run_dir / "summary.json").write_text(json.dumps(s, indent=1) + "\n")
    (run_dir / "summary.html").write_text(html.render(s, allure_report=(run_dir / "allure-report").is_dir()))
    with history_path.open("a") as f:
        f.write(json.dumps(line) + "\n")
    return run_dir, s  # no outcomes at all (the suite could not run) already means verdict FAIL
