"""Addresses of the netns lab: its simulated internet, and the network-safety rule.

The simulated internet uses documentation ranges only (RFC 5737), and of
those not 192.0.2.0/24: machines that run labs (CI runners, test VMs) often
sit on it themselves, and the lab must never share an address with them. Real
internet addresses from the spec (the forwarders) are mapped onto stand-ins;
any other address outside the lab's own ranges makes `up` refuse to start.
"""

from __future__ import annotations

import ipaddress
import json
import subprocess
from dataclasses import dataclass

from airgaplab.errors import UserError
from airgaplab.lab.spec import LabSpec

DOC_RANGES = tuple(ipaddress.IPv4Network(n) for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"))
SIM_RANGES = (WAN_RANGE := ipaddress.IPv4Network("203.0.113.0/24"), ipaddress.IPv4Network("198.51.100.0/24"))
PRIVATE_RANGES = tuple(ipaddress.IPv4Network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))

WAN = WAN_RANGE  # the internet link: admin's outside, the outsider
GATEWAY = "203.0.113.1"  # the internet's side of that link
OUTSIDER = "203.0.113.66"
ROOT_SERVER = "198.51.100.53"  # a.root-servers.net of the simulated root, authoritative for every zone
FORWARDER_BASE = ipaddress.IPv4Address("198.51.100.1")  # resolvers standing in for the spec's forwarders
NTP_BASE = ipaddress.IPv4Address("198.51.100.123")  # NTP servers answering for the spec's upstream names
GOOGLE = tuple(f"198.51.100.{i}" for i in range(100, 106))
WILDCARD = "198.51.100.107"  # any other *.google.com name (fresh names for cache tests)
SECURE = "198.51.100.80"  # www.secure.example (signed, DS in the root)
BOGUS = "198.51.100.81"  # www.bogus.example (signed, wrong DS in the root)
# Names students try from the nodes, answered by the simulated root (signed: AD when validated).
KNOWN_NAMES = {
    "registry.k8s.io": "198.51.100.60", "dl.k8s.io": "198.51.100.61", "github.com": "198.51.100.62",
    "quay.io": "198.51.100.63", "docker.io": "198.51.100.64", "registry-1.docker.io": "198.51.100.65",
    "ghcr.io": "198.51.100.66", "naver.com": "198.51.100.67", "www.naver.com": "198.51.100.67",
    "rockylinux.org": "198.51.100.68", "dl.rockylinux.org": "198.51.100.69", "kubernetes.io": "198.51.100.70",
    "mirrors.rockylinux.org": "198.51.100.71",
}
MIRROR = KNOWN_NAMES["mirrors.rockylinux.org"]  # where a Rocky host's dnf goes first: it answers (dnf's shim)
NTP_STRATUM = 2  # as in the reference notes: upstream stratum 2, admin 3


@dataclass(frozen=True)
class Internet:
    """Where everything of the simulated internet lives, derived from the spec once."""

    spec: LabSpec

    @property
    def forwarders(self) -> dict[str, str]:
        """Spec forwarder → the stand-in resolver's address."""
        fwd = self.spec.dns.forwarders if self.spec.dns else []
        return {real: str(FORWARDER_BASE + i) for i, real in enumerate(fwd)}

    @property
    def upstream_names(self) -> dict[str, str]:
        """NTP upstream name → the simulated NTP server's address."""
        names = self.spec.ntp.upstream if self.spec.ntp else []
        return {name: str(NTP_BASE + i) for i, name in enumerate(names)}

    @property
    def isp_resolver(self) -> str:
        """What a host's stock resolv.conf names (the provider's resolver, as DHCP would give)."""
        return str(FORWARDER_BASE)

    def wan_address(self, host: str) -> str:
        outside = [h.name for h in self.spec.hosts if h.internet]
        return str(WAN.network_address + 10 + outside.index(host))

    @property
    def resolver_addresses(self) -> list[str]:
        """Where the simulated resolvers listen: one per forwarder, and always the hosts' stock resolver."""
        return list(self.forwarders.values()) or [self.isp_resolver]

    @property
    def service_addresses(self) -> list[str]:
        return [ROOT_SERVER, *self.resolver_addresses, *self.upstream_names.values(), MIRROR]

    def check_safety(self) -> None:
        """Refuse a lab that would configure an address outside its own ranges."""
        net = self.spec.network.net
        # private only: the documentation ranges belong to the simulated internet (and this kind of machine)
        if not any(net.subnet_of(r) for r in PRIVATE_RANGES):
            raise UserError(
                f"network.internal: {net} is not a private (RFC 1918) range — the netns backend configures "
                "only lab-own addresses, and the documentation ranges are its simulated internet's; "
                "use e.g. 192.168.10.0/24"
            )
        for own in machine_networks():
            clash = [str(r) for r in SIM_RANGES if own.overlaps(r)]
            if clash:
                raise UserError(
                    f"this machine's own network {own} overlaps the simulated internet ({clash[0]}) — "
                    "the netns lab cannot share addresses with the machine it runs on; run it elsewhere"
                )
        for name in self.upstream_names:
            try:
                ipaddress.ip_address(name)
            except ValueError:
                continue
            raise UserError(
                f"ntp.upstream: {name} is an address; the netns backend maps only names onto its simulated "
                "internet — give a name (e.g. pool.ntp.org)"
            )


def machine_networks() -> list[ipaddress.IPv4Network]:
    """The root namespace's own IPv4 networks (read only; nothing of the lab is ever added there)."""
    proc = subprocess.run(["ip", "-4", "-j", "addr"], capture_output=True, text=True)
    nets = []
    try:
        for link in json.loads(proc.stdout or "[]"):
            for a in link.get("addr_info", []):
                nets.append(ipaddress.IPv4Network(f"{a['local']}/{a['prefixlen']}", strict=False))
    except (ValueError, KeyError):
        pass
    return [n for n in nets if not n.is_loopback]
