"""Helpers for the harness's own tests: a private state dir, the CLI as a subprocess, throwaway labs."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def needs_root() -> pytest.MarkDecorator:
    return pytest.mark.skipif(os.geteuid() != 0, reason="needs root (network and mount namespaces)")


@pytest.fixture
def state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private .lab/ so tests never touch a lab the user has up."""
    d = tmp_path / "state"
    monkeypatch.setenv("AIRGAPLAB_STATE", str(d))
    return d


def cli(*args: str, env: dict[str, str] | None = None, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "airgaplab", *args], capture_output=True, text=True,
                          env={**os.environ, "COLUMNS": "200", **(env or {})}, timeout=timeout, cwd=ROOT)


def lab_name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:6]}"


@pytest.fixture
def netns_lab(state_dir: Path) -> Iterator:
    """Factory: up(name=..., nodes=...) brings up a throwaway netns lab, taken down at teardown."""
    from airgaplab.backends.lifecycle import throwaway
    from airgaplab.backends.netns.backend import NetnsBackend
    from airgaplab.paths import default_lab_file
    from airgaplab.spec import load_spec

    with ExitStack() as labs:

        def up(prefix: str = "t", nodes: int | None = None, bare: bool = False) -> NetnsBackend:
            spec = load_spec(default_lab_file(), nodes).model_copy(update={"name": lab_name(prefix)})
            be = NetnsBackend(spec)
            labs.enter_context(throwaway(be, bare=bare))
            return be

        yield up


def lab_traces(name: str) -> dict[str, list[str]]:
    """Everything of lab `name` visible from the root namespace (should be empty after down)."""
    prefix = f"agl.{name}."
    netns = [n for n in (os.listdir("/run/netns") if os.path.isdir("/run/netns") else []) if n.startswith(prefix)]
    mounts = [line.split()[1] for line in Path("/proc/self/mounts").read_text().splitlines() if f"/{name}/" in line]
    return {"netns": netns, "mounts": mounts}


def root_ns_lab_addresses() -> list[str]:
    """Lab addresses or veths in the machine's root namespace (must always be empty)."""
    addrs = subprocess.run(["ip", "-4", "-o", "addr"], capture_output=True, text=True).stdout
    links = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True).stdout
    bad = [line for line in addrs.splitlines()
           if any(r in line for r in (" 192.168.10.", " 203.0.113.", " 198.51.100."))]
    bad += [line for line in links.splitlines() if "veth" in line or " eth1" in line or "link-netns agl." in line]
    return bad
