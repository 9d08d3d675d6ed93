"""Reaching the VMs: each through its host agent (agent.py: a root helper per VM on its multiplexed ssh
connection, inside the hypervisor's namespace if private); the outsider and the grader through what the
hypervisor offers."""

from __future__ import annotations

import base64
import json
import shlex
import subprocess
from collections.abc import Callable

from airgaplab.backends.vagrant.access.agent import Agents
from airgaplab.backends.vagrant.guests.seatnet import Vantage
from airgaplab.backends.vagrant.libvirt.host import LibvirtHost
from airgaplab.lab.spec import LabSpec
from airgaplab.lab.transport import Completed, Transport
from airgaplab.lab.world import GRADER

Login = Callable[[str, str, bool], list[str]]  # (host, command, tty) → the ssh argv running it as root there

# put_many on a VM: python3 (the host agent's own) writes the files, not tar — a minimal EL10 image need not
# have tar. Each file is replaced whole (mode 0644, root's), parents made 0755; existing directories keep theirs.
WRITE_FILES = """
import base64, json, os, sys
for path, data in json.load(sys.stdin).items():
    os.makedirs(os.path.dirname(path), mode=0o755, exist_ok=True)
    new = path + ".airgaplab-new"
    with open(new, "wb") as f:
        f.write(base64.b64decode(data))
    os.chmod(new, 0o644)
    os.replace(new, path)
"""


class VagrantTransport(Transport):
    """The VMs through their host agents (agent.py: a root helper per VM on its multiplexed ssh connection,
    inside the hypervisor's namespace if private); the outsider is whatever the hypervisor offers."""

    def __init__(self, spec: LabSpec, hv: LibvirtHost, agents: Agents, login: Login,
                 vantage: Vantage | None = None) -> None:
        """`vantage`: a class's seat on a libvirt host, the grader's namespace there (seatnet.py)."""
        self.spec, self.hv, self.agents, self.login, self.vantage = spec, hv, agents, login, vantage

    def _outsider(self, host: str) -> Transport | None:
        return self.hv.outsider_transport() if host == self.hv.outsider else None

    def exec(self, host: str, argv: list[str], *, input: bytes | None = None,
             timeout: float | None = 120) -> Completed:
        if tx := self._outsider(host):
            return tx.exec(host, argv, input=input, timeout=timeout)
        self.spec.host(host)
        return self.agents.exec(host, argv, input=input, timeout=timeout)

    def put_many(self, host: str, files: dict[str, bytes]) -> None:
        if tx := self._outsider(host):
            return tx.put_many(host, files)
        payload = json.dumps({path: base64.b64encode(data).decode() for path, data in files.items()}).encode()
        self.run(host, ["python3", "-c", WRITE_FILES], what="writing files", input=payload)
        return None

    def interactive(self, host: str, argv: list[str]) -> int:
        if tx := self._outsider(host):
            return tx.interactive(host, argv)
        self.spec.host(host)
        return subprocess.call(self.login(host, shlex.join(argv), True))

    def exchange(self, host: str, server: str, port: int, payload: bytes, *, proto: str = "udp",
                 timeout: float = 2.0, source: str | None = None) -> bytes | None:
        if host == GRADER and self.vantage:
            return self.vantage.exchange(server, port, payload, proto=proto, timeout=timeout, source=source)
        if host == GRADER:  # the hypervisor's own address on the internal network
            return self.hv.outsider_transport().exchange(self.hv.outsider, server, port, payload, proto=proto,
                                                         timeout=timeout, source=source or self.spec.grader_ip)
        if tx := self._outsider(host):
            return tx.exchange(host, server, port, payload, proto=proto, timeout=timeout, source=source)
        self.spec.host(host)
        return self.agents.exchange(host, proto, server, port, payload, timeout=timeout, source=source)
