"""The suite can fail: break one thing in a healthy lab, and exactly the expected requirements fail."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from airgaplab import drills, facts, retry
from airgaplab.drills import DRILLS

from .conftest import ROOT, cli, needs_root

pytestmark = [pytest.mark.lab, needs_root()]


def run_suite(name: str, tmp_path: Path) -> tuple[list[dict], str]:
    results = tmp_path / "results.json"
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "tests/conformance", "--lab", name,
         "--sync-timeout", "15", "--airgaplab-results", str(results)],
        cwd=ROOT, capture_output=True, text=True, env=os.environ.copy(), timeout=600,
    )
    return json.loads(results.read_text()), proc.stdout + proc.stderr


def healthy(be) -> bool:
    """Both nodes synchronized to admin and known to it: the state every drill starts from."""
    admin = be.lab.host("admin").ip
    _, clients = facts.out(be, "admin", ["chronyc", "-c", "-n", "clients"])
    for node in be.lab.nodes_list:
        sel = facts.synced_source(be, node.name)
        if not sel or sel.name != admin or node.ip not in clients:
            return False
    return True


@pytest.mark.parametrize("drill", sorted(DRILLS))
def test_drill_fails_exactly_its_requirements(drill: str, netns_lab, tmp_path: Path) -> None:
    d = DRILLS[drill]
    be = netns_lab("brk")
    assert retry.until(lambda: healthy(be), timeout=30, interval=0.2), "the fresh lab never became healthy"
    drills.apply(be, drill)
    results, output = run_suite(be.lab.name, tmp_path)
    failed = {(o["req"], o["host"]) for o in results if o["outcome"] in ("FAIL", "ERROR")}
    assert failed == d.expected(be.lab), output[-3000:]
    # every failure says what was observed and what to check
    for o in results:
        if o["outcome"] == "FAIL":
            assert o["message"].startswith(o["req"]), o["message"]


@pytest.mark.parametrize("drill", ["node-default-route", "named-not-restarted", "nm-rewrites-resolv"])
def test_drill_is_told_by_symptom_shown_in_status_and_reset_restores_the_lab(drill: str, netns_lab,
                                                                              tmp_path: Path) -> None:
    be = netns_lab("rst")
    name, d = be.lab.name, DRILLS[drill]
    # by symptom; --show reveals what it breaks (words: the table wraps its cells)
    listing, shown = cli("drill").stdout, cli("drill", "--show").stdout
    revealing = {w.strip("`,;:") for w in d.what.split()} - set(listing.split()) - {""}
    assert revealing and all(w.strip("`,;:") in listing for w in d.symptom.split()[:3])
    assert all(w in shown for w in revealing), revealing
    applied = cli("drill", drill, "--name", name)
    assert applied.returncode == 0, applied.stderr
    for _, cmd in d.commands(be.lab, be.family):
        assert cmd[:30] not in applied.stdout  # what it did stays to be found
    assert f"drill active: {drill}" in cli("status", "--name", name).stdout
    reset = cli("drill", "--reset", "--name", name)
    assert reset.returncode == 0 and f"undid drill {drill}" in reset.stdout, reset.stdout + reset.stderr
    assert "drill active" not in cli("status", "--name", name).stdout
    results, output = run_suite(name, tmp_path)
    assert all(o["outcome"] == "PASS" for o in results), output[-3000:]
