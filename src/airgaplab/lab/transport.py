"""The host transport: the one way probes, provisioning, drills, faults and the exercise touch a lab host.

Each backend provides one (netns: nsenter into the host's namespaces; VMs: ssh). Four verbs — `exec`,
`put_many`, `exchange`, `interactive` — plus `run`, the checked form of `exec` that every caller uses
when a failure is the end of what it was doing (as testinfra's `check_output` or isctest's `run.cmd`):

    tx.run("admin", ["systemctl", "restart", "named"], what="restarting named")   # LabError on failure
    proc = tx.exec("k8s-node1", ["chronyc", "-c", "sources"])                   # never raises for exit != 0
"""

from __future__ import annotations

import io
import shlex
import subprocess
import tarfile
import time
from abc import ABC, abstractmethod

from airgaplab.errors import LabError

Completed = subprocess.CompletedProcess[bytes]


def failure(host: str, what: str, proc: Completed, lines: int = 3) -> LabError:
    """One message for a command that failed on a host: what was being done, its exit code, its last words."""
    said = ((proc.stdout or b"") + (proc.stderr or b"")).decode(errors="replace").strip()
    tail = " | ".join(said.splitlines()[-lines:])
    return LabError(f"{host}: {what} failed (exit {proc.returncode})" + (f": {tail}" if tail else ""))


def run_here(argv: list[str], *, what: str | None = None, input: bytes | None = None, cwd: str | None = None,
             check: bool = True, lines: int = 3, env: dict[str, str] | None = None) -> Completed:
    """A command on this machine (namespaces, mounts, signing, the box), checked as `Transport.run` checks one
    on a host."""
    proc = subprocess.run(argv, input=input, capture_output=True, cwd=cwd, env=env)
    if check and proc.returncode != 0:
        raise failure("this machine", what or f"`{shlex.join(argv)[:100]}`", proc, lines)
    return proc


class Transport(ABC):
    """Commands, files and datagrams on a lab's hosts."""

    @abstractmethod
    def exec(self, host: str, argv: list[str], *, input: bytes | None = None,
             timeout: float | None = 120) -> Completed:
        """Run argv as root on `host`; never raises for a non-zero exit (`run` does)."""

    @abstractmethod
    def interactive(self, host: str, argv: list[str]) -> int:
        """Run argv on `host` attached to this terminal (for `airgaplab shell` and `exec`); its exit code."""

    @abstractmethod
    def exchange(self, host: str, server: str, port: int, payload: bytes, *, proto: str = "udp",
                 timeout: float = 2.0, source: str | None = None) -> bytes | None:
        """Send `payload` from inside `host` (from its address `source`, if given) to server:port; the reply,
        or None (no answer, no route). proto: udp | tcp-dns. dnspython and ntplib build and parse the
        packets in the caller's process; only bytes travel."""

    def run(self, host: str, argv: list[str], *, what: str | None = None, input: bytes | None = None,
            timeout: float | None = 120, lines: int = 3) -> Completed:
        """`exec`, raising one LabError (`host: what failed (exit N): its last `lines` of output`) unless it exits 0."""
        proc = self.exec(host, argv, input=input, timeout=timeout)
        if proc.returncode != 0:
            raise failure(host, what or f"`{shlex.join(argv)[:100]}`", proc, lines)
        return proc

    def sh(self, host: str, script: str, *, what: str | None = None, timeout: float | None = 120) -> str:
        """A checked shell script on `host`; its standard output."""
        return self.run(host, ["sh", "-c", script], what=what, timeout=timeout).stdout.decode(errors="replace")

    def put(self, host: str, path: str, data: bytes) -> None:
        """Write one file on host (see put_many)."""
        self.put_many(host, {path: data})

    def put_many(self, host: str, files: dict[str, bytes]) -> None:
        """Write files (absolute path → content, mode 0644, parents created) on host in one round trip."""
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w") as tar:
            for path, data in files.items():
                info = tarfile.TarInfo(path.lstrip("/"))
                info.size, info.mode, info.mtime = len(data), 0o644, int(time.time())
                tar.addfile(info, io.BytesIO(data))
        # --no-overwrite-dir: existing directories keep their owners and modes (e.g. /etc/bind root:bind)
        self.run(host, ["tar", "-x", "--no-same-owner", "--no-overwrite-dir", "-C", "/", "-f", "-"],
                 what="writing files", input=buf.getvalue())
