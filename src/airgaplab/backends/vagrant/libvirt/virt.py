"""libvirt through its own binding (libvirt-python): everything the harness asks of a hypervisor — its version
and size, the storage pool, domains' snapshots, networks — over one connection that takes a URI. The private
hypervisor's socket, the system libvirtd and a remote `qemu+ssh://user@host/system` are the same code.

    with Virt.connect("qemu:///system") as v:
        v.version()                                  # '9.0.0'
        v.snapshot_create("lab_admin", "healthy")
        v.bridge("airgaplab-lab-internal")           # 'virbr1', or None when no such network

Vagrant (vagrant-libvirt) still creates the VMs; this module is what airgaplab itself asks. The binding is
the VM lab's extra (`pip install -e '.[vm]'`, which builds against libvirt's headers); a netns lab never
imports it, and `binding_missing()` says how to get it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any
from xml.etree import ElementTree as ET

from airgaplab.errors import LabError

SYSTEM_URI = "qemu:///system"  # this machine's libvirtd
INSTALL = "install libvirt's binding: `make deps-vm venv` (or `pip install -e '.[vm]'` with libvirt's headers)"


def binding_missing() -> str | None:
    """None when libvirt-python imports, else what is missing and how to install it."""
    try:
        import libvirt  # noqa: F401
    except ImportError:
        return f"no libvirt-python: {INSTALL}"
    return None


def _libvirt() -> Any:
    try:
        import libvirt
    except ImportError:
        raise LabError(f"no libvirt-python; {INSTALL}") from None
    # its default handler prints every error to stderr, also those we expect (no such snapshot)
    libvirt.registerErrorHandler(lambda _ctx, _err: None, None)
    return libvirt


def private_uri(libvirtd_pid: int) -> str:
    """qemu:///system of a libvirtd in another mount namespace: its socket, reached through /proc (root only)."""
    return f"qemu:///system?socket=/proc/{libvirtd_pid}/root/run/libvirt/libvirt-sock"


@dataclass(frozen=True)
class Resources:
    """What a hypervisor has: memory and CPUs in all, memory free now."""

    memory_mib: int
    free_mib: int
    cpus: int


def _version(n: int) -> str:
    return f"{n // 1_000_000}.{n // 1000 % 1000}.{n % 1000}"


