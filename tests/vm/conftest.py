"""Helpers for the VM-lab tests: their own state dir, the CLI, and what a lab leaves behind."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.helpers import cli, lab_traces

OS = "debian12"
UP_TIMEOUT = 1200


def vm_processes(lab: str) -> list[str]:
    """qemu, libvirtd, dnsmasq, vagrant and ssh processes of the lab (found by their namespace or name)."""
    prefix = f"agl.{lab}."
    inodes = set()
    for n in os.listdir("/run/netns") if os.path.isdir("/run/netns") else []:
        if n.startswith(prefix):
            inodes.add(os.stat(f"/run/netns/{n}").st_ino)
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
            if state == "Z":  # zombies wait for this machine's init
                continue
            mine = f"agl-{lab}-" in cmd or os.stat(f"/proc/{pid}/ns/net").st_ino in inodes
        except OSError:
            continue
        if mine:
            found.append(f"{pid} {cmd[:100]}")
    return found


def assert_gone(lab: str, state: Path) -> None:
    traces = lab_traces(lab)
    assert traces == {"netns": [], "mounts": []}, traces
    assert vm_processes(lab) == []
    assert not (state / lab).exists()


def run(args: list[str], state: Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return cli(*args, env={"AIRGAPLAB_STATE": str(state)}, timeout=timeout)


@pytest.fixture(scope="session")
def state(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The VM tests' own state dir: never a lab the user has up, never listed beside them."""
    return tmp_path_factory.mktemp("vm")


