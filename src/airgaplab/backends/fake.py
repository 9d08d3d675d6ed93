"""A backend with in-memory hosts, for unit tests of the logic above the transport (no root, no lab).

It records every command and every file, and answers with scripted outputs:

    be = FakeBackend(load_spec(default_lab_file()))
    be.transport.answer(r"ip -4 route show default", "default via 203.0.113.1 dev eth1\n")
    faults.inject(be, "internet-down")
    assert 'iifname "eth1"' in be.transport.stdin_of("admin", "nft -f -")

It proves the harness's own decisions (order, targets, rulesets, records), never a capability of
the lab: that is what the real backends and the conformance suite are for.
"""

from __future__ import annotations

import io
import re
import shlex
import subprocess
import tarfile
import threading
from dataclasses import dataclass, field

from airgaplab.backends.base import Backend, HostStatus, LabStatus, Progress, quiet
from airgaplab.backends.journal import Journal
from airgaplab.lab.spec import LabSpec
from airgaplab.lab.transport import Completed, Transport
from airgaplab.lab.world import World


@dataclass(frozen=True)
class Ran:
    """One command a fake host was asked to run."""

    seq: int
    host: str
    argv: tuple[str, ...]
    input: bytes | None

    @property
    def line(self) -> str:
        return shlex.join(self.argv)


@dataclass
class Script:
    pattern: re.Pattern[str]
    host: str | None
    stdout: str
    returncode: int
    stderr: str = ""


@dataclass
class FakeTransport(Transport):
    """Hosts as dictionaries: `files[host][path]`, `ran` in order, `answer(...)` for what a command prints."""

    hosts: list[str]
    files: dict[str, dict[str, bytes]] = field(default_factory=dict)
    ran: list[Ran] = field(default_factory=list)
    scripts: list[Script] = field(default_factory=list)
    replies: dict[tuple[str, str, int], bytes | None] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, pattern: str, stdout: str = "", returncode: int = 0, *, host: str | None = None,
               stderr: str = "") -> None:
        """Commands whose line matches `pattern` (regex, searched) print `stdout` and exit `returncode`; the
        latest matching answer wins."""
        self.scripts.insert(0, Script(re.compile(pattern), host, stdout, returncode, stderr))

    def reply(self, host: str, server: str, port: int, payload: bytes | None) -> None:
        """What `exchange` from `host` to server:port gets back (None: silence)."""
        self.replies[(host, server, port)] = payload

    def exec(self, host: str, argv: list[str], *, input: bytes | None = None,
             timeout: float | None = 120) -> Completed:
        if host not in self.hosts:
            from airgaplab.errors import UserError

            raise UserError(f"no host {host!r} — hosts are: {', '.join(self.hosts)}")
        with self._lock:
            self.ran.append(Ran(len(self.ran), host, tuple(argv), input))
        if argv[:2] == ["tar", "-x"] and input is not None:
            self._untar(host, input)
        line = shlex.join(argv)
        for s in self.scripts:
            if (s.host in (None, host)) and s.pattern.search(line):
                return subprocess.CompletedProcess(argv, s.returncode, s.stdout.encode(), s.stderr.encode())
        return subprocess.CompletedProcess(argv, 0, b"", b"")

    def interactive(self, host: str, argv: list[str]) -> int:
        return self.exec(host, argv).returncode

    def exchange(self, host: str, server: str, port: int, payload: bytes, *, proto: str = "udp",
                 timeout: float = 2.0, source: str | None = None) -> bytes | None:
        self.exec(host, ["@exchange", proto, server, str(port)], input=payload)
        return self.replies.get((host, server, port))

    def _untar(self, host: str, data: bytes) -> None:
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            for m in tar.getmembers():
                f = tar.extractfile(m)
                if f is not None:
                    self.files.setdefault(host, {})["/" + m.name] = f.read()

    # --- what tests read -------------------------------------------------------------
    def lines(self, host: str | None = None) -> list[str]:
        """The command lines run (on `host`, or everywhere), in order."""
        return [r.line for r in self.ran if host in (None, r.host)]

    def stdin_of(self, host: str, pattern: str) -> str:
        """What the last command on `host` matching `pattern` was given on its standard input."""
        for r in reversed(self.ran):
            if r.host == host and re.search(pattern, r.line):
                return (r.input or b"").decode(errors="replace")
        raise AssertionError(f"{host} never ran a command matching {pattern!r}: {self.lines(host)}")


class FakeBackend(Backend):
    """The lifecycle over fake hosts: `up` journals and provisions through the fake transport."""

    name = "fake"

    def __init__(self, spec: LabSpec, progress: Progress = quiet, world: World | None = None) -> None:
        super().__init__(spec, progress)
        self.transport = FakeTransport([*spec.host_names, "outsider"])
        self.world = world or World()
        self.created = False

    def create(self, journal: Journal, *, bare: bool) -> None:
        self.created = True

    def destroy(self) -> None:
        self.created = False

    def running(self, journal: Journal) -> bool:
        return self.created

    def status(self) -> LabStatus:
        hosts = [HostStatus(h, "running" if self.created else "missing") for h in self.spec.host_names]
        return LabStatus(self.spec.name, self.name, "up" if self.is_up() else "down", hosts)
