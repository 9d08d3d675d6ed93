"""The world around a lab's hosts, as the suite needs to know it: each hypervisor provides one.

netns (the simulated internet next door), a private libvirtd (the same simulated internet behind the
VMs' NAT) and the system libvirtd (the real internet, seen from this machine) differ in where an
outsider stands, what can be seen of the forwarders, and how long things take. The suite asks the
world, never which backend it runs on:

    target = backend.world.outside_address("admin")      # None: admin has no outside link
    if backend.world.forwarder_log() is None:             # the forwarders' side cannot be seen here
        pytest.skip(...)
"""

from __future__ import annotations

from dataclasses import dataclass

from airgaplab.lab.family import ROCKY, Family

GRADER = "airgaplab-grader"
"""The grader's vantage as a transport names it, and its name in the hosts' /etc/hosts (so `chronyc clients` on
admin says who asked)."""


@dataclass(frozen=True)
class DnssecNames:
    """Names whose DNSSEC status is known: signed and valid, signed but bogus, unsigned."""

    secure: str = "www.isc.org"
    bogus: str = "www.dnssec-failed.org"
    insecure: str = "google.com"


class World:
    """What a lab's surroundings offer. This base is the real internet with no vantage point of the lab's
    own; each hypervisor's world passes what it knows and overrides what it can see better."""

    observe_only = False
    """The suite may only observe here (an existing network): what would change a host is not done, and a check
    that needs a vantage point the world lacks is reported not checked."""

    def __init__(self, *, family: Family = ROCKY, box: str | None = None, sync_timeout: float = 30.0,
                 silence_s: float = 2.0, outsider: str | None = None, grader: str | None = None) -> None:
        self.family = family
        """The hosts' OS family: paths, service names, packages (netns hosts are Rocky-shaped)."""
        self.box = box
        """The VM box the hosts boot from (None: the hosts are not VMs)."""
        self.sync_timeout = sync_timeout
        """How long things that converge (NTP sync) may take here."""
        self.silence_s = silence_s
        """How long a probe waits before it concludes that no answer will come (a round trip is far shorter)."""
        self.outsider = outsider
        """A host outside every ACL, to probe from (None: none is offered)."""
        self.grader = grader
        """The grader's own vantage on the internal network (GRADER, at the spec's `grader_ip`), to probe
        admin's services from without leaving a trace on a host the student configures (None: none is offered;
        probes then come from the nodes)."""
        self.not_judged: dict[str, str] = {}
        """Hosts the suite cannot judge here, each with one line saying why and what to do."""
        self.notes: list[str] = []
        """What a run here should say of its vantage points (an outsider it could not use)."""

    def outside_address(self, host: str) -> str | None:
        """The address `host` has towards the internet, as the outsider reaches it."""
        return None

    def egress_address(self, host: str) -> str | None:
        """The address `host`'s traffic to the internet comes from, as the internet sees it."""
        return self.outside_address(host)

    def forwarder_log(self) -> str | None:
        """The forwarders' query log, if the forwarders' side can be seen (None: it cannot)."""
        return None

    def dnssec_names(self) -> DnssecNames:
        return DnssecNames()

    def large_answer(self) -> str | None:
        """A name whose TXT answer exceeds BIND's EDNS UDP size (1232 bytes), if this world has one."""
        return None

    def unsigned_zone(self) -> str | None:
        """A zone without DNSSEC whose NXDOMAIN a resolver caches as such (no NSEC to synthesize from), if any."""
        return None

    def keep_reachable(self, host: str) -> str | None:
        """The network `host` must keep reaching when its internet goes (its management link), if any."""
        return None

    def nm_connection(self, host: str) -> str:
        """The NetworkManager connection of `host`'s internal NIC (`nmcli connection up` it to see whether
        NetworkManager rewrites resolv.conf)."""
        return "eth0"

    def firewalled(self, host: str) -> bool:
        """A host firewall on `host` drops what outsiders send (VMs with hardening and firewalld)."""
        return False
