"""Libvirt hosts reached over ssh (`class up --host qemu+ssh://user@host/system`): another machine's, or a stand-in
started with `hypervisor up NAME --ssh`.

Three things cross to such a host, each the way its own tool does it:
- the libvirt API (airgaplab's and vagrant-libvirt's): libvirt's own ssh transport, by the URI;
- the VMs' ssh (vagrant's, the host agents'): through the host, by ssh's ProxyCommand (`ssh host -W vm:22`),
  which the plan hands to vagrant-libvirt (`proxy_command`);
- what must happen on the host itself — the outsider's and the grader's probes, from the host's own addresses
  on a seat's networks: one host agent (agent.py) on one ssh connection to it.
The ssh options are the URI's (user, port, `keyfile`, `no_verify`, and `command`, the ssh to run), as libvirt
reads them, so one URI says everything.

    host = RemoteHost("qemu+ssh://lab@kvm1/system")
    host.proxy_command        # "ssh -o BatchMode=yes -l lab kvm1 -W %h:%p"
    host.outsider_transport().exec("outsider", ["ip", "-br", "addr"])
"""

from __future__ import annotations

import shlex
import subprocess
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from airgaplab.backends.base import Progress, quiet
from airgaplab.backends.vagrant.access import agent
from airgaplab.backends.vagrant.libvirt import accel
from airgaplab.backends.vagrant.libvirt.accel import GuestCpu
from airgaplab.backends.vagrant.libvirt.host import OUTSIDER, LibvirtHost
from airgaplab.errors import UserError
from airgaplab.lab.family import Family
from airgaplab.lab.spec import Host
from airgaplab.lab.transport import Completed, Transport
from airgaplab.lab.world import World

SCHEME = "qemu+ssh"


@dataclass(frozen=True)
class SshUri:
    """A `qemu+ssh://[user@]host[:port]/system[?command=…&keyfile=…&no_verify=1]` URI, as ssh options."""

    host: str
    user: str | None = None
    port: int | None = None
    command: str = "ssh"
    keyfile: str | None = None
    no_verify: bool = False

    @classmethod
    def parse(cls, uri: str) -> SshUri | None:
        """The URI's ssh options; None for a URI of another transport. UserError for one with no host."""
        u = urlsplit(uri)
        if u.scheme != SCHEME:
            return None
        if not u.hostname or u.path != "/system":
            raise UserError(f"--host {uri}: a libvirt host over ssh is qemu+ssh://[user@]host[:port]/system")
        q = {k: v[-1] for k, v in parse_qs(u.query).items()}
        return cls(u.hostname, u.username, u.port, q.get("command", "ssh"), q.get("keyfile"),
                   q.get("no_verify", "0") == "1")

    def argv(self, *, tty: bool = False) -> list[str]:
        """ssh and its options, up to (not including) the host."""
        return [self.command, "-o", "BatchMode=yes", "-t" if tty else "-T",
                *(["-l", self.user] if self.user else []), *(["-p", str(self.port)] if self.port else []),
                *(["-i", self.keyfile] if self.keyfile else []),
                *(["-o", "StrictHostKeyChecking=no"] if self.no_verify else [])]


class HostAgentTransport(Transport):
    """The libvirt host itself, as the lab's outsider (and the grader: its address on a seat's internal network):
    one agent on one ssh connection, a new one when it drops."""

    def __init__(self, ssh: SshUri) -> None:
        self.ssh = ssh
        self.agents = agent.Agents(lambda _host: [*ssh.argv(), ssh.host, agent.COMMAND])

    def exec(self, host: str, argv: list[str], *, input: bytes | None = None,
             timeout: float | None = 120) -> Completed:
        return self.agents.exec(OUTSIDER, argv, input=input, timeout=timeout)

    def interactive(self, host: str, argv: list[str]) -> int:
        return subprocess.call([*self.ssh.argv(tty=True), self.ssh.host, shlex.join(argv)])

    def exchange(self, host: str, server: str, port: int, payload: bytes, *, proto: str = "udp",
                 timeout: float = 2.0, source: str | None = None) -> bytes | None:
        return self.agents.exchange(OUTSIDER, proto, server, port, payload, timeout=timeout, source=source)


