"""The gateway chapter's break-one-thing drills: a network that looks closed and is not."""

from __future__ import annotations

from airgaplab.lab.family import Family
from airgaplab.services.drill import ADMIN, Drill, table


def values(fam: Family) -> dict[str, str]:
    return {}


_d = table(values)

DRILLS: tuple[Drill, ...] = (
    _d("gateway-left-open", "the nodes have no route out, yet the internal network is not closed",
       "admin still forwards and masquerades the internal network (the rule of the open gateway left behind)",
       [(ADMIN, "sysctl -qw net.ipv4.ip_forward=1 && nft add table ip nat && nft add chain ip nat postrouting "
                "'{ type nat hook postrouting priority srcnat; policy accept; }' && "
                "nft add rule ip nat postrouting ip saddr $internal ip daddr != $internal masquerade")],
       [("GW-2", ADMIN)],
       [(ADMIN, "nft delete table ip nat 2>/dev/null; sysctl -qw net.ipv4.ip_forward=0")]),
)
