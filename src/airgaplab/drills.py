"""Break-one-thing drills: plain shell run inside lab hosts, and the requirements each one breaks.

They prove the suite can fail (the harness's tests bring up a lab, apply a
drill, run the suite and compare the failing ids), and they are the
break/fix exercises of a study group: apply one, read the suite's verdict,
repair it by hand.
"""

from __future__ import annotations

from dataclasses import dataclass

NODES = "@nodes"  # stands for every node of the lab


@dataclass(frozen=True)
class Drill:
    name: str
    what: str
    steps: tuple[tuple[str, str], ...]  # (host or @nodes, shell command)
    breaks: frozenset[tuple[str, str]]  # (requirement id, host or "lab" or @nodes)

    def expected(self, admin: str, nodes: list[str]) -> set[tuple[str, str]]:
        out = set()
        for req, host in self.breaks:
            for h in nodes if host == NODES else [admin if host == "@admin" else host]:
                out.add((req, h))
        return out

    def commands(self, admin: str, nodes: list[str]) -> list[tuple[str, str]]:
        out = []
        for host, cmd in self.steps:
            for h in nodes if host == NODES else [admin if host == "@admin" else host]:
                out.append((h, cmd))
        return out


def _d(name: str, what: str, steps: list[tuple[str, str]], breaks: list[tuple[str, str]]) -> Drill:
    return Drill(name, what, tuple(steps), frozenset(breaks))


DRILLS: dict[str, Drill] = {d.name: d for d in (
    _d("ntp-no-allow", "admin's chrony.conf loses its `allow` line; chronyd restarts everywhere",
       [("@admin", "sed -i '/^allow/d' /etc/chrony.conf && systemctl restart chronyd"),
        (NODES, "systemctl restart chronyd")],
       # without `allow`, chronyd opens no udp/123 at all: no answers, no client log
       [("NTP-SRV-1", "@admin"), ("NTP-SRV-2", "@admin"), ("NTP-SRV-4", NODES), ("NTP-SRV-6", NODES),
        ("NTP-CLI-2", NODES)]),
    _d("dns-open-query", "admin's named answers queries from anyone (`allow-query { any; }`)",
       [("@admin", "sed -i 's/allow-query .*/allow-query { any; };/' /etc/named.conf && systemctl restart named")],
       [("DNS-SRV-3", "lab")]),
    _d("dns-no-forwarders", "admin's named loses its forwarders and resolves from the root itself",
       [("@admin", "sed -i '/forwarders {/,/};/d' /etc/named.conf && systemctl restart named")],
       [("DNS-SRV-5", "lab")]),
    _d("ntp-wrong-server", "k8s-node1 points chrony at a server that does not exist",
       [("k8s-node1", "sed -i 's/^server .*/server 192.168.10.99 iburst/' /etc/chrony.conf && systemctl restart chronyd")],
       [("NTP-CLI-1", "k8s-node1"), ("NTP-CLI-2", "k8s-node1")]),
    _d("node-default-route", "k8s-node1 gets a default route through admin",
       [("k8s-node1", "ip route add default via 192.168.10.10")],
       [("NET-1", "k8s-node1")]),
    _d("dns-no-dns-none", "k8s-node1 loses its NetworkManager drop-in `dns=none`",
       [("k8s-node1", "rm -f /etc/NetworkManager/conf.d/99-dns-none.conf")],
       [("DNS-CLI-2", "k8s-node1")]),
)}
