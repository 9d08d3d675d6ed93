"""A seat's networks on a libvirt host that other seats share: each seat is the notes' lab, 192.168.10.0/24 and
all, so nothing of it may route on the host.

- Its internal network has no address on the host (libvirt's isolated network without <ip>; vagrant-libvirt's
  `veryisolated`): two seats' 192.168.10.0/24 are two bridges the host neither routes nor tells apart.
- The grader's vantage (.1, where the suite's and `check`'s probes come from) is a network namespace of the
  seat's own on the host, its one link a veth on that bridge: no route of it in the host's own namespace.
- Its management networks take subnets of the seat's own (`subnets(n)`: seat n of a class).
- airgaplab defines the three networks before `vagrant up`, with bridge names of the seat's own: each seat's
  vagrant-libvirt picks "the first free virbrN" for a network it creates, and two seats coming up side by side
  on one host would pick the same one.

    seat = SeatNetworks(spec, hv)
    seat.create()                  # the networks and the vantage, before vagrant up
    seat.vantage.exchange(...)     # a probe from the grader's address
    seat.remove()                  # the vantage (the networks go with vagrant's, as before)
"""

from __future__ import annotations

import hashlib
import ipaddress
import subprocess

from airgaplab.backends.vagrant.access import agent
from airgaplab.backends.vagrant.guests import plan as vplan
from airgaplab.backends.vagrant.libvirt.host import LibvirtHost
from airgaplab.lab.spec import LabSpec
from airgaplab.lab.transport import failure
from airgaplab.lab.world import GRADER

MANAGEMENT = ipaddress.IPv4Network("10.250.0.0/16")  # seat n: 10.250.2n.0/24 (NAT), 10.250.(2n+1).0/24 (isolated)
VANTAGE_NIC = "grader"
LETTER = {"internal": "i", "nat": "n", "isolated": "s", "vantage": "g"}  # a seat's links on the host, by what

ISOLATED = """<network>
  <name>{name}</name>
  <bridge name="{bridge}" stp="on" delay="0"/>{ip}
</network>
"""
FORWARD_NAT = '\n  <forward mode="nat"/>'
WITH_DHCP = """
  <ip address="{host}" netmask="{mask}">
    <dhcp><range start="{first}" end="{last}"/></dhcp>
  </ip>"""


def subnets(n: int) -> tuple[str, str]:
    """Seat n's management subnets: NAT (admin's), isolated (the nodes')."""
    nets = list(MANAGEMENT.subnets(new_prefix=24))
    return str(nets[2 * n]), str(nets[2 * n + 1])


def clashes(subnets: dict[str, str]) -> list[str]:
    """A host's networks (name → address/netmask) that overlap the seats' management range, each as one phrase."""
    return [f"{name} ({net})" for name, sub in sorted(subnets.items())
            if (net := ipaddress.IPv4Network(sub, strict=False)).overlaps(MANAGEMENT)]


def _tag(spec: LabSpec) -> str:
    return hashlib.sha256(spec.name.encode()).hexdigest()[:6]


def bridges(spec: LabSpec) -> dict[str, str]:
    """The seat's bridge names (at most 15 characters, the kernel's limit), by network."""
    return {net: f"agl{_tag(spec)}{LETTER[net]}" for net in vplan.network_names(spec)}


def netns(spec: LabSpec) -> str:
    """The grader's namespace on the host (not agl.<lab>.*: that prefix is a private hypervisor's own)."""
    return f"agl-{spec.name}-grader"


def _veth(spec: LabSpec) -> str:
    return f"agl{_tag(spec)}{LETTER['vantage']}"


def network_xml(spec: LabSpec) -> dict[str, str]:
    """The three networks' libvirt XML, by name."""
    names, br = vplan.network_names(spec), bridges(spec)
    xml = {names["internal"]: ISOLATED.format(name=names["internal"], bridge=br["internal"], ip="")}
    for net, subnet in (("nat", spec.vm.management_nat), ("isolated", spec.vm.management_isolated)):
        hosts = list(ipaddress.IPv4Network(subnet).hosts())
        ip = WITH_DHCP.format(host=hosts[0], mask=ipaddress.IPv4Network(subnet).netmask, first=hosts[1], last=hosts[-1])
        xml[names[net]] = ISOLATED.format(name=names[net], bridge=br[net], ip=(FORWARD_NAT if net == "nat" else "") + ip)
    return xml


class Vantage:
    """The grader's probes, from its namespace on the host: one agent (agent.py) there, started when first asked."""

    def __init__(self, spec: LabSpec, hv: LibvirtHost) -> None:
        ns = netns(spec)
        self.agents = agent.Agents(lambda _h: hv.host_argv(["ip", "netns", "exec", ns, "sh", "-c", agent.COMMAND]))

    def exchange(self, server: str, port: int, payload: bytes, *, proto: str, timeout: float,
                 source: str | None) -> bytes | None:
        return self.agents.exchange(GRADER, proto, server, port, payload, timeout=timeout, source=source)

    def close(self) -> None:
        self.agents.close()


class SeatNetworks:
    """A seat's networks and its grader's vantage on the libvirt host `hv`, which other seats share."""

    def __init__(self, spec: LabSpec, hv: LibvirtHost) -> None:
        self.spec, self.hv = spec, hv
        self.vantage = Vantage(spec, hv)

    def _on_host(self, script: str, what: str) -> None:
        proc = subprocess.run(self.hv.host_argv(["sh", "-c", script]), capture_output=True, timeout=60)
        if proc.returncode != 0:
            raise failure(f"the libvirt host {self.spec.vm.host}", what, proc, lines=1)

    def create(self) -> None:
        """The seat's networks, then the grader's namespace on the internal one's bridge."""
        spec = self.spec
        with self.hv.virt() as v:
            for name, xml in network_xml(spec).items():
                v.ensure_network(name, xml)
        ns, veth, net = netns(spec), _veth(spec), spec.network.net
        self._on_host(f"ip link del {veth} 2>/dev/null; ip netns del {ns} 2>/dev/null; set -e; ip netns add {ns}; "
                      f"ip link add {veth} type veth peer name {VANTAGE_NIC} netns {ns}; "
                      f"ip link set {veth} master {bridges(spec)['internal']} up; "
                      f"ip -n {ns} addr add {spec.grader_ip}/{net.prefixlen} dev {VANTAGE_NIC}; "
                      f"ip -n {ns} link set {VANTAGE_NIC} up; ip -n {ns} link set lo up",
                      "making the grader's namespace")

    def remove(self) -> None:
        """The grader's namespace and its veth gone (the kernel dismantles a namespace later, its veth with it: the
        veth goes now); nothing when they are not there."""
        self.vantage.close()
        self._on_host(f"ip link del {_veth(self.spec)} 2>/dev/null; ip netns del {netns(self.spec)} 2>/dev/null; true",
                      "removing the grader's namespace")
