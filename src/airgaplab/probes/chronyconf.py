"""What a chrony.conf's lines do, said as symptoms — what the host will do with them, never the notes' own line
(which `solve` shows): the time sources and their first poll, whom `allow` lets in, what happens cut off.

    chronyconf.server_symptoms(lines, upstream=["pool.ntp.org"], allow=["192.168.10.0/24"], local_stratum=10,
                               logdir="/var/log/chrony")
    → ["`allow 192.168.10.0/16` lets 65,536 addresses ask admin for time (192.168.0.0/16), not the internal
        network's 256"]
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

FIRST_POLL_S = 64  # chronyd's default minpoll (2^6 s): without iburst, the first exchange waits for it
SOURCE_KINDS = ("server", "pool", "peer")


@dataclass(frozen=True)
class SourceLine:
    kind: str  # server | pool | peer
    name: str
    iburst: bool
    line: str


def source_lines(lines: list[str]) -> list[SourceLine]:
    """The time sources a chrony.conf names (its directives, comments gone)."""
    out = []
    for line in lines:
        words = line.split()
        if len(words) >= 2 and words[0] in SOURCE_KINDS:
            out.append(SourceLine(words[0], words[1], "iburst" in words[2:], line))
    return out


def _no_iburst(who: str, src: SourceLine) -> str:
    return (f"{who} asks {src.name} without `iburst`: the first poll comes after {FIRST_POLL_S} s, not within "
            "seconds")


def client_symptoms(lines: list[str], server_ip: str) -> list[str]:
    """What is wrong with a node's sources, for a node that should follow admin (`server_ip`) alone."""
    srcs = source_lines(lines)
    admin = [s for s in srcs if s.name == server_ip]
    out = []
    if not admin:
        out.append(f"the node does not ask admin ({server_ip}) for time"
                   + (f": it asks {', '.join(s.name for s in srcs)}" if srcs else ": it names no time source"))
    for s in admin:
        if s.kind != "server":
            out.append(f"`{s.line}` names admin as a {s.kind}, not as a server")
        elif not s.iburst:
            out.append(_no_iburst("the node", s))
    others = [s for s in srcs if s.name != server_ip]
    if admin and others:
        out.append(f"the node also asks {', '.join(f'`{s.line}`' for s in others)}: cut off from the internet, "
                   "it gets no answer there, and a second source it does reach would compete with admin")
    return out


def _network(word: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(word, strict=False)  # chronyd reads 192.168.10.0/16 as 192.168.0.0/16
    except ValueError:
        return None


def allow_symptoms(lines: list[str], internal: str) -> list[str]:
    """Whom admin's `allow` lines let ask it for time, against the internal network."""
    net = ipaddress.IPv4Network(internal)
    allows = [line.split()[1:] for line in lines if line.split()[0] == "allow"]
    if not allows:
        return ["no `allow` line: admin answers no one (chronyd serves only the clients `allow` names)"]
    out, covered = [], False
    for words in allows:
        shown = " ".join(["allow", *words[:1]])
        got = _network(words[0]) if words and words[0] != "all" else ipaddress.IPv4Network("0.0.0.0/0")
        if got is None:
            out.append(f"`{shown}` is no address or network chronyd can read")
        elif not isinstance(got, ipaddress.IPv4Network) or not got.overlaps(net):
            out.append(f"`{shown}` lets in addresses outside the internal network {net}")
        elif got.prefixlen < net.prefixlen:
            out.append(f"`{shown}` lets {got.num_addresses:,} addresses ask admin for time ({got}), not the "
                       f"internal network's {net.num_addresses:,}")
            covered = True
        elif got.prefixlen > net.prefixlen:
            out.append(f"`{shown}` lets in only part of the internal network {net}")
        else:
            covered = True
    if not covered:
        out.append(f"no `allow` covers the internal network {net}: its nodes get no answer from admin")
    return out


def server_symptoms(lines: list[str], *, upstream: list[str], internal: str, local_stratum: int | None,
                    logdir: str, followed: str | None = None) -> list[str]:
    """What is wrong with admin's chrony.conf for the step that makes it the lab's time server. `followed`: the
    source admin follows now (`^*` in chronyc sources), named when an extra source may be it."""
    srcs = source_lines(lines)
    out = []
    named = {s.name: s for s in srcs}
    for want in upstream:
        if want not in named:
            out.append(f"admin does not ask {want} for time")
        elif not named[want].iburst:
            out.append(_no_iburst("admin", named[want]))
    extra = [s for s in srcs if s.name not in upstream]
    for s in extra:
        out.append(f"admin also asks {s.name} (`{s.line}`), which it may follow instead of the servers step 1 names"
                   + (f" — it follows {followed} now (`chronyc sources`: ^*)" if followed else ""))
    out += allow_symptoms(lines, internal)
    if local_stratum is not None:
        local = [line.split() for line in lines if line.split()[0] == "local"]
        if not local:
            out.append("no `local` line: cut off from the internet, admin stops giving the nodes time")
        elif "stratum" in local[0] and local[0][local[0].index("stratum") + 1:][:1] != [str(local_stratum)]:
            out.append(f"`{' '.join(local[0])}`: cut off, admin serves its own clock at another stratum than step "
                       "1 gives it")
    if not any(line.split()[0] == "logdir" and line.split()[1:] == [logdir] for line in lines):
        out.append(f"no log directory {logdir}: chronyd keeps no logs of its measurements there (`logdir`)")
    return out
