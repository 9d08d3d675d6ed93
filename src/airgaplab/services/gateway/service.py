"""The gateway chapter: admin forwards and masquerades the internal network out of its outside interface and the
nodes route through it (open); then the rule and the route are removed and the network is closed.

    SERVICE.files(spec, spec.host("admin"), ROCKY)   # {"/etc/sysconfig/nftables.conf": "table ip nat {…"}
"""

from __future__ import annotations

from airgaplab.lab.family import Family
from airgaplab.lab.spec import Host, LabSpec
from airgaplab.services.base import ExerciseStep, Service
from airgaplab.services.drill import Drill
from airgaplab.services.gateway import drills

# where each family keeps the ruleset nftables.service loads at boot (the notes: Rocky's)
NFTABLES_CONF = {"rocky10": "/etc/sysconfig/nftables.conf", "debian12": "/etc/nftables.conf"}
OPEN, CLOSED = (("GATEWAY_OPEN", "1"),), (("GATEWAY_OPEN", "0"),)


class Gateway(Service):
    name = "gateway"
    rank = -1  # the way out comes before anything that goes out
    exercise = (
        ExerciseStep("gateway-open", "gateway-server", "admin, then every node",
                     "admin forwards and masquerades the internal network out of its outside interface (nftables, "
                     "kept in /etc/sysconfig/nftables.conf); every node's default route goes through admin",
                     "nft list ruleset on admin (masquerade); ip route on a node (default via 192.168.10.10); "
                     "ping an internet address from a node",
                     then=("gateway-client",), env=OPEN),
        ExerciseStep("gateway-closed", "gateway-server", "admin, then every node",
                     "the masquerade rule and the nodes' default route are removed, forwarding is off: the internal "
                     "network is closed",
                     "nft list ruleset on admin (no masquerade); ip route on a node (no default route)",
                     then=("gateway-client",), env=CLOSED),
    )

    def files(self, spec: LabSpec, host: Host, fam: Family) -> dict[str, str]:
        if host.has(self.server_role):
            return {self.nftables_conf(fam): self.render("nftables.conf.j2", spec, host, fam)}
        return {}

    def nftables_conf(self, fam: Family) -> str:
        return NFTABLES_CONF.get(fam.os, NFTABLES_CONF["rocky10"])

    def step_env(self, spec: LabSpec, fam: Family) -> dict[str, str]:
        gateway = spec.gateway
        return {"GATEWAY_OPEN": "1" if gateway is not None and gateway.open else "0",
                "GATEWAY_IP": spec.admin.ip, "INTERNAL_NET": spec.network.internal,
                "NFTABLES_CONF": self.nftables_conf(fam)}

    def drills(self) -> tuple[Drill, ...]:
        return drills.DRILLS


SERVICE = Gateway()
