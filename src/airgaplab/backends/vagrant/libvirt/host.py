"""Where a lab's VMs run — one base, the hooks each kind of libvirt host fills (as netlab's providers do):

    system.SystemHypervisor   this machine's libvirtd (a KVM workstation)
    private.PrivateHypervisor libvirtd in namespaces the lab owns, its only way out the simulated internet
    standin.StandIn           a private hypervisor that lives apart from any lab, taking seats by its URI
    remote.RemoteHost         another machine's libvirtd, over ssh

The VM backend asks only these hooks: it never tests which kind it has.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from airgaplab.backends.vagrant.libvirt import accel
from airgaplab.backends.vagrant.libvirt.virt import Virt
from airgaplab.lab.family import Family
from airgaplab.lab.spec import Host
from airgaplab.lab.transport import Transport
from airgaplab.lab.world import World

HV = "hv"  # the private hypervisor's host on the simulated internet
LOCAL = "@local"  # system hypervisor: the machine running the suite is the vantage point outside every ACL
OUTSIDER = "outsider"  # private hypervisor: the hypervisor's namespace, probing admin's management address


class LibvirtHost:
    """A libvirt host as a lab's VMs see it. The defaults are a host this machine reaches as it is: commands run
    here as they are, the lab neither starts nor stops it, it adds no file to the guests."""

    kind = "system"  # what `up` says it chose (libvirtd.Choice.kind): "system" or "private"
    outsider: str = LOCAL  # the host the lab's outsider is

    @property
    def uri(self) -> str:
        """libvirt's URI of the host, as this machine reaches it."""
        raise NotImplementedError

    @contextmanager
    def virt(self) -> Iterator[Virt]:
        """libvirt's binding at the host's URI, one connection for the block."""
        with Virt.connect(self.uri) as v:
            yield v

    def start(self) -> None:
        """Ready for the lab's VMs (started, if it is the lab's own)."""

    def stop(self) -> None:
        """Let go of it (the lab's own: take it down, and everything on it)."""

    def discard(self) -> bool:
        """The lab is going: take the host down if it is the lab's own — True when that took the lab's VMs,
        volumes and networks along (nothing of them is left to remove one by one)."""
        return False

    def is_up(self) -> bool:
        return True

    def wrap(self, argv: list[str]) -> list[str]:
        """argv run where the VMs' networks are (vagrant, the VMs' ssh)."""
        return argv

    def host_argv(self, argv: list[str]) -> list[str]:
        """argv run on the libvirt host itself, as root."""
        return argv

    def namespace(self) -> str | None:
        """The namespace vagrant runs in on this machine (shown by `up --dry-run`); None: this machine's own."""
        return None

    def outsider_transport(self) -> Transport:
        raise NotImplementedError

    def extra_files(self, host: Host, fam: Family) -> dict[str, bytes]:
        """Files a guest gets beyond the notes' (the simulated root's hints and trust anchor)."""
        return {}

    @property
    def internet(self) -> World:
        """The internet the VMs' NAT leads into, as far as it can be seen from here (the real one: nothing)."""
        return World()

    def guest_cpu(self, setting: str) -> accel.GuestCpu:
        """The guests' accelerator and CPU (vm.accel `setting`): this machine's, probed by running a guest."""
        return accel.choose(setting)

    def reach(self) -> dict[str, Any]:
        """How the VMs are reached when they run on another machine: the plan's part of it (plan.build's keywords)."""
        return {}
