"""What doctor says of a machine: findings that each say how to fix them, and the probes they share (this
machine's routes and memory). Each backend's own findings live in its package (backends/*/doctor.py)."""

from __future__ import annotations

import ipaddress
import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Diagnosis:
    check: str
    ok: bool
    detail: str
    fix: str = ""
    blocking: bool = True  # a failed non-blocking finding is a warning


def run(argv: list[str], timeout: float = 60) -> subprocess.CompletedProcess[str] | None:
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired):
        return None


def host_networks() -> list[tuple[str, ipaddress.IPv4Network]]:
    """(device, network) of every IPv4 route on this machine, the default route excepted."""
    proc = run(["ip", "-4", "-j", "route", "show", "table", "all"])
    out = []
    for r in json.loads(proc.stdout or "[]") if proc else []:
        dst = r.get("dst", "")
        if dst in ("default", "") or r.get("type") in ("local", "broadcast"):
            continue
        try:
            out.append((r.get("dev", "?"), ipaddress.IPv4Network(dst if "/" in dst else f"{dst}/32", strict=False)))
        except ValueError:
            continue
    return out


def subnet_collisions(subnets: list[ipaddress.IPv4Network], ignore_devices: tuple[str, ...] = ()) -> list[str]:
    return [f"{net} overlaps {theirs} on {dev}" for net in subnets for dev, theirs in host_networks()
            if net.overlaps(theirs) and not dev.startswith(ignore_devices)]


def mem_available_mib() -> int:
    m = re.search(r"MemAvailable:\s+(\d+) kB", Path("/proc/meminfo").read_text())
    return int(m.group(1)) // 1024 if m else 0


def blocking_failures(found: list[Diagnosis]) -> list[Diagnosis]:
    return [x for x in found if not x.ok and x.blocking]
