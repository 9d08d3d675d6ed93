"""An existing network as the suite sees a lab: a spec of the notes' reference with the network's own values (the
internal network, admin's upstream NTP servers and forwarders: read from its hosts, or named in the inventory's
vars), its OS family, and a world that offers no vantage of its own and changes nothing.

    net = connect(load("hosts.ini"))      # reads the hosts, never writes
    net.world.not_judged                  # {"k8s-node2": "k8s-node2 (10.0.0.12): unreachable — …"}
"""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Any

from airgaplab.backends.base import Backend, HostStatus, LabStatus
from airgaplab.backends.journal import Journal
from airgaplab.errors import UserError
from airgaplab.inventory import reach
from airgaplab.inventory.ssh import SshTransport
from airgaplab.inventory.targets import Inventory, is_address
from airgaplab.lab.family import FAMILIES, ROCKY, Family
from airgaplab.lab.spec import NAME_PATTERN, LabSpec
from airgaplab.lab.specfile import load_spec
from airgaplab.lab.world import DnssecNames, World
from airgaplab.paths import default_lab_file
from airgaplab.probes import facts
from airgaplab.services import names

SETTINGS = {  # the inventory's vars the suite reads (on admin, or in group all)
    "airgaplab_internal": "the internal network (CIDR)",
    "airgaplab_ntp_upstream": "admin's upstream NTP servers",
    "airgaplab_forwarders": "admin's DNS forwarders",
    "airgaplab_outside_address": "admin's address towards the outside",
    "airgaplab_dnssec_secure": "a name signed and valid", "airgaplab_dnssec_bogus": "a name signed but bogus",
    "airgaplab_dnssec_insecure": "a name without DNSSEC",
    "airgaplab_large_answer": "a name whose TXT answer exceeds 1232 bytes",
    "airgaplab_unsigned_zone": "a zone without DNSSEC (its made-up names get NXDOMAIN)",
    "airgaplab_sync_timeout": "how long NTP sync may take (s)",
}
FAMILY_OF_ID = {"rocky": "rocky10", "rhel": "rocky10", "almalinux": "rocky10", "centos": "rocky10", "fedora": "rocky10",
                "debian": "debian12", "ubuntu": "debian12"}
CHRONY_EXTRA = "cat /etc/chrony/conf.d/*.conf /etc/chrony/sources.d/*.sources /etc/chrony.d/*.conf 2>/dev/null; true"


class ExistingWorld(World):
    """A real network: no outsider or grader of the suite's own (probes come from the nodes), real latencies, and
    observation only (what would change a host — `nmcli connection up`, faults — is not done)."""

    observe_only = True

    def __init__(self, *, family: Family, settings: dict[str, Any], admin: str, outside: str | None,
                 not_judged: dict[str, str], outsider: str | None = None) -> None:
        super().__init__(family=family, sync_timeout=float(settings.get("airgaplab_sync_timeout", 60)), silence_s=2.0,
                         outsider=outsider)
        self.settings, self.admin, self.outside, self.not_judged = settings, admin, outside, not_judged

    def outside_address(self, host: str) -> str | None:
        return self.outside if host == self.admin else None

    def dnssec_names(self) -> DnssecNames:
        d, s = DnssecNames(), self.settings
        return DnssecNames(secure=str(s.get("airgaplab_dnssec_secure", d.secure)),
                           bogus=str(s.get("airgaplab_dnssec_bogus", d.bogus)),
                           insecure=str(s.get("airgaplab_dnssec_insecure", d.insecure)))

    def large_answer(self) -> str | None:
        return str(self.settings["airgaplab_large_answer"]) if "airgaplab_large_answer" in self.settings else None

    def unsigned_zone(self) -> str | None:
        return str(self.settings["airgaplab_unsigned_zone"]) if "airgaplab_unsigned_zone" in self.settings else None


