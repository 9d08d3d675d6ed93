"""BIND's break-one-thing drills: what a student can break in the DNS steps, and the requirements that catch it."""

from __future__ import annotations

from airgaplab.lab.family import Family
from airgaplab.services.drill import ADMIN, KEEP, NODE, NODES, Drill, table

DRILL_TABLE = "airgaplab_drill"  # the nftables table a drill adds (its own: faults have theirs)


def values(fam: Family) -> dict[str, str]:
    """What its drills' commands name: $named_conf, $named."""
    return {"named_conf": fam.named_conf, "named": fam.named_service}


_d = table(values)

DRILLS: tuple[Drill, ...] = (
    _d("dns-answers-strangers", "anyone on the internet can ask admin about names",
       "admin's named answers queries from anyone (`allow-query { any; }`)",
       [(ADMIN, "sed -i 's/allow-query .*/allow-query { any; };/' $named_conf && systemctl restart $named")],
       [("DNS-SRV-3", ADMIN)]),
    _d("names-resolve-elsewhere", "names still resolve, but not through the resolvers the notes chose",
       "admin's named loses its forwarders and resolves from the root itself",
       [(ADMIN, "sed -i '/forwarders {/,/};/d' $named_conf && systemctl restart $named")],
       [("DNS-SRV-5", "lab"), ("DNS-SRV-5", ADMIN)]),  # the file (admin's own) and the wire (the lab's)
    _d("one-node-dns-time-bomb", "nothing shows yet — until NetworkManager next touches the first node's network",
       "the first node loses its NetworkManager drop-in `dns=none`",
       [(NODE, "rm -f /etc/NetworkManager/conf.d/99-dns-none.conf")],
       [("DNS-CLI-2", NODE), ("DNS-RES-3", NODE)]),
    _d("one-node-cannot-resolve", "the first node cannot resolve names any more (`dig google.com` fails)",
       "the first node loses its drop-in `dns=none` and NetworkManager restarts: it rewrites resolv.conf",
       [(NODE, "rm -f /etc/NetworkManager/conf.d/99-dns-none.conf && systemctl restart NetworkManager")],
       [("DNS-CLI-1", NODE), ("DNS-CLI-2", NODE), ("DNS-CLI-3", NODE)]),
    _d("strangers-despite-right-file",
       "admin's named.conf looks right, yet strangers get answers: from the outsider, `dig @<admin's outside "
       "address> localhost` is answered (a name admin serves itself; recursion stays refused)",
       "named runs with `allow-query { any; }`; the file was repaired afterwards, but named was not restarted",
       [(ADMIN, f"mkdir -p {KEEP} && cp $named_conf {KEEP}/named.conf.good && "
                "sed -i 's/allow-query .*/allow-query { any; };/' $named_conf && systemctl restart $named && "
                f"cp {KEEP}/named.conf.good $named_conf")],
       [("DNS-SRV-3", ADMIN)],
       [(ADMIN, "systemctl restart $named")]),
    _d("dns-big-answers-lost", "small answers work, but a large one never reaches the nodes",
       "admin drops DNS over TCP from the internal network (an nftables rule: a firewall that opens only 53/udp)",
       [(ADMIN, f"nft add table inet {DRILL_TABLE} && nft add chain inet {DRILL_TABLE} input "
                "'{ type filter hook input priority 0; }' && "
                f"nft add rule inet {DRILL_TABLE} input ip saddr $internal tcp dport 53 drop")],
       [("DNS-SRV-8", "lab")],
       [(ADMIN, f"nft delete table inet {DRILL_TABLE} 2>/dev/null || true")]),
    _d("dns-cache-readable", "anyone could learn which names the lab has looked up",
       "admin's named lets anyone read its cache (`allow-query-cache { any; }`)",
       [(ADMIN, "sed -i 's/recursion yes;/recursion yes;\\n\\tallow-query-cache { any; };/' $named_conf && "
                "systemctl restart $named")],
       # a cache open to anyone answers an outsider's recursive query from it, too: not REFUSED
       [("DNS-SRV-4", ADMIN), ("DNS-SRV-9", "lab")]),
    _d("internal-names-leak", "the internet's resolvers learn the lab's internal addresses",
       "admin's named turns its automatic empty zones off (`empty-zones-enable no;`): reverse lookups of "
       "192.168.x.x go to the forwarders",
       [(ADMIN, "sed -i 's/recursion yes;/recursion yes;\\n\\tempty-zones-enable no;/' $named_conf && "
                "systemctl restart $named")],
       [("DNS-SRV-10", "lab")]),
    _d("nxdomain-asked-again", "every lookup of a name that does not exist goes out to the internet again",
       "admin's named keeps no negative answers (`max-ncache-ttl 0;`)",
       [(ADMIN, "sed -i 's/recursion yes;/recursion yes;\\n\\tmax-ncache-ttl 0;/' $named_conf && "
                "systemctl restart $named")],
       [("DNS-SRV-11", "lab")]),
    _d("dns-hangs-when-cut-off", "nothing shows while the internet is there",
       "admin's named waits 30 s (`resolver-query-timeout 30`) before giving up on a name it cannot reach",
       [(ADMIN, "sed -i 's/recursion yes;/recursion yes;\\n\\tresolver-query-timeout 30;/' $named_conf && "
                "systemctl restart $named")],
       [("DNS-RES-1", "lab")]),
    _d("dns-fails-on-next-restart", "nothing visible on the wire — until named on admin next restarts",
       "a second `options` block appended to admin's named.conf, never restarted: the next restart fails",
       [(ADMIN, "echo 'options { };' >> $named_conf")],
       [("DNS-SRV-1", ADMIN), ("DNS-RES-2", NODES)]),
)
