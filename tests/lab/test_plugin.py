"""The plugin and the CLI never take down a lab they did not bring up."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.helpers import ROOT


def test_lab_up_never_takes_down_a_lab_it_did_not_bring_up(lab) -> None:
    be = lab
    for argv in ([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "tests/conformance", "--lab-up",
                  "--lab", be.spec.name, "-k", "resolv_conf"],
                 [sys.executable, "-m", "airgaplab", "report", "--lab-up", "netns", "--name", be.spec.name]):
        proc = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, env=os.environ.copy(), timeout=300)
        assert proc.returncode != 0 and "already up" in proc.stdout + proc.stderr, proc.stdout + proc.stderr
        assert be.is_up(), f"{argv[2:4]} took down lab {be.spec.name}, which it did not bring up"