class ExistingNetwork(Backend):
    """The hosts of an inventory behind the Backend's face the suite and the reports use: transport, world, spec.
    It brings nothing up and takes nothing down."""

    name = "inventory"

    def __init__(self, spec: LabSpec, transport: SshTransport, world: ExistingWorld, source: str) -> None:
        super().__init__(spec)
        self.transport, self.world = transport, world
        self.source = source
        """The inventory, as it was given (a path, or testinfra's host list)."""

    def is_up(self) -> bool:
        return True

    def create(self, journal: Journal, *, bare: bool) -> None:
        raise UserError("an inventory's hosts are not the harness's to bring up")

    def destroy(self) -> None:
        raise UserError("an inventory's hosts are not the harness's to take down")

    def running(self, journal: Journal) -> bool:
        return True

    def status(self) -> LabStatus:
        return LabStatus(self.spec.name, self.name, "up",
                         [HostStatus(h.name, "not judged" if h.name in self.world.not_judged else "reachable")
                          for h in self.spec.hosts])

    def access(self) -> str:
        """How each host was reached, for the report: `admin root@192.168.10.10, k8s-node1 ops@… (sudo -n)`."""
        assert isinstance(self.transport, SshTransport)
        return ", ".join(f"{t.name} {t.login}" + (" (sudo -n)" if t.become else "")
                         for t in self.transport.inventory.targets)

    def close(self) -> None:
        assert isinstance(self.transport, SshTransport)
        self.transport.close()


def connect(inv: Inventory) -> ExistingNetwork:
    """Reach the inventory's hosts, say which cannot be judged, and read what the spec needs from the others."""
    tx = SshTransport(inv)
    try:
        not_judged = reach.problems(tx)
        unused = not_judged.pop(inv.outsider.name, None) if inv.outsider else None  # a vantage, not a judged host
        spec, fam, outside = derive(tx, inv, not_judged)
    except BaseException:
        tx.close()
        raise
    world = ExistingWorld(family=fam, settings=inv.settings, admin=inv.admin.name, outside=outside,
                          not_judged=not_judged, outsider=inv.outsider.name if inv.outsider and not unused else None)
    if unused:
        world.notes.append(f"outsider not used: {unused}")
    return ExistingNetwork(spec, tx, world, inv.source)


def derive(tx: SshTransport, inv: Inventory, not_judged: dict[str, str]) -> tuple[LabSpec, Family, str | None]:
    """The notes' reference, with this network's hosts, internal network, upstream servers and forwarders."""
    s, admin = inv.settings, inv.admin.name
    seen = admin not in not_judged
    judged = [inv.admin, *inv.nodes]
    fam = family_of(tx, next((t.name for t in judged if t.name not in not_judged), None))
    addrs = {t.name: ([] if t.name in not_judged else addresses(tx, t.name)) for t in judged}
    internal = ipaddress.IPv4Network(str(s["airgaplab_internal"]), strict=False) if "airgaplab_internal" in s \
        else internal_network(addrs[admin], [a for t in inv.nodes for a in addrs[t.name]], inv)
    chrony = facts.directives(_text(tx, admin, f"cat {fam.chrony_conf}; {CHRONY_EXTRA}")) if seen else []
    named = _text(tx, admin, f"named-checkconf -p {fam.named_conf} 2>/dev/null || cat {fam.named_conf}") if seen else ""
    upstream = _listed(s.get("airgaplab_ntp_upstream")) or [x.split()[1] for x in chrony
                                                             if x.split()[0] in ("server", "pool") and len(x.split()) > 1]
    forwarders = _listed(s.get("airgaplab_forwarders")) or [x for x in facts.named_option(named, "forwarders") or []
                                                           if is_address(x)]
    ref = load_spec(default_lab_file())
    old = ref.network.internal
    assert ref.ntp is not None and ref.dns is not None  # the notes' lab has both

    def mapped(items: list[str]) -> list[str]:
        return [str(internal) if x == old else x for x in items]

    taken = {str(a.ip) for ips in addrs.values() for a in ips}
    spare = (str(a) for a in internal.hosts() if str(a) not in taken)  # for a host not read (it is not judged)
    hosts = []
    for t in judged:
        ip = next((str(a.ip) for a in addrs[t.name] if a.ip in internal), None)
        if ip is None and is_address(t.address) and ipaddress.ip_address(t.address) in internal:
            ip = t.address
        roles = [names.roles_of(n)[0 if t.role == "admin" else 1] for n in names.DEFAULT]  # the notes' services
        hosts.append({"name": t.name, "ip": ip or next(spare), "roles": roles, "internet": t.role == "admin"})
    outside = str(s["airgaplab_outside_address"]) if "airgaplab_outside_address" in s else \
        (outside_address(tx, admin, forwarders) if seen else None)
    data = ref.model_dump()
    data.update(name=spec_name(inv.source), network={"internal": str(internal)}, hosts=hosts, nodes=None)
    data["ntp"].update(upstream=upstream or ["(none in admin's chrony.conf)"], allow=mapped(ref.ntp.allow))
    data["dns"].update(forwarders=forwarders, allow_query=mapped(ref.dns.allow_query),
                       allow_recursion=mapped(ref.dns.allow_recursion))
    data["vm"]["os"] = fam.os
    try:
        return LabSpec.model_validate(data), fam, outside
    except ValueError as e:
        raise UserError(f"--inventory {inv.source}: the network it describes does not fit the notes' lab: "
                        f"{str(e).splitlines()[-1].strip()}") from None


