"""Break-one-thing drills: plain shell run inside lab hosts, and the requirements each one breaks.

They prove the suite can fail (the harness's tests bring up a lab, apply a
drill, run the suite and compare the failing ids), and they are the
break/fix exercises of a study group: apply one, read the suite's verdict,
repair it by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from string import Template

from airgaplab.family import ROCKY, Family
from airgaplab.spec import Lab

# Host tokens, resolved against the lab: its NTP/DNS server, every node, the first node.
ADMIN, NODES, NODE = "@admin", "@nodes", "@node"


def _hosts(token: str, lab: Lab) -> list[str]:
    nodes = [h.name for h in lab.nodes_list]
    admin = (lab.server_for("ntp") or lab.server_for("dns") or lab.hosts[0]).name
    return {ADMIN: [admin], NODES: nodes, NODE: nodes[:1]}.get(token, [token])


def _values(lab: Lab) -> dict[str, str]:
    """What a drill's command may name ($admin_ip, $unused_ip): derived from the lab, never hard-coded."""
    admin = lab.server_for("ntp") or lab.server_for("dns") or lab.hosts[0]
    taken = {h.ip for h in lab.hosts}
    unused = next(str(a) for a in reversed(list(lab.network.net.hosts())) if str(a) not in taken)
    return {"admin_ip": admin.ip, "unused_ip": unused}


@dataclass(frozen=True)
class Drill:
    name: str
    what: str
    steps: tuple[tuple[str, str], ...]  # (host token or name, shell command written for Rocky, $-placeholders)
    breaks: frozenset[tuple[str, str]]  # (requirement id, host token, name or "lab")

    def expected(self, lab: Lab) -> set[tuple[str, str]]:
        return {(req, h) for req, token in self.breaks for h in _hosts(token, lab)}

    def commands(self, lab: Lab, fam: Family = ROCKY) -> list[tuple[str, str]]:
        """(host, command) with the lab's names and addresses and the OS family's paths."""
        values = _values(lab)
        return [(h, fam.localize(Template(cmd).safe_substitute(values)))
                for token, cmd in self.steps for h in _hosts(token, lab)]


def _d(name: str, what: str, steps: list[tuple[str, str]], breaks: list[tuple[str, str]]) -> Drill:
    return Drill(name, what, tuple(steps), frozenset(breaks))


DRILLS: dict[str, Drill] = {d.name: d for d in (
    _d("ntp-no-allow", "admin's chrony.conf loses its `allow` line; chronyd restarts everywhere",
       [(ADMIN, "sed -i '/^allow/d' /etc/chrony.conf && systemctl restart chronyd"),
        (NODES, "systemctl restart chronyd")],
       # without `allow`, chronyd opens no udp/123 at all: no answers, no client log
       [("NTP-SRV-1", ADMIN), ("NTP-SRV-2", ADMIN), ("NTP-SRV-4", NODES), ("NTP-SRV-6", NODES),
        ("NTP-CLI-2", NODES)]),
    _d("dns-open-query", "admin's named answers queries from anyone (`allow-query { any; }`)",
       [(ADMIN, "sed -i 's/allow-query .*/allow-query { any; };/' /etc/named.conf && systemctl restart named")],
       [("DNS-SRV-3", ADMIN)]),
    _d("dns-no-forwarders", "admin's named loses its forwarders and resolves from the root itself",
       [(ADMIN, "sed -i '/forwarders {/,/};/d' /etc/named.conf && systemctl restart named")],
       [("DNS-SRV-5", "lab")]),
    _d("ntp-wrong-server", "the first node points chrony at a server that does not exist",
       [(NODE, "sed -i 's/^server .*/server $unused_ip iburst/' /etc/chrony.conf && systemctl restart chronyd")],
       [("NTP-CLI-1", NODE), ("NTP-CLI-2", NODE)]),
    _d("node-default-route", "the first node gets a default route through admin",
       [(NODE, "ip route add default via $admin_ip")],
       [("NET-1", NODE)]),
    _d("dns-no-dns-none", "the first node loses its NetworkManager drop-in `dns=none`",
       [(NODE, "rm -f /etc/NetworkManager/conf.d/99-dns-none.conf")],
       [("DNS-CLI-2", NODE)]),
)}
