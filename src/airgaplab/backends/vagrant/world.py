"""Around the VMs: management links, NetworkManager's `internal` connection, firewalld where hardened; the
outsider, the egress and the forwarders' side are the hypervisor's."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from airgaplab.backends.vagrant import plan as vplan
from airgaplab.backends.vagrant.hypervisor import HV
from airgaplab.lab.family import family
from airgaplab.lab.world import GRADER, DnssecNames, World

if TYPE_CHECKING:
    from airgaplab.backends.vagrant.backend import VagrantBackend

class VagrantWorld(World):
    """Around the VMs: management links, NetworkManager's `internal` connection, firewalld where hardened;
    the outsider, the egress and the forwarders' side are the hypervisor's."""

    def __init__(self, backend: VagrantBackend) -> None:
        vm = backend.spec.vm
        url = None if family(vm.os).box_built_here else vm.box_url
        super().__init__(family=family(vm.os), box=f"{vplan.box_name(backend.spec)} {url or ''}".strip(),
                         # emulated guests: chrony's iburst and the suite's probes run ~10x slower
                         sync_timeout=240.0 if vm.accel == "qemu" else 90.0,
                         outsider=backend.hv.outsider, grader=GRADER)
        self.be = backend

    def outside_address(self, host: str) -> str | None:
        """admin's management (NAT) address, as the outsider reaches it."""
        if not self.be.spec.host(host).internet:
            return None
        m = re.search(rf"^Host {re.escape(host)}\n(?:\s+.*\n)*?\s+HostName (\S+)",
                      self.be.channels.config().read_text(), re.M)
        return m.group(1) if m else None

    def egress_address(self, host: str) -> str | None:
        """What the (simulated) internet sees admin's traffic come from: the hypervisor's NAT address."""
        return self.be.hv.internet.outside_address(HV) if self.be.spec.host(host).internet else None

    def forwarder_log(self) -> str | None:
        return self.be.hv.internet.forwarder_log()

    def dnssec_names(self) -> DnssecNames:
        return self.be.hv.internet.dnssec_names()

    def large_answer(self) -> str | None:
        return self.be.hv.internet.large_answer()

    def unsigned_zone(self) -> str | None:
        return self.be.hv.internet.unsigned_zone()

    def keep_reachable(self, host: str) -> str | None:
        vm = self.be.spec.vm
        return vm.management_nat if self.be.spec.host(host).internet else vm.management_isolated

    def nm_connection(self, host: str) -> str:
        return "internal"  # the base step's connection

    def firewalled(self, host: str) -> bool:
        return self.be.transport.exec(host, ["systemctl", "is-active", "--quiet", "firewalld"]).returncode == 0
