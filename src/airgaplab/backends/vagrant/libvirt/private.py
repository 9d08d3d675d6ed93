"""A private hypervisor: libvirtd in namespaces the lab owns.

It is a host of its own on the simulated internet (`hv`: network + mount
namespace, private /etc, /var, /run; backends.internet), so libvirtd's bridges,
dnsmasq, NAT, taps and qemu live only there and their one way out is the simulated internet. Its /etc/resolv.conf names the
simulated resolvers, and nftables at its edge translates the notes' real
forwarder addresses (168.126.63.1, 8.8.8.8) to their stand-ins, so admin's
named.conf is the reference value for value and no link carries them.

    hv = PrivateHypervisor(spec, state_dir, progress)
    hv.start()                         # namespaces, simulated internet, libvirtd
    with hv.virt() as v: v.domains()   # libvirt's binding, at hv.uri
    hv.stop()                          # everything above, also after a SIGKILLed start
"""

from __future__ import annotations

from pathlib import Path

from airgaplab import retry
from airgaplab.backends.base import Progress
from airgaplab.backends.forwarders import forwarder_dnat
from airgaplab.backends.internet import internet_edge
from airgaplab.backends.vagrant.libvirt.host import HV, OUTSIDER, LibvirtHost
from airgaplab.backends.vagrant.libvirt.virt import Virt, binding_missing, private_uri
from airgaplab.errors import LabError
from airgaplab.lab.family import Family
from airgaplab.lab.spec import Host, LabSpec
from airgaplab.lab.transport import Completed, Transport
from airgaplab.lab.world import World

LIBVIRTD_PID = "/run/libvirtd.pid"
# hv's leg on the (otherwise empty) netns lan: a private /30 no lab uses
EDGE_NET = "10.255.255.0/30"
EDGE_IP = "10.255.255.1"

QEMU_CONF = """# airgaplab private hypervisor: no systemd, no cgroup delegation, no virtlogd
stdio_handler = "file"
cgroup_controllers = [ ]
security_driver = "none"
user = "root"
group = "root"
remember_owner = 0
"""
LIBVIRTD_CONF = """# airgaplab private hypervisor
unix_sock_group = "root"
unix_sock_rw_perms = "0700"
auth_unix_rw = "none"
"""
START = (
    "rm -f /etc/libvirt/qemu/networks/autostart/*.xml; "
    "mkdir -p /run/libvirt /var/log/libvirt/qemu /var/lib/libvirt/images /var/cache/libvirt; "
    "libvirtd -d </dev/null >/dev/null 2>&1"
)


class HostAlias(Transport):
    """One host of another transport under the name the lab gives it (the outsider is hv's namespace)."""

    def __init__(self, inner: Transport, host: str) -> None:
        self.inner, self.host = inner, host

    def exec(self, host: str, argv: list[str], *, input: bytes | None = None,
             timeout: float | None = 120) -> Completed:
        return self.inner.exec(self.host, argv, input=input, timeout=timeout)

    def interactive(self, host: str, argv: list[str]) -> int:
        return self.inner.interactive(self.host, argv)

    def exchange(self, host: str, server: str, port: int, payload: bytes, *, proto: str = "udp",
                 timeout: float = 2.0, source: str | None = None) -> bytes | None:
        return self.inner.exchange(self.host, server, port, payload, proto=proto, timeout=timeout, source=source)


def edge_spec(spec: LabSpec) -> LabSpec:
    """The netns lab that carries the VMs' world: the simulated internet plus the `hv` host."""
    data = spec.model_dump()
    data["network"] = {"internal": EDGE_NET}
    data["hosts"] = [{"name": HV, "ip": EDGE_IP, "internet": True}]
    data["nodes"] = None
    return LabSpec.model_validate(data)


