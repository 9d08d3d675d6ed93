"""Faults: what the lab does when the internet, a daemon or a host goes away.

    airgaplab fault internet-down            # nothing comes back to admin from the internet
    airgaplab fault restart admin chronyd    # stop | start | restart HOST SERVICE
    airgaplab fault reboot k8s-node1         # the host's daemons come back as a boot brings them
    airgaplab fault isolate k8s-node2        # off the internal network
    airgaplab fault loss k8s-node1 30        # 30 % of its internal packets dropped, each way
    airgaplab fault clear                    # all of it undone (and `down` removes everything anyway)

Network faults are nftables rules in the host's own namespace (table `inet airgaplab_fault`, rebuilt
from the recorded faults on every change), so they work alike on netns hosts and VMs. Active faults are
recorded in the lab's state (faults.json) and shown by `airgaplab status`.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import asdict, dataclass

from airgaplab.backends.base import Backend
from airgaplab.backends.state import LabState
from airgaplab.errors import UserError
from airgaplab.services import registry

SERVICES = (*registry.daemons(), "NetworkManager")  # what `fault stop|start|restart HOST SERVICE` takes
TABLE = "inet airgaplab_fault"


@dataclass(frozen=True)
class Fault:
    verb: str  # internet-down | stop | isolate | loss (what stays in effect; start/restart/reboot are events)
    host: str
    service: str = ""
    percent: int = 0

    def __str__(self) -> str:
        extra = f" {self.service}" if self.service else f" {self.percent}%" if self.verb == "loss" else ""
        return f"{self.verb} {self.host}{extra}"


VERBS = ("internet-down", "internet-up", "stop", "start", "restart", "reboot", "isolate", "loss", "clear")


def active(state: LabState) -> list[Fault]:
    """The faults recorded as in effect in a lab."""
    try:
        return [Fault(**f) for f in state.faults()]
    except TypeError:  # a record from another version: nothing is known to be in effect
        return []


def _record(state: LabState, faults: list[Fault]) -> None:
    state.record_faults([asdict(f) for f in faults])


def known_verb(verb: str) -> str:
    """`verb` if it is a fault; else one line naming the closest one."""
    if verb in VERBS:
        return verb
    close = difflib.get_close_matches(verb, VERBS, n=1)
    hint = f" — did you mean {close[0]}?" if close else ""
    raise UserError(f"fault: unknown fault {verb!r}{hint} (faults: {', '.join(VERBS)})")


def _unit(be: Backend, service: str) -> str:
    if service not in SERVICES:
        raise UserError(f"fault: unknown service {service!r} — use {', '.join(SERVICES)}")
    return registry.unit_of(service, be.family) if registry.of_daemon(service) else service


def _host(be: Backend, host: str) -> str:
    be.spec.host(host)  # one line, exit 2, for a host the lab does not have
    return host


def internal_interface(be: Backend, host: str) -> str:
    """The host's NIC on the internal network (the one holding its internal address)."""
    ip = be.spec.host(host).ip
    for line in be.transport.sh(host, "ip -o -4 addr show", what="listing addresses").splitlines():
        if f" {ip}/" in line:
            return line.split()[1]
    raise UserError(f"{host}: no interface holds its internal address {ip} — is the lab up?")


def outside_interface(be: Backend, host: str) -> str:
    """The host's NIC towards the internet: the one its default route leaves by."""
    m = re.search(r"\bdev (\S+)", be.transport.sh(host, "ip -4 route show default", what="reading its default route"))
    if not m:
        raise UserError(f"fault internet-down: {host} has no default route — it has no internet to lose")
    return m.group(1)


def _ruleset(be: Backend, host: str, faults: list[Fault]) -> str:
    """The host's fault table: declared, emptied, then filled (or deleted when no fault applies)."""
    mine = [f for f in faults if f.host == host and f.verb in ("internet-down", "isolate", "loss")]
    if not mine:
        return f"table {TABLE}\ndelete table {TABLE}\n"
    rules_in, rules_out = [], []
    for f in mine:
        if f.verb == "internet-down":
            # nothing comes back from the internet, as when the link dies beyond admin: what admin sends
            # goes unanswered and times out (a local drop would fail at once, which no outage does)
            dev, keep = outside_interface(be, host), be.world.keep_reachable(host)
            rules_in.append(f'iifname "{dev}" ' + (f"ip saddr != {keep} " if keep else "") + "drop")
        else:
            dev = internal_interface(be, host)
            random = f"numgen random mod 100 < {f.percent} " if f.verb == "loss" and f.percent < 100 else ""
            rules_out.append(f'oifname "{dev}" {random}drop')
            rules_in.append(f'iifname "{dev}" {random}drop')
    body = "".join(f"\tchain {name} {{\n\t\ttype filter hook {hook} priority -10; policy accept;\n"
                   + "".join(f"\t\t{r}\n" for r in rules) + "\t}\n"
                   for name, hook, rules in (("incoming", "input", rules_in), ("outgoing", "output", rules_out)))
    return f"table {TABLE}\nflush table {TABLE}\ntable {TABLE} {{\n{body}}}\n"


