"""Around the VMs: management links, NetworkManager's `internal` connection, firewalld where hardened; the
outsider, the egress and the forwarders' side are the hypervisor's."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from airgaplab.backends.vagrant.guests import plan as vplan
from airgaplab.backends.vagrant.libvirt.host import HV, LibvirtHost
from airgaplab.lab.family import family
from airgaplab.lab.spec import LabSpec
from airgaplab.lab.transport import Transport
from airgaplab.lab.world import GRADER, DnssecNames, World


class VagrantWorld(World):
    """Around the VMs: management links, NetworkManager's `internal` connection, firewalld where hardened;
    the outsider, the egress and the forwarders' side are the hypervisor's."""

    def __init__(self, spec: LabSpec, hv: LibvirtHost, tx: Transport, ssh_config: Callable[[], Path]) -> None:
        """`ssh_config`: vagrant's ssh config of the VMs (their management addresses)."""
        vm = spec.vm
        url = None if family(vm.os).box_built_here else vm.box_url
        super().__init__(family=family(vm.os), box=f"{vplan.box_name(spec)} {url or ''}".strip(),
                         # emulated guests: chrony's iburst and the suite's probes run ~10x slower
                         sync_timeout=240.0 if vm.accel == "qemu" else 90.0,
                         outsider=hv.outsider, grader=GRADER)
        self.spec, self.hv, self.tx, self.ssh_config = spec, hv, tx, ssh_config

    def outside_address(self, host: str) -> str | None:
        """admin's management (NAT) address, as the outsider reaches it."""
        if not self.spec.host(host).internet:
            return None
        m = re.search(rf"^Host {re.escape(host)}\n(?:\s+.*\n)*?\s+HostName (\S+)",
                      self.ssh_config().read_text(), re.M)
        return m.group(1) if m else None

    def egress_address(self, host: str) -> str | None:
        """What the (simulated) internet sees admin's traffic come from: the hypervisor's NAT address."""
        return self.hv.internet.outside_address(HV) if self.spec.host(host).internet else None

    def forwarder_log(self) -> str | None:
        return self.hv.internet.forwarder_log()

    def dnssec_names(self) -> DnssecNames:
        return self.hv.internet.dnssec_names()

    def large_answer(self) -> str | None:
        return self.hv.internet.large_answer()

    def unsigned_zone(self) -> str | None:
        return self.hv.internet.unsigned_zone()

    def keep_reachable(self, host: str) -> str | None:
        vm = self.spec.vm
        return vm.management_nat if self.spec.host(host).internet else vm.management_isolated

    def nm_connection(self, host: str) -> str:
        return "internal"  # the base step's connection

    def firewalled(self, host: str) -> bool:
        return self.tx.exec(host, ["systemctl", "is-active", "--quiet", "firewalld"]).returncode == 0
