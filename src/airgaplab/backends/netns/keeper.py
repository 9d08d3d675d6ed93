"""The keeper of a netns lab's hosts: each host's boot, and a new boot when a host reboots.

A boot gives a host PID, time and IPC namespaces of its own, made new each time: its init (shims/init, read by bash
named `systemd`) is PID 1, its /proc shows only its processes, its uptime counts from the boot. Nothing typed in
the host reaches another host or the machine: `kill -9 -1` ends the host's processes only, and reboot(2) called
in it ends its init (the kernel's rule for a PID namespace other than the first), which this keeper, the init's
parent, sees:

    init exited with REBOOT, or was ended by the kernel's reboot (SIGHUP)  -> the host boots again
    init exited with POWEROFF, or the kernel's halt/power off (SIGINT)     -> the host stays off
    anything else (killed from outside, `down`)                            -> the host stays off

One keeper per lab, started by `up` in the machine's namespaces, a process of its own (`up` returns; it stays):

    keeper.py NS_DIR NETNS_PREFIX     # says "ready" on stdout once it listens (boots.launch)

Asked over a socket of its own (`request`): `boot HOST... [quiet]` (quiet: no unit started, the daemons a saved
state had are started by its caller), `halt HOST...`, `exit`. What it knows of each host is in NS_DIR/HOST.boot
(`state boots init_pid`), and the host's PID, time and IPC namespaces are bound to NS_DIR/HOST.pid, .time and
.ipc for nsenter. Standard library only, and started without airgaplab's package imports (boots.launch): they cost 160 ms.
"""

from __future__ import annotations

import os
import select
import signal
import socket
import sys
import time
import zlib
from contextlib import suppress

from airgaplab.backends.netns.pid1 import boot_child
from airgaplab.backends.netns.syscalls import BOOT_KINDS, MS_BIND, check, detach, libc, mount

PR_SET_NAME, PR_SET_CHILD_SUBREAPER = 15, 36
NAME = "airgaplab-keep"  # its process name (comm: 15 characters at most)
REBOOT, POWEROFF = 10, 11  # the init's exit codes (shims/init)
SIDE_BY_SIDE = 8  # boots at once: each waits on its own system calls (mounts) more than on the keeper
BOOT_S = 60  # how long a host's enabled units may take to start


def socket_name(ns_dir: str | os.PathLike[str]) -> bytes:
    """The keeper's socket: abstract (no file to hold the lab's mounts), in the machine's network namespace (no
    host reaches it), named after the lab's namespace dir."""
    where = os.fsencode(ns_dir)
    return b"\0airgaplab-keeper-%08x-" % zlib.crc32(where) + where[-64:]


def _unclosed(pipes: dict[int, str], timeout: float) -> list[str]:
    """Wait until the other ends of the pipes (fd → whose) are closed, `timeout` s at most; those still open.
    Every fd is closed after."""
    deadline, left = time.monotonic() + timeout, dict(pipes)
    try:
        while left and (wait := deadline - time.monotonic()) > 0:
            ready, _, _ = select.select(list(left), [], [], wait)
            for fd in ready:
                if not os.read(fd, 512):
                    os.close(fd)
                    del left[fd]
        return sorted(left.values())
    finally:
        for fd in left:
            os.close(fd)


