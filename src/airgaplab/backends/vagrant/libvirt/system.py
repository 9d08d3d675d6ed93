"""This machine's own libvirtd (a KVM workstation): commands run as they are, the VMs reach the real internet, and
the machine running the suite is the outsider."""

from __future__ import annotations

import subprocess

from airgaplab.backends import relay
from airgaplab.backends.vagrant.libvirt.host import LOCAL, LibvirtHost
from airgaplab.backends.vagrant.libvirt.virt import SYSTEM_URI
from airgaplab.lab.transport import Completed, Transport


class LocalTransport(Transport):
    """This machine itself, as the outsider of a lab on the system libvirtd."""

    def exec(self, host: str, argv: list[str], *, input: bytes | None = None,
             timeout: float | None = 120) -> Completed:
        return subprocess.run(argv, input=input, capture_output=True, timeout=timeout)

    def interactive(self, host: str, argv: list[str]) -> int:
        return subprocess.call(argv)

    def exchange(self, host: str, server: str, port: int, payload: bytes, *, proto: str = "udp",
                 timeout: float = 2.0, source: str | None = None) -> bytes | None:
        return relay.exchange(proto, server, port, payload, timeout, source)


class SystemHypervisor(LibvirtHost):
    """The machine's libvirtd: `down` removes the lab's domains and networks, never the daemon."""

    outsider = LOCAL

    @property
    def uri(self) -> str:
        return SYSTEM_URI

    def outsider_transport(self) -> Transport:
        return LocalTransport()
