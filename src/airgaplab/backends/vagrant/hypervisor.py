"""Where the VMs run: the machine's own libvirtd, or a private one in namespaces the lab owns.

The private hypervisor is a netns-lab host of its own (`hv`: network + mount
namespace, private /etc, /var, /run) attached to the netns backend's simulated
internet, so libvirtd's bridges, dnsmasq, NAT, taps and qemu live only there and
their one way out is the simulated internet. Its /etc/resolv.conf names the
simulated resolvers, and nftables at its edge translates the notes' real
forwarder addresses (168.126.63.1, 8.8.8.8) to their stand-ins, so admin's
named.conf is the reference value for value and no link carries them.

    hv = PrivateHypervisor(lab, state_dir, progress)
    hv.start()                         # namespaces, simulated internet, libvirtd
    subprocess.run(hv.wrap(["virsh", "list"]))
    hv.stop()                          # everything above, also after a SIGKILLed start
"""

from __future__ import annotations

from pathlib import Path

from airgaplab import retry
from airgaplab.backends.base import Progress
from airgaplab.backends.netns.backend import NetnsBackend
from airgaplab.backends.netns.edge import forwarder_dnat
from airgaplab.errors import LabError
from airgaplab.spec import Lab

HV = "hv"
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


class SystemHypervisor:
    """The machine's libvirtd (a KVM workstation): commands run as they are."""

    private = False

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass

    def wrap(self, argv: list[str]) -> list[str]:
        return argv


def edge_spec(lab: Lab) -> Lab:
    """The netns lab that carries the VMs' world: the simulated internet plus the `hv` host."""
    data = lab.model_dump()
    data["network"] = {"internal": EDGE_NET}
    data["hosts"] = [{"name": HV, "ip": EDGE_IP, "internet": True}]
    data["nodes"] = None
    return Lab.model_validate(data)


class PrivateHypervisor:
    """libvirtd in a lab-owned namespace whose only way out is the simulated internet."""

    private = True

    def __init__(self, lab: Lab, state_dir: Path, progress: Progress) -> None:
        self.lab = lab
        self.progress = progress
        # the edge's own steps read as the hypervisor's; it provisions nothing worth a line
        self.edge = NetnsBackend(edge_spec(lab), lambda m: None if m.startswith("provision") else progress(m))
        self.edge.dir = state_dir / "edge"  # inside the VM lab's state dir: one lab, one `down`

    def wrap(self, argv: list[str]) -> list[str]:
        """argv run inside hv: its network, its /etc, /var and /run (so qemu:///system is the private one)."""
        return [*self.edge.view(HV).nsenter(), *argv]

    def start(self) -> None:
        self.edge.up()
        self.progress("private libvirtd in the lab's own namespace")
        self.edge.put_many(HV, {
            "/etc/libvirt/qemu.conf": QEMU_CONF.encode(),
            "/etc/libvirt/libvirtd.conf": LIBVIRTD_CONF.encode(),
            "/etc/resolv.conf": f"nameserver {self.edge.inet.isp_resolver}\n".encode(),
        })
        self._translate_forwarders()
        self._check(["sh", "-c", START])
        def answers() -> bool:
            return self.edge.exec(HV, ["virsh", "-c", "qemu:///system", "version"], timeout=10).returncode == 0

        if not retry.until(answers, timeout=30, interval=0.2):
            log = self.edge.exec(HV, ["sh", "-c", "tail -n 5 /var/log/libvirt/libvirtd.log"]).stdout.decode()
            raise LabError(f"the private libvirtd did not answer within 30 s {log}")
        pool = "virsh -c qemu:///system pool-info default >/dev/null 2>&1 || { " \
               "virsh -c qemu:///system pool-define-as default dir --target /var/lib/libvirt/images && " \
               "virsh -c qemu:///system pool-start default; }"
        self._check(["sh", "-c", pool])

    def _translate_forwarders(self) -> None:
        """The notes' forwarder addresses → the simulated resolvers, at hv's edge only."""
        ruleset = forwarder_dnat(self.edge.inet.forwarders, forwarded=True)
        proc = self.edge.exec(HV, ["nft", "-f", "-"], input=ruleset.encode())
        if proc.returncode != 0:
            raise LabError(f"nftables in the hypervisor's namespace: {proc.stderr.decode().strip()}")

    def _check(self, argv: list[str]) -> None:
        proc = self.edge.exec(HV, argv, timeout=120)
        if proc.returncode != 0:
            raise LabError(f"hypervisor: `{' '.join(argv)[:80]}` failed: {(proc.stderr or proc.stdout).decode().strip()}")

    def stop(self) -> None:
        self.edge.down()  # kills libvirtd, qemu, dnsmasq, ssh masters (all in the lab's namespaces), unmounts

    def is_up(self) -> bool:
        return self.edge.is_up()

    def file(self, path: str) -> bytes:
        """A file of hv's view (the simulated root's trust anchor and hints live there)."""
        proc = self.edge.exec(HV, ["cat", path])
        if proc.returncode != 0:
            raise LabError(f"hypervisor: cannot read {path}")
        return proc.stdout