class Virt:
    """One open connection to a libvirt daemon."""

    def __init__(self, conn: Any, uri: str) -> None:
        self.conn, self.uri = conn, uri
        self.lv = _libvirt()

    @classmethod
    @contextmanager
    def connect(cls, uri: str) -> Iterator[Virt]:
        """A connection for a `with` block; LabError (one line, the URI in it) when libvirt does not answer."""
        lv = _libvirt()
        try:
            conn = lv.open(uri)
        except lv.libvirtError as e:
            raise LabError(f"libvirt at {uri} does not answer: {e.get_error_message()}") from None
        try:
            yield cls(conn, uri)
        finally:
            conn.close()

    @staticmethod
    def answers(uri: str) -> bool:
        """Whether a libvirt daemon answers at uri (False also without the binding)."""
        if binding_missing():
            return False
        try:
            with Virt.connect(uri) as v:
                v.version()
        except LabError:
            return False
        return True

    # --- the hypervisor ------------------------------------------------------------
    def version(self) -> str:
        """The daemon's libvirt version."""
        return _version(self.conn.getLibVersion())

    def runs_kvm(self) -> bool:
        """Whether the host runs KVM guests (its domain capabilities for virt type kvm)."""
        try:
            self.conn.getDomainCapabilities(None, "x86_64", None, "kvm", 0)
        except self.lv.libvirtError:
            return False
        return True

    def resources(self) -> Resources:
        """Memory as the host's /proc/meminfo counts it (free: with what the kernel would give back, buffers and
        page cache); a NUMA cell's count can be less than the machine's, and not every driver has the call."""
        info = self.conn.getInfo()  # [model, memory MiB, cpus, MHz, nodes, sockets, cores, threads]
        try:
            kib = self.conn.getMemoryStats(self.lv.VIR_NODE_MEMORY_STATS_ALL_CELLS, 0)
        except self.lv.libvirtError:
            return Resources(int(info[1]), int(self.conn.getFreeMemory()) // 2**20, int(info[2]))
        free = sum(kib.get(k, 0) for k in ("free", "buffers", "cached"))
        return Resources(memory_mib=int(kib["total"]) // 1024, free_mib=int(free) // 1024, cpus=int(info[2]))

    def ensure_pool(self, name: str, target: str) -> None:
        """A directory storage pool, defined and started unless it is there already."""
        try:
            pool = self.conn.storagePoolLookupByName(name)
        except self.lv.libvirtError:
            xml = f"<pool type='dir'><name>{name}</name><target><path>{target}</path></target></pool>"
            pool = self._call(f"defining storage pool {name}", self.conn.storagePoolDefineXML, xml, 0)
        if not pool.isActive():
            self._call(f"starting storage pool {name}", pool.create, 0)

    # --- domains -------------------------------------------------------------------
    def domains(self) -> list[str]:
        return sorted(d.name() for d in self.conn.listAllDomains(0))

    def _domain(self, name: str) -> Any:
        return self._call(f"finding domain {name}", self.conn.lookupByName, name)

    def snapshots(self, domain: str) -> list[str]:
        return sorted(s.getName() for s in self._domain(domain).listAllSnapshots(0))

    def snapshot_create(self, domain: str, name: str) -> None:
        """A snapshot of the running domain, memory included (internal: in its qcow2); replaces one of that name."""
        self.snapshot_delete(domain, name)
        xml = f"<domainsnapshot><name>{name}</name></domainsnapshot>"
        self._call(f"{domain}: saving snapshot {name}", self._domain(domain).snapshotCreateXML, xml,
                   self.lv.VIR_DOMAIN_SNAPSHOT_CREATE_ATOMIC)

    def snapshot_revert(self, domain: str, name: str) -> None:
        """The domain as it was at the snapshot, running (forced: a running guest's memory is replaced)."""
        dom = self._domain(domain)
        snap = self._call(f"{domain}: finding snapshot {name}", dom.snapshotLookupByName, name, 0)
        self._call(f"{domain}: reverting to snapshot {name}", dom.revertToSnapshot, snap,
                   self.lv.VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING | self.lv.VIR_DOMAIN_SNAPSHOT_REVERT_FORCE)

    def snapshot_delete(self, domain: str, name: str) -> None:
        """The snapshot gone; nothing when the domain or the snapshot is not there."""
        with suppress(self.lv.libvirtError):
            self.conn.lookupByName(domain).snapshotLookupByName(name, 0).delete(0)

    # --- networks ------------------------------------------------------------------
    def bridge(self, network: str) -> str | None:
        """The bridge of a network, None when there is no such network."""
        try:
            return str(self.conn.networkLookupByName(network).bridgeName())
        except self.lv.libvirtError:
            return None

    def subnets(self) -> dict[str, str]:
        """Each network's IPv4 subnet (address/netmask as its XML has it), by name; networks without one left out."""
        got = {}
        for net in self.conn.listAllNetworks(0):
            ip = ET.fromstring(net.XMLDesc(0)).find("ip")
            if ip is not None and ip.get("family", "ipv4") == "ipv4" and ip.get("address"):
                got[str(net.name())] = f"{ip.get('address')}/{ip.get('netmask') or ip.get('prefix') or '24'}"
        return got

    def ensure_network(self, name: str, xml: str) -> None:
        """The network defined (from xml, unless one of that name is) and started."""
        try:
            net = self.conn.networkLookupByName(name)
        except self.lv.libvirtError:
            net = self._call(f"defining network {name}", self.conn.networkDefineXML, xml)
        if not net.isActive():
            self._call(f"starting network {name}", net.create)

    def remove_network(self, network: str) -> None:
        """The network stopped and undefined; nothing when it is not there."""
        try:
            net = self.conn.networkLookupByName(network)
        except self.lv.libvirtError:
            return
        if net.isActive():
            self._call(f"stopping network {network}", net.destroy)
        if net.isPersistent():
            self._call(f"undefining network {network}", net.undefine)

    def _call(self, what: str, fn: Any, *args: Any) -> Any:
        try:
            return fn(*args)
        except self.lv.libvirtError as e:
            raise LabError(f"{what} failed ({self.uri}): {e.get_error_message()}") from None
