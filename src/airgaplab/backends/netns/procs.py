"""Processes and mounts of netns labs, found by scanning /proc (no daemon keeps a registry)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from contextlib import suppress
from pathlib import Path

from airgaplab import retry
from airgaplab.lab.transport import run_here

DAEMONS = ("chronyd", "named")


def run(argv: list[str], *, input: bytes | None = None, check: bool = True) -> subprocess.CompletedProcess[bytes]:
    return run_here(argv, input=input, check=check, what=f"`{' '.join(argv[:4])}…`")


def existing_netns(prefix: str) -> list[str]:
    """Named network namespaces whose names start with `prefix`."""
    try:
        names = os.listdir("/run/netns")
    except FileNotFoundError:
        return []
    return [n for n in names if n.startswith(prefix)]


def addresses(ns: str) -> dict[str, str]:
    proc = subprocess.run(["ip", "-n", ns, "-j", "-4", "addr"], capture_output=True, text=True)
    out: dict[str, str] = {}
    try:
        for link in json.loads(proc.stdout or "[]"):
            if link.get("ifname") == "lo":
                continue
            addrs = [f"{a['local']}/{a['prefixlen']}" for a in link.get("addr_info", [])]
            if addrs:
                out[link["ifname"]] = ", ".join(addrs)
    except ValueError:
        pass
    return out


def daemons_by_netns(names: tuple[str, ...] = DAEMONS) -> dict[int, set[str]]:
    """netns inode → which of the daemons `names` run in it (one pass over /proc)."""
    out: dict[int, set[str]] = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/comm") as f:
                comm = f.read().strip()
            if comm not in names:
                continue
            ino = os.stat(f"/proc/{pid}/ns/net").st_ino
        except OSError:
            continue
        out.setdefault(ino, set()).add(comm)
    return out


def _pids_in(names: list[str]) -> list[int]:
    inodes = set()
    for n in names:
        with suppress(OSError):
            inodes.add(os.stat(f"/run/netns/{n}").st_ino)
    pids = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            if os.stat(f"/proc/{pid}/ns/net").st_ino in inodes:
                pids.append(int(pid))
        except OSError:
            continue
    return pids


def kill_in_netns(names: list[str]) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        pids = _pids_in(names)
        for pid in pids:
            with suppress(ProcessLookupError):
                os.kill(pid, sig)
        if retry.until(lambda: not _pids_in(names), timeout=5, interval=0.05):
            return


def unmount(path: str) -> None:
    """Unmount `path`; lazily if something still holds it (a shell left inside a host)."""
    if subprocess.run(["umount", path], capture_output=True).returncode != 0:
        subprocess.run(["umount", "-l", path], capture_output=True)


def mounts_under(root: Path) -> list[str]:
    prefix = str(root.resolve()) + "/"
    found = []
    with open("/proc/self/mounts") as f:
        for line in f:
            target = line.split()[1].replace("\\040", " ")
            if target.startswith(prefix) or target == prefix.rstrip("/"):
                found.append(target)
    return sorted(found, key=len, reverse=True)
