"""Break-one-thing drills: plain shell run inside lab hosts, and the requirements each one breaks.

They prove the suite can fail (the harness's tests bring up a lab, apply a
drill, run the suite and compare the failing ids), and they are the
break/fix exercises of a study group: `airgaplab drill` lists them by symptom
only, applying one does not print what it does, `pytest` and the hosts' own
tools lead to the cause, and `drill --reset` restores the provisioned lab.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass
from string import Template

from airgaplab.backends.base import Backend
from airgaplab.backends.state import LabState
from airgaplab.errors import UserError
from airgaplab.exercise import states
from airgaplab.lab.family import ROCKY, Family
from airgaplab.lab.spec import LabSpec
from airgaplab.probes import facts
from airgaplab.suite.outcomes import Outcome

# Host tokens, resolved against the lab: its NTP/DNS server, every node, the first node.
ADMIN, NODES, NODE = "@admin", "@nodes", "@node"


def _hosts(token: str, spec: LabSpec) -> list[str]:
    nodes = [h.name for h in spec.nodes_list]
    admin = (spec.server_for("ntp") or spec.server_for("dns") or spec.hosts[0]).name
    return {ADMIN: [admin], NODES: nodes, NODE: nodes[:1]}.get(token, [token])


def _values(spec: LabSpec, fam: Family) -> dict[str, str]:
    """What a drill's command may name: the lab's addresses ($admin_ip, $unused_ip, $internal) and the OS family's
    files and units ($chrony_conf, $named_conf, $chronyd, $named) — derived, never hard-coded."""
    admin = spec.server_for("ntp") or spec.server_for("dns") or spec.hosts[0]
    taken = {h.ip for h in spec.hosts}
    unused = next(str(a) for a in reversed(list(spec.network.net.hosts())) if str(a) not in taken)
    return {"admin_ip": admin.ip, "unused_ip": unused, "internal": str(spec.network.net),
            "chrony_conf": fam.chrony_conf, "named_conf": fam.named_conf, "chronyd": fam.chrony_service,
            "named": fam.named_service}


@dataclass(frozen=True)
class Drill:
    name: str
    symptom: str  # what a student notices — never what was broken
    what: str  # what it breaks (`drill --show`)
    steps: tuple[tuple[str, str], ...]  # (host token or name, shell command with $-placeholders: _values)
    breaks: frozenset[tuple[str, str]]  # (requirement id, host token, name or "lab")
    undo: tuple[tuple[str, str], ...] = ()  # what re-provisioning does not restore (routes, running daemons)

    def expected(self, spec: LabSpec, resilience: bool = False) -> set[tuple[str, str]]:
        """(requirement, host) this drill makes fail: in the default run, or with `resilience` in the
        resilience run (`pytest -m resilience`)."""
        return {(req, h) for req, token in self.breaks for h in _hosts(token, spec) if ("-RES-" in req) == resilience}

    def commands(self, spec: LabSpec, fam: Family = ROCKY,
                 steps: tuple[tuple[str, str], ...] | None = None) -> list[tuple[str, str]]:
        """(host, command) with the lab's names and addresses and the OS family's paths."""
        values = _values(spec, fam)
        return [(h, Template(cmd).safe_substitute(values))
                for token, cmd in (self.steps if steps is None else steps) for h in _hosts(token, spec)]


def _d(name: str, symptom: str, what: str, steps: list[tuple[str, str]], breaks: list[tuple[str, str]],
       undo: list[tuple[str, str]] | None = None) -> Drill:
    return Drill(name, symptom, what, tuple(steps), frozenset(breaks), tuple(undo or ()))


ASK_AGAIN = shlex.join(facts.ASK_AGAIN)
KEEP = "/var/lib/airgaplab"  # inside the host's own /var: where a drill keeps a file it restores
DRILL_TABLE = "airgaplab_drill"  # the nftables table a drill adds (its own: faults have theirs)
# the node's whole burst to admin went unanswered: 8 requests, then chrony polls every 128 s (bounded: 30 s)
UNANSWERED = ("for i in $(seq 150); do chronyc -n ntpdata $admin_ip | awk '/^Total TX/{t=$$4} /^Total RX/{r=$$4} "
              "END{exit !(t>=8 && r==0)}' && break; sleep 0.2; done")

DRILLS: dict[str, Drill] = {d.name: d for d in (
    _d("nodes-lose-time", "the nodes' clocks are not synchronized: `chronyc sources` on a node shows admin with `?`",
       "admin's chrony.conf loses its `allow` line; chronyd restarts everywhere",
       [(ADMIN, "sed -i '/^allow/d' $chrony_conf && systemctl restart $chronyd"),
        (NODES, "systemctl restart $chronyd")],
       # without `allow`, chronyd opens no udp/123 at all: no answers, no client log
       [("NTP-SRV-1", ADMIN), ("NTP-SRV-2", ADMIN), ("NTP-SRV-4", NODES), ("NTP-SRV-6", NODES),
        ("NTP-CLI-2", NODES)],
       [(NODES, "systemctl restart $chronyd")]),
    _d("dns-answers-strangers", "anyone on the internet can ask admin about names",
       "admin's named answers queries from anyone (`allow-query { any; }`)",
       [(ADMIN, "sed -i 's/allow-query .*/allow-query { any; };/' $named_conf && systemctl restart $named")],
       [("DNS-SRV-3", ADMIN)]),
    _d("names-resolve-elsewhere", "names still resolve, but not through the resolvers the notes chose",
       "admin's named loses its forwarders and resolves from the root itself",
       [(ADMIN, "sed -i '/forwarders {/,/};/d' $named_conf && systemctl restart $named")],
       [("DNS-SRV-5", "lab"), ("DNS-SRV-5", ADMIN)]),  # the file (admin's own) and the wire (the lab's)
    _d("one-node-loses-time", "the first node's clock is not synchronized",
       "the first node points chrony at a server that does not exist",
       [(NODE, "sed -i 's/^server .*/server $unused_ip iburst/' $chrony_conf && systemctl restart $chronyd")],
       # a node that never follows admin fails the resilience checks that wait for it, too
       [("NTP-CLI-1", NODE), ("NTP-CLI-2", NODE), ("NTP-SRV-6", NODE),
        ("NTP-RES-1", ADMIN), ("NTP-RES-2", "lab"), ("NTP-RES-3", NODE)]),
    _d("one-node-can-get-out", "the first node could send packets towards the internet",
       "the first node gets a default route through admin",
       [(NODE, "ip route add default via $admin_ip")],
       [("NET-1", NODE)],
       [(NODE, "ip route del default via $admin_ip 2>/dev/null || true")]),
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
       [(NODES, f"{ASK_AGAIN} >/dev/null")]),
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
    _d("clock-steerable-from-outside", "chronyc on any host of the network can talk to admin's chronyd",
       "admin's chronyd opens its command port to everyone (`bindcmdaddress 0.0.0.0`, `cmdallow all`)",
       # admin restarted: back on its upstream before the nodes take a sample (not its stratum 10 meanwhile)
       [(ADMIN, "printf 'bindcmdaddress 0.0.0.0\\ncmdallow all\\n' >> $chrony_conf && systemctl restart $chronyd "
                "&& chronyc waitsync 60 0 0 0.5 >/dev/null"),
        (NODES, f"{ASK_AGAIN} >/dev/null")],
       [("NTP-SRV-7", "lab")]),
    _d("ntp-answers-strangers", "anyone on the internet can set their clock by admin",
       "admin's chrony.conf keeps the internal network's `allow` and gains an `allow all` below it",
       # admin restarted: back on its upstream before the nodes take a sample (as above)
       [(ADMIN, "echo 'allow all' >> $chrony_conf && systemctl restart $chronyd "
                "&& chronyc waitsync 60 0 0 0.5 >/dev/null"),
        (NODES, f"{ASK_AGAIN} >/dev/null")],
       [("NTP-SRV-5", ADMIN), ("NTP-SRV-2", ADMIN)]),  # the wire, and the file: `allow all` is not step 1's
    # what only a fault shows (`pytest -m resilience`)
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
    _d("dns-hangs-when-cut-off", "nothing shows while the internet is there",
       "admin's named waits 30 s (`resolver-query-timeout 30`) before giving up on a name it cannot reach",
       [(ADMIN, "sed -i 's/recursion yes;/recursion yes;\\n\\tresolver-query-timeout 30;/' $named_conf && "
                "systemctl restart $named")],
       [("DNS-RES-1", "lab")]),
    _d("dns-fails-on-next-restart", "nothing visible on the wire — until named on admin next restarts",
       "a second `options` block appended to admin's named.conf, never restarted: the next restart fails",
       [(ADMIN, "echo 'options { };' >> $named_conf")],
       [("DNS-SRV-1", ADMIN), ("DNS-RES-2", NODES)]),
)}


def active(state: LabState) -> Drill | None:
    """The drill applied to a lab and not reset since."""
    name = state.drill()
    return DRILLS.get(name) if name else None


def _run(be: Backend, commands: list[tuple[str, str]]) -> None:
    for host, cmd in commands:
        be.transport.run(host, ["sh", "-c", cmd], what="a drill command", timeout=60)


def apply(be: Backend, which: str, steps_pass: Callable[[Backend], tuple[bool, str]] | None = None) -> Drill:
    """Apply drill `which` to the lab, and record it as the lab's active drill. A bare lab takes drills once
    the exercise's steps pass on it (`steps_pass`, default: the suite grades them): a drill breaks a
    working lab."""
    if which not in DRILLS:
        raise UserError(f"no drill {which!r} — `airgaplab drill` lists them")
    journal = be.state.journal()
    if journal is not None and journal.bare:
        from airgaplab.exercise import steps as exercise

        ok, how = (steps_pass or exercise.all_steps_pass)(be)
        if not ok:
            raise UserError(f"lab {be.spec.name!r} is bare and its steps do not all pass yet ({how}): a drill breaks "
                            "a working lab — finish the steps (`airgaplab check`), or `airgaplab up` a provisioned lab")
    d = DRILLS[which]
    if be.can_save_states and active(be.state) is None:  # `drill --reset` comes back to exactly this
        states.save(be, states.BEFORE_DRILL)
    _run(be, d.commands(be.spec, be.family))
    be.state.record_drill(d.name)
    return d


def judged(be: Backend, d: Drill,
           outcomes: Callable[[Backend, list[str]], list[Outcome]] | None = None) -> tuple[str, str]:
    """Is an applied drill still breaking the lab, or was it repaired by hand? ("broken" | "repaired" |
    "unknown", in words), judged by the requirements it breaks (those of the default run)."""
    reqs = sorted({r for r, _ in d.breaks if "-RES-" not in r})
    if not reqs:
        return "unknown", "it shows only under a fault (`pytest -m resilience` tells)"
    if outcomes is None:
        from airgaplab.exercise import steps as exercise

        def outcomes(b: Backend, ids: list[str]) -> list[Outcome]:
            return exercise.run_suite(b, *[f"--req={r}" for r in ids])

    failing = sorted({f"{o.req} on {o.host}" for o in outcomes(be, reqs) if o.outcome.failed})
    if failing:
        return "broken", f"still broken: {', '.join(failing)} fail"
    return "repaired", f"repaired: {', '.join(reqs)} pass again"


def undo(be: Backend) -> str | None:
    """The active drill's undo commands (what provisioning does not restore: routes, rules, running daemons);
    its name, if one was active."""
    d = active(be.state)
    if d is not None:
        _run(be, d.commands(be.spec, be.family, d.undo))
    return d.name if d else None