class PrivateHypervisor(LibvirtHost):
    """libvirtd in a lab-owned namespace whose only way out is the simulated internet: the lab's own, so stopping
    it removes everything the lab made (a stand-in host is not the lab's: standin.py)."""

    kind = "private"
    outsider = OUTSIDER

    def __init__(self, spec: LabSpec, state_dir: Path, progress: Progress, *, state_name: str | None = None) -> None:
        self.spec = spec
        self.progress = progress
        # the edge's own steps read as the hypervisor's; it provisions nothing worth a line. Inside the VM lab's
        # state dir: one lab, one `down` (a stand-in host: its own dir)
        self.edge = internet_edge(edge_spec(spec), lambda m: None if m.startswith("provision") else progress(m),
                                  state_name=state_name or f"{spec.name}/edge")

    @property
    def uri(self) -> str:
        """qemu:///system of hv's libvirtd, reached from this machine's namespaces through its socket."""
        got = self.edge.transport.exec(HV, ["cat", LIBVIRTD_PID], timeout=10)
        if got.returncode != 0 or not got.stdout.strip().isdigit():
            raise LabError("the private libvirtd is not running (no PID file in its namespace); "
                           "`airgaplab down` then `airgaplab up` starts it again")
        return private_uri(int(got.stdout))

    def wrap(self, argv: list[str]) -> list[str]:
        """argv run inside hv: its network, its /etc, /var and /run (so qemu:///system is the private one)."""
        return [*self.edge.enter(HV), *argv]

    def namespace(self) -> str | None:
        return f"agl.{self.spec.name}.{HV}"

    def host_argv(self, argv: list[str]) -> list[str]:
        """argv run on the libvirt host itself, as root (hv's namespaces)."""
        return self.wrap(argv)

    def outsider_transport(self) -> Transport:
        return HostAlias(self.edge.transport, HV)

    def extra_files(self, host: Host, fam: Family) -> dict[str, bytes]:
        """For admin: the simulated root's hints and trust anchor where the OS keeps the real ones."""
        if not host.internet:
            return {}
        return {fam.root_key: self.file("/etc/named.root.key"), fam.root_hints: self.file("/var/named/named.ca")}

    @property
    def internet(self) -> World:
        """The simulated internet the VMs' NAT leads into: hv's outside address is their egress."""
        return self.edge.world

    def start(self) -> None:
        if missing := binding_missing():
            raise LabError(missing)
        self.edge.up()
        self.progress("private libvirtd in a namespace of airgaplab's own")
        self.edge.transport.put_many(HV, {
            "/etc/libvirt/qemu.conf": QEMU_CONF.encode(),
            "/etc/libvirt/libvirtd.conf": self.libvirtd_conf().encode(),
            "/etc/resolv.conf": f"nameserver {self.edge.isp_resolver}\n".encode(),
        })
        self._translate_forwarders()
        self._check(["sh", "-c", START])
        def answers() -> bool:
            try:
                return Virt.answers(self.uri)
            except LabError:  # no PID file yet
                return False

        if not retry.until(answers, timeout=30, interval=0.2):
            log = self.edge.transport.exec(HV, ["sh", "-c", "tail -n 5 /var/log/libvirt/libvirtd.log"]).stdout.decode()
            raise LabError(f"the private libvirtd did not answer within 30 s {log}")
        with self.virt() as v:
            v.ensure_pool("default", "/var/lib/libvirt/images")

    def libvirtd_conf(self) -> str:
        return LIBVIRTD_CONF

    def _translate_forwarders(self) -> None:
        """The notes' forwarder addresses → the simulated resolvers, at hv's edge only."""
        ruleset = forwarder_dnat(self.edge.forwarders, forwarded=True)
        self.edge.transport.run(HV, ["nft", "-f", "-"], input=ruleset.encode(),
                                what="nftables in the hypervisor's namespace")

    def _check(self, argv: list[str]) -> None:
        self.edge.transport.run(HV, argv, timeout=120)

    def stop(self) -> None:
        self.edge.down()  # kills libvirtd, qemu, dnsmasq, ssh masters (all in the lab's namespaces), unmounts

    def discard(self) -> bool:
        # domains, volumes and networks live in the hypervisor's own /etc and /var overlays and its processes in
        # its namespaces: stopping it removes them all, also after a SIGKILLed `up`
        self.stop()
        return True

    def is_up(self) -> bool:
        return self.edge.is_up()

    def file(self, path: str) -> bytes:
        """A file of hv's view (the simulated root's trust anchor and hints live there)."""
        return self.edge.transport.run(HV, ["cat", path], what=f"reading {path}").stdout
