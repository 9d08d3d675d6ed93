"""The pytest plugin without a lab, and the catalog ↔ suite correspondence."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

from airgaplab.exercise import drills
from airgaplab.exercise.drills import DRILLS
from airgaplab.services import registry
from airgaplab.suite.catalog import KINDS, catalog
from tests.helpers import ROOT

SUITE = ROOT / "tests" / "conformance"


def test_no_lab_up_is_one_line_per_test_not_a_traceback(state_dir: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "tests/conformance"],
                          cwd=ROOT, capture_output=True, text=True, env=os.environ.copy(), timeout=120)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "no lab is up: run `make lab-up`, or pass --lab-up" in out
    assert "Traceback" not in out and "raise " not in out
    assert " passed" not in out and "skipped" not in out


def _req_ids_in_suite() -> set[str]:
    ids = set()
    for path in [*SUITE.glob("test_*.py"), *(p for s in registry.every() for p in s.conformance_dir.glob("test_*.py"))]:
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "req" and node.args
                    and isinstance(node.args[0], ast.Constant)):
                ids.add(node.args[0].value)
    return ids


def test_every_requirement_has_a_test_and_every_test_a_known_requirement() -> None:
    ids = _req_ids_in_suite()
    assert ids == set(catalog())


def test_catalog_entries_are_complete() -> None:
    for r in catalog().values():
        assert r.scope in ("admin", "node", "lab") and r.claim and r.source and r.hint, r.id
        assert r.kind in KINDS, r.id
        # the exercise grades every requirement of the notes' steps; resilience is no step of theirs
        steps = {n for n, _, _ in registry.exercise()}
        assert (r.step in steps and r.nudge) if r.kind != "resilience" else not r.step, r.id


def test_every_resilience_requirement_has_a_drill_that_breaks_it() -> None:
    broken = {req for d in DRILLS.values() for req, _ in d.breaks}
    assert {r.id for r in catalog().values() if r.kind == "resilience"} <= broken


def test_drills_cover_every_family() -> None:
    families = {req.rsplit("-", 1)[0] for d in drills.ALL.values() for req, _ in d.breaks}
    assert families == {"NET", "NTP-SRV", "NTP-CLI", "DNS-SRV", "DNS-CLI", "NTP-RES", "DNS-RES", "GW"}
