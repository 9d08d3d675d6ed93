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

import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from airgaplab.backends.base import Backend
from airgaplab.errors import LabError, UserError
from airgaplab.paths import state_root

SERVICES = ("chronyd", "named", "NetworkManager")
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


def _path(lab: str) -> Path:
    return state_root() / lab / "faults.json"


def active(lab: str) -> list[Fault]:
    try:
        return [Fault(**f) for f in json.loads(_path(lab).read_text())]
    except (OSError, ValueError):
        return []


def _record(lab: str, faults: list[Fault]) -> None:
    path = _path(lab)
    if path.parent.is_dir():
        path.write_text(json.dumps([asdict(f) for f in faults], indent=1))


def _unit(be: Backend, service: str) -> str:
    if service not in SERVICES:
        raise UserError(f"fault: unknown service {service!r} — use {', '.join(SERVICES)}")
    return {"chronyd": be.family.chrony_service, "named": be.family.named_service}.get(service, service)


def _host(be: Backend, host: str) -> str:
    be.lab.host(host)  # one line, exit 2, for a host the lab does not have
    return host


def _sh(be: Backend, host: str, cmd: str, what: str) -> str:
    proc = be.exec(host, ["sh", "-c", cmd], timeout=120)
    if proc.returncode != 0:
        raise LabError(f"{host}: {what}: {(proc.stderr or proc.stdout).decode(errors='replace').strip()}")
    return proc.stdout.decode()


def internal_interface(be: Backend, host: str) -> str:
    """The host's NIC on the internal network (the one holding its internal address)."""
    ip = be.lab.host(host).ip
    for line in _sh(be, host, "ip -o -4 addr show", "listing addresses").splitlines():
        if f" {ip}/" in line:
            return line.split()[1]
    raise LabError(f"{host}: no interface holds {ip}")


def outside_interface(be: Backend, host: str) -> str:
    """The host's NIC towards the internet: the one its default route leaves by."""
    m = re.search(r"\bdev (\S+)", _sh(be, host, "ip -4 route show default", "reading its default route"))
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
            dev, keep = outside_interface(be, host), be.keep_reachable(host)
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
    proc = be.exec(host, ["nft", "-f", "-"], input=_ruleset(be, host, faults).encode())
    if proc.returncode != 0:
        raise LabError(f"{host}: nftables (faults): {proc.stderr.decode(errors='replace').strip()}")


def inject(be: Backend, verb: str, host: str | None = None, arg: str | None = None) -> str:
    """Apply one fault (or event); returns what was done, in words."""
    lab, faults = be.lab.name, active(be.lab.name)
    if verb in ("internet-down", "internet-up"):
        hosts = [h.name for h in be.lab.hosts if h.internet] if host is None else [_host(be, host)]
        faults = [f for f in faults if not (f.verb == "internet-down" and f.host in hosts)]
        if verb == "internet-down":
            faults += [Fault("internet-down", h) for h in hosts]
        for h in hosts:
            _apply_rules(be, h, faults)
        _record(lab, faults)
        return f"{'no' if verb == 'internet-down' else 'the'} internet for {', '.join(hosts)}"
    if host is None:
        raise UserError(f"fault {verb}: name the host, e.g. `airgaplab fault {verb} k8s-node1`")
    host = _host(be, host)
    if verb in ("stop", "start", "restart"):
        unit = _unit(be, arg or "")
        _sh(be, host, f"systemctl {verb} {unit}", f"systemctl {verb} {unit}")
        faults = [f for f in faults if not (f.verb == "stop" and f.host == host and f.service == arg)]
        faults += [Fault("stop", host, arg or "")] if verb == "stop" else []
        _record(lab, faults)
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
        _record(lab, faults)
        return f"{host} off the internal network" if verb == "isolate" else f"{percent}% loss on {host}, each way"
    raise UserError(f"fault: unknown fault {verb!r} — internet-down, internet-up, stop, start, restart, reboot, "
                    "isolate, loss or clear")


def netem_available(be: Backend, host: str) -> bool:
    """Can the kernel delay packets (sch_netem)? Loss needs only nftables; delay would need netem."""
    proc = be.exec(host, ["sh", "-c", "test -d /sys/module/sch_netem || modprobe -n sch_netem 2>/dev/null"])
    return proc.returncode == 0


def clear(be: Backend) -> list[Fault]:
    """Undo every recorded fault: rules removed, stopped services started again."""
    faults = active(be.lab.name)
    for h in sorted({f.host for f in faults}):
        _apply_rules(be, h, [])
    for f in faults:
        if f.verb == "stop":
            _sh(be, f.host, f"systemctl start {_unit(be, f.service)}", f"systemctl start {f.service}")
    _record(be.lab.name, [])
    return faults
