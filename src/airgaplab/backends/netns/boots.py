"""The harness's side of the hosts' boots: the lab's keeper (keeper.py) started, asked and stopped, and what it
recorded of each host (`boot_record`).

    boots = LabBoots(ns_dir, "agl.lab.", transport)
    boots.launch()                       # the keeper starts while the lab's network is made
    boots.ask("boot admin k8s-node1")    # back when they are booted
    boots.reboot("k8s-node1")           # as `systemctl reboot` typed in it; back when its units are up again
    boots.state("admin")                 # ("up", 3): up | rebooting | off | unknown, and how many boots
    boots.ask("halt admin k8s-node1")   # the keeper's requests: boot HOST… [quiet], halt HOST…
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from contextlib import suppress
from functools import partial
from pathlib import Path

from airgaplab import retry
from airgaplab.backends.netns import keeper
from airgaplab.backends.netns.keeper import socket_name
from airgaplab.errors import LabError
from airgaplab.lab.transport import Transport

# The keeper, started without its packages' __init__ (the backends' imports pydantic: 160 ms, 30 MiB per lab):
# each parent package an empty module that only knows where its files are.
BOOTSTRAP = """import sys, types
here = sys.argv[1]
for name, path in (("airgaplab", here.rsplit("/", 2)[0]), ("airgaplab.backends", here.rsplit("/", 1)[0]),
                   ("airgaplab.backends.netns", here)):
    sys.modules[name] = types.ModuleType(name)
    sys.modules[name].__path__ = [path]
from airgaplab.backends.netns.keeper import main
sys.exit(main(sys.argv[2:]))
"""


def request(ns_dir: Path, line: str, timeout: float = 60) -> str:
    """Ask the lab's keeper; its answer ("ok", or "error: …"). OSError when no keeper answers."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.connect(socket_name(ns_dir))
        s.sendall(line.encode() + b"\n")
        s.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := s.recv(4096):
            chunks.append(chunk)
    return b"".join(chunks).decode(errors="replace").strip()


def boot_record(ns_dir: Path, host: str) -> tuple[str, int, int]:
    """(state, boots, init's PID on this machine) of a host: state up | rebooting | off | unknown (no record)."""
    try:
        state, boots, pid = (ns_dir / f"{host}.boot").read_text().split()[:3]
        return state, int(boots), int(pid)
    except (OSError, ValueError):
        return "unknown", 0, 0


def launch(ns_dir: Path, prefix: str) -> subprocess.Popen[bytes]:
    """Start the lab's keeper (its interpreter starts meanwhile: `ready` waits for it)."""
    with open(ns_dir / "keeper.log", "ab") as log:
        return subprocess.Popen([sys.executable, "-I", "-S", "-c", BOOTSTRAP, str(Path(keeper.__file__).parent),
                                 str(ns_dir), prefix], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=log,
                                start_new_session=True)


def ready(proc: subprocess.Popen[bytes], ns_dir: Path) -> None:
    """Back once the keeper `launch` started listens; OSError if it ended instead."""
    assert proc.stdout is not None
    with proc.stdout:
        said = proc.stdout.read().decode(errors="replace").strip()  # until the keeper lets go of it
    if said != "ready":
        stop(ns_dir)
        raise OSError(f"the hosts' keeper ended ({proc.poll()}) before it listened: {said or 'no word'}")


def alive(pid: int) -> bool:
    """The process runs (a zombie does not: an init that ended is one until the keeper reaps it)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def running_pid(ns_dir: Path) -> int | None:
    """The lab's keeper's PID, if it runs (its PID file names a live keeper of this very lab)."""
    try:
        pid = int((ns_dir / "keeper.pid").read_text())
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            argv = f.read().split(b"\0")
        with open(f"/proc/{pid}/comm") as f:
            comm = f.read().strip()
    except (OSError, ValueError):
        return None
    return pid if alive(pid) and comm == keeper.NAME and str(ns_dir).encode() in argv else None


def stop(ns_dir: Path) -> None:
    """End the lab's keeper (the hosts stay as they are: `down` ends them)."""
    def gone(pid: int) -> bool:
        with suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)  # ours when this process started it: not left a zombie
        return running_pid(ns_dir) is None

    for sig in (signal.SIGTERM, signal.SIGKILL):
        pid = running_pid(ns_dir)
        if pid is None:
            return
        with suppress(ProcessLookupError):
            os.kill(pid, sig)
        if retry.until(partial(gone, pid), timeout=2, interval=0.01):
            return


class LabBoots:
    """A lab's hosts' boots, as its backend asks for them: one keeper for the lab (`kept`: its hosts boot at all)."""

    def __init__(self, ns_dir: Path, prefix: str, tx: Transport, *, kept: bool = True) -> None:
        self.ns_dir, self.prefix, self.tx, self.kept = ns_dir, prefix, tx, kept
        self._starting: subprocess.Popen[bytes] | None = None

    def launch(self) -> None:
        """Start the lab's keeper; `ask` waits until it listens."""
        if self.kept and self._starting is None and running_pid(self.ns_dir) is None:
            self._starting = launch(self.ns_dir, self.prefix)

    def ask(self, line: str) -> None:
        """A request to the keeper; a new keeper first if the lab's has gone (killed: its hosts ran on). Nothing
        for hosts that do not boot (not `kept`)."""
        if not self.kept:
            return
        self.launch()
        try:
            if self._starting is not None:
                starting, self._starting = self._starting, None
                ready(starting, self.ns_dir)
            said = request(self.ns_dir, line)
        except OSError as e:
            raise LabError(f"the lab's keeper did not answer `{line}`: {e} (see {self.ns_dir / 'keeper.log'})") from e
        if said != "ok":
            raise LabError(f"the lab's keeper: {said.removeprefix('error: ')} (see {self.ns_dir / 'keeper.log'})")

    def state(self, host: str) -> tuple[str, int]:
        """(up | rebooting | off | unknown, how many boots) of a host."""
        state, boots, pid = boot_record(self.ns_dir, host)
        if state == "up" and not alive(pid):
            state = "off"  # its init ended with no keeper to see it
        return state, boots

    def reboot(self, host: str) -> None:
        """A reboot of the host, as typed in it (`systemctl reboot`): its processes end, its clock starts again,
        the enabled units start; back once they have. A host that is off is started."""
        state, before = self.state(host)
        if state == "up":
            self.tx.exec(host, ["systemctl", "reboot"], timeout=30)  # its process ends with the host
        else:
            self.ask(f"boot {host}")

        def booted() -> bool:
            state, boots = self.state(host)
            return state == "up" and boots > before

        if not retry.until(booted, timeout=60, interval=0.02):
            raise LabError(f"{host} did not boot again within 60 s (see {self.ns_dir / 'keeper.log'})")
        self.tx.exec(host, ["systemctl", "is-system-running", "--wait"], timeout=90)

    def end(self, hosts: list[str]) -> None:
        """The keeper stopped (nothing boots again), then every host's init killed: each host's processes end
        with it (an init takes no SIGTERM from outside its namespace)."""
        stop(self.ns_dir)
        for host in hosts:
            state, _, init = boot_record(self.ns_dir, host)
            if state == "up" and alive(init):
                with suppress(ProcessLookupError):
                    os.kill(init, signal.SIGKILL)
