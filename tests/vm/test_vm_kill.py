"""`down` after an `up` that was SIGKILLed while its VMs were booting: nothing of the lab is left."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import ROOT, needs_root

from .conftest import OS, assert_gone, run, vm_processes

pytestmark = [pytest.mark.vm, needs_root()]


def test_down_after_a_sigkilled_up_leaves_nothing(state: Path) -> None:
    name = "vmkill"
    env = {**os.environ, "AIRGAPLAB_STATE": str(state), "COLUMNS": "200"}
    up = subprocess.Popen([sys.executable, "-m", "airgaplab", "up", "--backend", "vagrant", "--os", OS,
                           "--name", name], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 600
        while not any("qemu-system" in p for p in vm_processes(name)):  # halfway: the VMs are booting
            assert up.poll() is None, f"up ended (exit {up.returncode}) before any VM started"
            assert time.monotonic() < deadline, "no VM started within 600 s"
            time.sleep(1)
    finally:
        up.send_signal(signal.SIGKILL)
        up.wait()
    assert vm_processes(name), "nothing of the lab was running when up was killed"
    d = run(["down", "--name", name], state)
    assert d.returncode == 0, d.stdout + d.stderr
    assert_gone(name, state)
