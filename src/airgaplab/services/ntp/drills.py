"""chrony's break-one-thing drills: what a student can break in the NTP steps, and the requirements that catch it."""

from __future__ import annotations

import shlex

from airgaplab.lab.family import Family
from airgaplab.services.drill import ADMIN, KEEP, NODE, NODES, Drill, table

ASK_AGAIN = ["chronyc", "burst", "4/4"]  # chronyd asks its sources now: 4 requests 2 s apart, not at its next poll
_ASK = shlex.join(ASK_AGAIN)
# the node's whole burst to admin went unanswered: 8 requests, then chrony polls every 128 s (bounded: 30 s)
UNANSWERED = ("for i in $(seq 150); do chronyc -n ntpdata $admin_ip | awk '/^Total TX/{t=$$4} /^Total RX/{r=$$4} "
              "END{exit !(t>=8 && r==0)}' && break; sleep 0.2; done")


def values(fam: Family) -> dict[str, str]:
    """What its drills' commands name: $chrony_conf, $chronyd."""
    return {"chrony_conf": fam.chrony_conf, "chronyd": fam.chrony_service}


_d = table(values)

DRILLS: tuple[Drill, ...] = (
    _d("nodes-lose-time", "the nodes' clocks are not synchronized: `chronyc sources` on a node shows admin with `?`",
       "admin's chrony.conf loses its `allow` line; chronyd restarts everywhere",
       [(ADMIN, "sed -i '/^allow/d' $chrony_conf && systemctl restart $chronyd"),
        (NODES, "systemctl restart $chronyd")],
       # without `allow`, chronyd opens no udp/123 at all: no answers, no client log
       [("NTP-SRV-1", ADMIN), ("NTP-SRV-2", ADMIN), ("NTP-SRV-4", NODES), ("NTP-SRV-6", NODES),
        ("NTP-CLI-2", NODES)],
       [(NODES, "systemctl restart $chronyd")]),
    _d("one-node-loses-time", "the first node's clock is not synchronized",
       "the first node points chrony at a server that does not exist",
       [(NODE, "sed -i 's/^server .*/server $unused_ip iburst/' $chrony_conf && systemctl restart $chronyd")],
       # a node that never follows admin fails the resilience checks that wait for it, too
       [("NTP-CLI-1", NODE), ("NTP-CLI-2", NODE), ("NTP-SRV-6", NODE),
        ("NTP-RES-1", ADMIN), ("NTP-RES-2", "lab"), ("NTP-RES-3", NODE)]),
    _d("nodes-lost-after-the-fix",
       "admin's chrony.conf was broken and is repaired, but the nodes are still not synchronized",
       "admin lost `allow` long enough for the nodes' whole iburst to go unanswered; repaired, but the nodes "
       "ask again only at their next poll (128 s)",
       [(ADMIN, f"mkdir -p {KEEP} && cp $chrony_conf {KEEP}/chrony.conf.good && sed -i '/^allow/d' "
                "$chrony_conf && systemctl restart $chronyd"),
        (NODES, "systemctl restart $chronyd"),
        (NODES, UNANSWERED),
        (ADMIN, f"cp {KEEP}/chrony.conf.good $chrony_conf && systemctl restart $chronyd")],
       [("NTP-CLI-2", NODES), ("NTP-SRV-6", NODES)],
       [(NODES, f"{_ASK} >/dev/null")]),
    _d("clock-steerable-from-outside", "chronyc on any host of the network can talk to admin's chronyd",
       "admin's chronyd opens its command port to everyone (`bindcmdaddress 0.0.0.0`, `cmdallow all`)",
       # admin restarted: back on its upstream before the nodes take a sample (not its stratum 10 meanwhile)
       [(ADMIN, "printf 'bindcmdaddress 0.0.0.0\\ncmdallow all\\n' >> $chrony_conf && systemctl restart $chronyd "
                "&& chronyc waitsync 60 0 0 0.5 >/dev/null"),
        (NODES, f"{_ASK} >/dev/null")],
       [("NTP-SRV-7", "lab")]),
    _d("ntp-answers-strangers", "anyone on the internet can set their clock by admin",
       "admin's chrony.conf keeps the internal network's `allow` and gains an `allow all` below it",
       # admin restarted: back on its upstream before the nodes take a sample (as above)
       [(ADMIN, "echo 'allow all' >> $chrony_conf && systemctl restart $chronyd "
                "&& chronyc waitsync 60 0 0 0.5 >/dev/null"),
        (NODES, f"{_ASK} >/dev/null")],
       [("NTP-SRV-5", ADMIN), ("NTP-SRV-2", ADMIN)]),  # the wire, and the file: `allow all` is not step 1's
    _d("time-gone-when-cut-off", "nothing shows while the internet is there",
       "admin's chrony.conf loses `local stratum 10`: cut off and restarted, admin serves no usable time",
       [(ADMIN, "sed -i '/^local stratum/d' $chrony_conf && systemctl restart $chronyd")],
       [("NTP-SRV-2", ADMIN), ("NTP-RES-1", ADMIN)]),
    _d("ntp-fails-on-next-restart", "nothing shows — until chronyd on admin next restarts",
       "a typo (`loca stratum 10`) appended to admin's chrony.conf, never restarted: the next restart fails",
       [(ADMIN, "echo 'loca stratum 10' >> $chrony_conf")],
       [("NTP-RES-2", "lab")]),
    _d("one-node-time-gone-after-reboot", "nothing shows — until the first node reboots",
       "chronyd is disabled on the first node: after a reboot it does not start",
       [(NODE, "systemctl disable $chronyd")],
       [("NTP-RES-3", NODE)],
       [(NODE, "systemctl enable --now $chronyd")]),
)