class Keeper:
    def __init__(self, ns_dir: str, prefix: str) -> None:
        self.ns_dir, self.prefix = ns_dir, prefix
        self.inits: dict[int, str] = {}  # init's PID → its host
        self.boots: dict[str, int] = {}

    def _file(self, host: str, kind: str) -> str:
        return f"{self.ns_dir}/{host}.{kind}"

    def _record(self, host: str, state: str, pid: int) -> None:
        path = self._file(host, "boot")
        with open(f"{path}.tmp", "w") as f:
            f.write(f"{state} {self.boots.get(host, 0)} {pid}\n")
        os.replace(f"{path}.tmp", path)

    def boot(self, hosts: list[str], quiet: bool = False) -> None:
        """A new boot of each host (off ones only), SIDE_BY_SIDE at a time: back once their namespaces are bound,
        their inits starting. OSError naming those that did not boot."""
        failed, starting = [], {}
        for i in range(0, len(hosts), SIDE_BY_SIDE):
            started = [(host, *self._begin(host, quiet)) for host in hosts[i:i + SIDE_BY_SIDE]]
            for host, child, report, booted in started:
                starting[booted] = host
                try:
                    self._bind(host, child, report)
                except OSError as e:
                    failed.append(str(e))
        # their enabled units started (while the next ones booted): what a caller of `boot` waits for
        failed += [f"{host}: its units did not start within {BOOT_S} s" for host in _unclosed(starting, BOOT_S)]
        if failed:
            raise OSError("; ".join(failed))

    def _begin(self, host: str, quiet: bool) -> tuple[int, int, int]:
        """Fork the boot's first child (pid1.boot_child); (its PID, the pipe it reports on, the pipe that closes
        when the host's init has started its units)."""
        report_r, report_w = os.pipe()
        booted_r, booted_w = os.pipe()
        child = os.fork()
        if child == 0:
            code = 1
            try:
                os.close(report_r)
                os.close(booted_r)
                code = boot_child(self.ns_dir, f"{self.prefix}{host}", host, quiet, report_w, booted_w)
            except BaseException as e:
                with suppress(OSError):
                    os.write(report_w, f"error {host}: {e}\n".encode())
            finally:
                os._exit(code)
        os.close(report_w)
        os.close(booted_w)
        return child, report_r, booted_r

    def _bind(self, host: str, child: int, report: int) -> None:
        """The boot's word (its init's PID, once the init runs its script), then its namespaces bound for nsenter."""
        with os.fdopen(report, "rb") as f:
            said = f.read().decode(errors="replace")  # until the init has exec'd (the pipe closes on exec)
        os.waitpid(child, 0)
        lines = said.splitlines()
        if not lines or not lines[0].startswith("init "):
            raise OSError(f"{host}: could not boot: {said.strip() or 'no word from the boot'}")
        pid = int(lines[0].split()[1])
        for kind in BOOT_KINDS:
            target = self._file(host, kind)
            os.close(os.open(target, os.O_CREAT | os.O_WRONLY, 0o644))  # a file to bind the namespace on
            mount(f"/proc/{pid}/ns/{kind}", target, None, MS_BIND)
        self.inits[pid] = host
        self.boots[host] = self.boots.get(host, 0) + 1
        if len(lines) > 1:  # the init reported its own failure before we bound it
            raise OSError(lines[1])
        self._record(host, "up", pid)

    def ended(self, pid: int, status: int) -> None:
        """A host's init ended: the host boots again if it rebooted, else stays off."""
        host = self.inits.pop(pid, None)
        if host is None:
            return
        for kind in BOOT_KINDS:
            detach(self._file(host, kind))
        rebooted = (os.WIFEXITED(status) and os.WEXITSTATUS(status) == REBOOT) or (
            os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGHUP)
        self._record(host, "rebooting" if rebooted else "off", 0)
        if rebooted:
            try:
                self.boot([host])
            except OSError as e:
                self._record(host, "off", 0)
                print(f"keeper: {e}", file=sys.stderr, flush=True)

    def halt(self, host: str) -> None:
        """Power `host` off from outside (its init killed: every process of it goes with it)."""
        for pid, name in list(self.inits.items()):
            if name == host:
                with suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
                _, status = os.waitpid(pid, 0)
                self.ended(pid, status)

    def reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            self.ended(pid, status)

    def answer(self, line: str) -> tuple[str, bool]:
        """One request's answer, and whether the keeper goes on."""
        words = line.split()
        if not words:
            return "error: empty request", True
        verb, hosts = words[0], [w for w in words[1:] if w != "quiet"]
        try:
            if verb == "boot":
                self.boot([h for h in hosts if h not in self.inits.values()], quiet="quiet" in words)
            elif verb == "halt":
                for host in hosts:
                    self.halt(host)
            elif verb == "exit":
                return "ok", False
            else:
                return f"error: unknown request {verb!r}", True
        except OSError as e:
            return f"error: {e}", True
        return "ok", True

    def serve(self) -> None:
        wake_r, wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        signal.set_wakeup_fd(wake_w)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC)
        server.bind(socket_name(self.ns_dir))
        server.listen(16)
        with open(f"{self.ns_dir}/keeper.pid", "w") as f:
            f.write(f"{os.getpid()}\n")
        with suppress(OSError):
            os.write(1, b"ready\n")
        null = os.open("/dev/null", os.O_RDWR)
        os.dup2(null, 1)  # the caller reads until this closes
        os.close(null)
        going = True
        while going:
            ready, _, _ = select.select([server.fileno(), wake_r], [], [], 30)
            for fd in ready:
                if fd == server.fileno():
                    conn, _ = server.accept()
                    with conn:
                        conn.settimeout(10)
                        data = b""
                        while chunk := conn.recv(4096):
                            data += chunk
                        reply, going = self.answer(data.decode(errors="replace"))
                        self.reap()
                        with suppress(OSError):
                            conn.sendall(reply.encode() + b"\n")
                else:
                    with suppress(BlockingIOError):
                        while os.read(wake_r, 512):
                            pass
            self.reap()
            if not self._lab_exists():  # the lab went away without a word: nothing left to keep
                going = False

    def _lab_exists(self) -> bool:
        """The lab's namespace dir, and a network namespace of it, are still there."""
        try:
            return os.path.isdir(self.ns_dir) and any(n.startswith(self.prefix) for n in os.listdir("/run/netns"))
        except OSError:
            return False


def main(argv: list[str]) -> int:
    ns_dir, prefix = argv[0], argv[1]
    libc.prctl(PR_SET_NAME, NAME.encode(), 0, 0, 0)
    check(libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), "prctl")  # the hosts' inits come back to it
    os.chdir("/")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    Keeper(ns_dir, prefix).serve()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