def _apply_rules(be: Backend, host: str, faults: list[Fault]) -> None:
    be.transport.run(host, ["nft", "-f", "-"], input=_ruleset(be, host, faults).encode(), what="nftables (faults)")


def inject(be: Backend, verb: str, host: str | None = None, arg: str | None = None) -> str:
    """Apply one fault (or event); returns what was done, in words."""
    verb = known_verb(verb)
    state, faults = be.state, active(be.state)
    if verb in ("internet-down", "internet-up"):
        hosts = [h.name for h in be.spec.hosts if h.internet] if host is None else [_host(be, host)]
        faults = [f for f in faults if not (f.verb == "internet-down" and f.host in hosts)]
        if verb == "internet-down":
            faults += [Fault("internet-down", h) for h in hosts]
        for h in hosts:
            _apply_rules(be, h, faults)
        _record(state, faults)
        return f"{'no' if verb == 'internet-down' else 'the'} internet for {', '.join(hosts)}"
    if host is None:
        raise UserError(f"fault {verb}: name the host, e.g. `airgaplab fault {verb} k8s-node1`")
    host = _host(be, host)
    if verb in ("stop", "start", "restart"):
        unit = _unit(be, arg or "")
        be.transport.sh(host, f"systemctl {verb} {unit}", what=f"systemctl {verb} {unit}")
        faults = [f for f in faults if not (f.verb == "stop" and f.host == host and f.service == arg)]
        faults += [Fault("stop", host, arg or "")] if verb == "stop" else []
        _record(state, faults)
        return f"{verb} {unit} on {host}"
    if verb == "reboot":
        be.reboot(host)
        return f"{host} rebooted"
    if verb in ("isolate", "loss"):
        percent = 0
        if verb == "loss":
            if arg is None or not arg.isdigit() or not 0 < int(arg) <= 100:
                raise UserError("fault loss: give the loss in percent, 1-100, e.g. `airgaplab fault loss k8s-node1 30`")
            percent = int(arg)
        faults = [f for f in faults if not (f.verb == verb and f.host == host)] + [Fault(verb, host, "", percent)]
        _apply_rules(be, host, faults)
        _record(state, faults)
        return f"{host} off the internal network" if verb == "isolate" else f"{percent}% loss on {host}, each way"
    raise UserError(f"fault {verb}: use `airgaplab fault clear` on its own")


def netem_available(be: Backend, host: str) -> bool:
    """Can the kernel delay packets (sch_netem)? Loss needs only nftables; delay would need netem."""
    proc = be.transport.exec(host, ["sh", "-c", "test -d /sys/module/sch_netem || modprobe -n sch_netem 2>/dev/null"])
    return proc.returncode == 0


ASK_AGAIN_S = 20.0  # how long `clear` waits for admin's chronyd to follow its upstream again


def clear(be: Backend) -> list[Fault]:
    """Undo every recorded fault: rules removed, stopped services started again; then the lab as after an
    outage that ended (ask_again)."""
    faults = active(be.state)
    for h in sorted({f.host for f in faults}):
        _apply_rules(be, h, [])
    for f in faults:
        if f.verb == "stop":
            be.transport.sh(f.host, f"systemctl start {_unit(be, f.service)}", what=f"systemctl start {f.service}")
    _record(be.state, [])
    if faults:
        ask_again(be)
    return faults


def ask_again(be: Backend) -> bool:
    """After an outage: chronyd left alone asks again only at its next poll, backed off while nothing answered
    (minutes; a chronyd restarted while cut off stays on its local stratum until then). Admin asks its upstreams
    now (`chronyc burst 4/4`) until it follows one (ASK_AGAIN_S at most), then the nodes ask admin. Whether admin
    follows its upstream."""
    from airgaplab import retry
    from airgaplab.probes import facts

    server = be.spec.server_for("ntp")
    if server is None:
        return True
    tx = be.transport
    got = bool(retry.until(lambda: facts.on_upstream(tx, server.name), timeout=ASK_AGAIN_S, interval=0.5,
                           give_up=lambda: facts.chronyd_down(tx, server.name),  # nobody there to ask
                           nudge=lambda: facts.ask_again(tx, server.name),
                           nudge_every=4.0, nudge_after=0))
    for node in be.spec.nodes_list:
        facts.ask_again(tx, node.name)
    return got