class RemoteHost(LibvirtHost):
    """A libvirt host over ssh, as a seat's VMs see it: they run there; their lab neither starts nor stops it.
    vagrant and the VMs' ssh run on this machine, in no namespace of the host's."""

    outsider = OUTSIDER

    def __init__(self, uri: str, progress: Progress = quiet) -> None:
        ssh = SshUri.parse(uri)
        if ssh is None:
            raise UserError(f"--host {uri}: not a qemu+ssh:// URI")
        self._uri, self.ssh, self.progress = uri, ssh, progress
        self._transport = HostAgentTransport(ssh)
        from airgaplab.backends.vagrant.libvirt import standin

        # a stand-in host of this machine reached over ssh: its VMs' world is its simulated internet
        self.standin = standin.for_uri(uri)

    def reach(self) -> dict[str, Any]:
        return {"proxy_command": self.proxy_command, "keep_box_key": self.keeps_box_key}

    @property
    def uri(self) -> str:
        return self._uri

    @property
    def keeps_box_key(self) -> bool:
        """Vagrant's key swap costs minutes of emulated ssh; a stand-in's VMs are reachable from its namespace only."""
        return self.standin is not None

    @property
    def proxy_command(self) -> str:
        """How ssh reaches a VM on the host (ssh's ProxyCommand; %h:%p the VM's address and port)."""
        return shlex.join([*self.ssh.argv(), "-W", "%h:%p", self.ssh.host])

    def guest_cpu(self, setting: str) -> GuestCpu:
        """The guests' accelerator by what the host says it runs (libvirt's domain capabilities for KVM), unless
        vm.accel says; a stand-in host is this machine, which accel.py probes by running a guest (some machines
        offer /dev/kvm, and libvirt says KVM, where KVM cannot run one)."""
        if self.standin is not None:
            return accel.choose(setting)
        with self.virt() as v:
            kvm = v.runs_kvm()
        if setting == "qemu" or (setting == "auto" and not kvm):
            why = "vm.accel: qemu" if setting == "qemu" else f"{self.ssh.host} offers no KVM"
            return GuestCpu("qemu", accel.MODES["qemu"], 0, f"software emulation on {self.ssh.host} ({why})")
        said = "" if kvm else f" (vm.accel: kvm; {self.ssh.host} says it has none)"
        return GuestCpu("kvm", accel.MODES["kvm"], 0, f"KVM on {self.ssh.host}{said}")

    def start(self) -> None:
        with self.virt() as v:  # one line when the host does not answer, before vagrant says it in twenty
            self.progress(f"libvirt {v.version()} at {self.uri}")

    def stop(self) -> None:
        self._transport.agents.close()

    def is_up(self) -> bool:
        """Whether the host is there (a stand-in's namespaces; another machine's, as this machine's libvirtd, is
        taken to be): whether its libvirt answers is `Virt.answers`, one ssh connection each time."""
        return self.standin.is_up() if self.standin else True

    def host_argv(self, argv: list[str]) -> list[str]:
        """argv run on the libvirt host itself, over ssh (as the URI's user: root, or one that may do so)."""
        return [*self.ssh.argv(), self.ssh.host, shlex.join(argv)]

    def outsider_transport(self) -> Transport:
        return self._transport

    def extra_files(self, host: Host, fam: Family) -> dict[str, bytes]:
        """A stand-in host's as its socket's (the simulated root's files); another machine's VMs need none."""
        return self.standin.extra_files(host, fam) if self.standin else {}

    @property
    def internet(self) -> World:
        """A stand-in's simulated internet; another machine's VMs reach the real one (nothing to see from here)."""
        return self.standin.internet if self.standin else World()