def family_of(tx: SshTransport, host: str | None) -> Family:
    """The hosts' OS family from a host's /etc/os-release (Rocky-shaped when none can be read)."""
    if host is None:
        return ROCKY
    release = dict(re.findall(r'^(\w+)="?([^"\n]*)"?$', _text(tx, host, "cat /etc/os-release"), flags=re.M))
    for name in [release.get("ID", ""), *release.get("ID_LIKE", "").split()]:
        if name in FAMILY_OF_ID:
            return FAMILIES[FAMILY_OF_ID[name]]
    return ROCKY


def addresses(tx: SshTransport, host: str) -> list[ipaddress.IPv4Interface]:
    """The host's IPv4 addresses with their prefixes (loopback aside)."""
    text = _text(tx, host, "ip -4 -o addr show")
    return [ipaddress.IPv4Interface(m) for m in re.findall(r"\binet (\d+\.\d+\.\d+\.\d+/\d+)", text)
            if not m.startswith("127.")]


def internal_network(admin_addrs: list[ipaddress.IPv4Interface], node_addrs: list[ipaddress.IPv4Interface],
                     inv: Inventory) -> ipaddress.IPv4Network:
    """The network of admin's interface that holds the most of the nodes' addresses."""
    shared = [(sum(n.ip in a.network for n in node_addrs), a.network) for a in admin_addrs]
    best = max(shared, key=lambda x: x[0], default=(0, None))
    if best[1] is not None and best[0] > 0:
        return best[1]
    if not admin_addrs and is_address(inv.admin.address):  # admin unread: its reach-address's /24, a spec to report
        return ipaddress.IPv4Network(f"{inv.admin.address}/24", strict=False)  # its not-judged line against
    raise UserError(f"--inventory {inv.source}: cannot tell the internal network (admin and the nodes share no "
                    "network that could be read) — name it: `airgaplab_internal=192.168.10.0/24` in the "
                    "inventory's vars")


def outside_address(tx: SshTransport, admin: str, forwarders: list[str]) -> str | None:
    """The address admin's traffic to its forwarders leaves from (`ip route get`: nothing is sent)."""
    text = _text(tx, admin, f"ip -4 route get {forwarders[0] if forwarders else '192.0.2.1'}")
    m = re.search(r"\bsrc (\d+\.\d+\.\d+\.\d+)", text)
    return m.group(1) if m else None


def spec_name(source: str) -> str:
    stem = re.sub(r"[^a-z0-9-]+", "-", Path(source).stem.lower() if not source.startswith("ssh://") else "ssh-hosts")
    name = re.sub(r"^[^a-z]+", "", stem).strip("-")[:30] or "network"
    return name if re.match(NAME_PATTERN, name) else "network"


def _text(tx: SshTransport, host: str, script: str) -> str:
    return tx.exec(host, ["sh", "-c", script], timeout=60).stdout.decode(errors="replace")


def _listed(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(x) for x in value] if isinstance(value, list) else str(value).replace(",", " ").split()
