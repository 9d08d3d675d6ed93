"""The transport to an inventory's hosts: OpenSSH, as the operator's own `ssh` would go (their ~/.ssh/config,
known_hosts and agent), with the inventory's user, port, key and ProxyJump; one multiplexed connection per host.

    tx = SshTransport(inventory)
    tx.exec("admin", ["chronyc", "-n", "sources"])     # `sudo -n chronyc -n sources` where the host needs sudo
    tx.close()                                          # ends the shared connections
"""

from __future__ import annotations

import base64
import inspect
import shlex
import shutil
import subprocess
import tempfile

from airgaplab.backends import relay
from airgaplab.errors import UserError
from airgaplab.inventory.targets import Inventory, Target
from airgaplab.lab.transport import Completed, Transport

# the relay's own source, run by the host's python3: the probe's bytes in on stdin, the reply out in base64
EXCHANGE = inspect.getsource(relay) + """
import base64, sys
proto, server, port, timeout, source = sys.argv[1:6]
got = exchange(proto, server, int(port), sys.stdin.buffer.read(), float(timeout), source or None)
sys.stdout.write(base64.b64encode(got).decode() if got is not None else "-")
"""
CONNECT_TIMEOUT_S = 10


class SshTransport(Transport):
    """Commands on an inventory's hosts over ssh, never interactive (BatchMode: a password prompt is an error)."""

    def __init__(self, inventory: Inventory) -> None:
        if not shutil.which("ssh"):
            raise UserError("no `ssh` here: install OpenSSH's client (openssh-client / openssh-clients)")
        self.inventory = inventory
        self._dir = tempfile.mkdtemp(prefix="agl-ssh-")  # short: a control socket's path has 108 bytes

    def argv(self, host: str, command: str, *, tty: bool = False, root: bool = True) -> list[str]:
        """ssh argv running the shell command `command` on `host` (through `sudo -n` where it needs root)."""
        t = self.inventory.target(host)
        if root and t.become:
            command = f"sudo -n -- sh -c {shlex.quote(command)}"
        if t.local:  # the machine running the suite (an outsider's vantage): no ssh
            return ["sh", "-c", command]
        return ["ssh", *self.options(t), *(["-t"] if tty else ["-T"]), t.address, command]

    def options(self, t: Target) -> list[str]:
        opts = ["-o", "BatchMode=yes", "-o", f"ConnectTimeout={CONNECT_TIMEOUT_S}", "-o", "LogLevel=ERROR",
                "-o", "ControlMaster=auto", "-o", f"ControlPath={self._dir}/%C", "-o", "ControlPersist=120"]
        if t.ssh_config:
            opts[:0] = ["-F", t.ssh_config]
        if t.user:
            opts += ["-l", t.user]
        if t.port:
            opts += ["-p", str(t.port)]
        if t.key:
            opts += ["-i", t.key, "-o", "IdentitiesOnly=yes"]
        return [*opts, *t.ssh_args]

    def exec(self, host: str, argv: list[str], *, input: bytes | None = None,
             timeout: float | None = 120, root: bool = True) -> Completed:
        cmd = self.argv(host, shlex.join(argv), root=root)
        try:
            return subprocess.run(cmd, input=input if input is not None else b"", capture_output=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return subprocess.CompletedProcess(cmd, 124, b"", f"no answer over ssh in {timeout:g} s".encode())

    def interactive(self, host: str, argv: list[str]) -> int:
        return subprocess.call(self.argv(host, shlex.join(argv), tty=True))

    def exchange(self, host: str, server: str, port: int, payload: bytes, *, proto: str = "udp",
                 timeout: float = 2.0, source: str | None = None) -> bytes | None:
        t = self.inventory.target(host)
        proc = self.exec(host, [t.python, "-c", EXCHANGE, proto, server, str(port), str(timeout), source or ""],
                         input=payload, timeout=timeout + 30, root=False)
        said = proc.stdout.decode(errors="replace").strip()
        return base64.b64decode(said) if proc.returncode == 0 and said not in ("", "-") else None

    def close(self) -> None:
        """End the shared connections (a master outlives the run otherwise), and their directory."""
        for t in self.inventory.targets:
            if t.local:
                continue
            subprocess.run(["ssh", *self.options(t), "-O", "exit", t.address], capture_output=True, timeout=30)
        shutil.rmtree(self._dir, ignore_errors=True)
