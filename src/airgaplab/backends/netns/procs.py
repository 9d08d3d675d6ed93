"""Processes and mounts of netns labs, found by scanning /proc (no daemon keeps a registry)."""

from __future__ import annotations

import array
import fcntl
import os
import signal
import socket
import struct
import subprocess
from contextlib import suppress
from pathlib import Path

from airgaplab import retry
from airgaplab.backends.netns.setns import network_namespace
from airgaplab.lab.transport import run_here
from airgaplab.services import registry

DAEMONS = registry.daemons()  # every service's daemon (chronyd, named)
SIOCGIFCONF, SIOCGIFNETMASK = 0x8912, 0x891B


def run(argv: list[str], *, input: bytes | None = None, check: bool = True,
        cwd: str | None = None) -> subprocess.CompletedProcess[bytes]:
    return run_here(argv, input=input, check=check, cwd=cwd, what=f"`{' '.join(argv[:4])}…`")


def addresses(ns: str) -> dict[str, str]:
    """Each interface's IPv4 addresses (`eth0` → `192.168.10.11/24`) in the named namespace, loopback left
    out: asked of the kernel from this thread, inside it (`status` asks it of every host of a lab: no `ip`
    process for each)."""
    out: dict[str, list[str]] = {}
    try:
        with network_namespace(f"/run/netns/{ns}"), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            size = 40  # struct ifreq: the name (16 bytes), then the address
            buf = array.array("B", bytes(size * 64))
            ifconf = struct.pack("iL", len(buf), buf.buffer_info()[0])
            used = struct.unpack("iL", fcntl.ioctl(s.fileno(), SIOCGIFCONF, ifconf))[0]
            for off in range(0, used, size):
                name = bytes(buf[off:off + 16]).split(b"\0", 1)[0].decode()
                if name == "lo" or name.startswith("lo:"):
                    continue
                addr = socket.inet_ntoa(bytes(buf[off + 20:off + 24]))
                req = fcntl.ioctl(s.fileno(), SIOCGIFNETMASK, struct.pack("16s24x", name.encode()))
                prefix = bin(int.from_bytes(req[20:24], "big")).count("1")
                out.setdefault(name.split(":")[0], []).append(f"{addr}/{prefix}")
    except OSError:  # the namespace is gone
        return {}
    return {name: ", ".join(addrs) for name, addrs in out.items()}


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


def _is_init(pid: int) -> bool:
    """PID 1 of a PID namespace below the machine's (a host's init): SIGTERM from here does not reach it."""
    with suppress(OSError), open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("NSpid:"):
                ids = line.split()[1:]
                return len(ids) > 1 and ids[-1] == "1"
    return False


def kill_in_netns(names: list[str]) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        pids = _pids_in(names)
        for pid in pids:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL if _is_init(pid) else sig)
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
