"""What every tier of the harness's tests shares: the checkout, the CLI as a subprocess, lab traces."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def needs_root() -> pytest.MarkDecorator:
    return pytest.mark.skipif(os.geteuid() != 0, reason="needs root (network and mount namespaces)")


def cli(*args: str, env: dict[str, str] | None = None, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """`airgaplab ARGS` in a process of its own (the lab tier: commands that outlive a call, signals)."""
    return subprocess.run([sys.executable, "-m", "airgaplab", *args], capture_output=True, text=True,
                          env={**os.environ, "COLUMNS": "200", **(env or {})}, timeout=timeout, cwd=ROOT)


def lab_name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:6]}"


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


def suite(name: str, results: Path, *args: str, timeout: float = 900,
          env: dict[str, str] | None = None) -> tuple[list[dict], str]:
    """The conformance suite on lab `name` in a pytest of its own: (outcomes, its output)."""
    import json

    proc = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "tests/conformance",
                           "--lab", name, "--airgaplab-results", str(results), *args],
                          cwd=ROOT, capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=timeout)
    return (json.loads(results.read_text()) if results.exists() else []), proc.stdout + proc.stderr
