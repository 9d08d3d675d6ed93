"""Facts the suite reads off a lab host (through its host transport), parsed once per call."""

from __future__ import annotations

import re

from airgaplab.lab.family import Family
from airgaplab.lab.transport import Transport
from airgaplab.probes import chrony
from airgaplab.services import registry
from airgaplab.services.ntp.drills import ASK_AGAIN

# where each daemon records its PID, on Rocky and Debian alike (systemd's MainPID is asked first)
# each daemon's PID file on the hosts: the one table the netns hosts' shims read too
PIDFILES = registry.pidfiles()
STALE_MARGIN_S = 0.011  # /proc gives a start in whole clock ticks (10 ms): a file this soon after may be older




def ask_again(tx: Transport, host: str) -> None:
    """`host`'s chronyd asks its sources now rather than at its next poll (a minute or more away, longer after
    a silence): the one way the harness hastens chrony."""
    tx.exec(host, ASK_AGAIN, timeout=30)


def out(tx: Transport, host: str, argv: list[str]) -> tuple[int, str]:
    proc = tx.exec(host, argv)
    return proc.returncode, (proc.stdout + proc.stderr).decode(errors="replace")


def sources(tx: Transport, host: str) -> list[chrony.Source]:
    rc, text = out(tx, host, ["chronyc", "-c", "-n", "sources"])
    return chrony.sources(text) if rc == 0 else []


def tracking(tx: Transport, host: str) -> chrony.Tracking | None:
    rc, text = out(tx, host, ["chronyc", "-c", "-n", "tracking"])
    if rc != 0 or not text.strip():
        return None
    try:
        return chrony.tracking(text)
    except (IndexError, ValueError):
        return None


def synced_source(tx: Transport, host: str) -> chrony.Source | None:
    """The `^*` source with a non-zero reach register, if the host has one."""
    sel = chrony.selected(sources(tx, host))
    return sel if sel and sel.mode == "^" and sel.reach else None


IBURST = 4  # requests an `iburst` source gets at once; none answered means waiting will not help


def chronyd_down(tx: Transport, host: str) -> str | None:
    """Why waiting for `host`'s chronyd cannot help because it does not run (None: it runs or is starting).
    Asked of systemd, so a chronyd still starting after a boot is not taken for a dead one."""
    return _down(tx, host, "chronyd", ["chronyd", "chrony"])


def daemon_down(tx: Transport, host: str, daemon: str, fam: Family) -> str | None:
    """Why `host`'s `daemon` (chronyd, named) cannot answer: it does not run (None: it runs or is starting)."""
    return _down(tx, host, daemon, [registry.unit_of(daemon, fam)])


def _down(tx: Transport, host: str, daemon: str, units: list[str]) -> str | None:
    proc = tx.exec(host, ["systemctl", "is-active", *units])
    states = proc.stdout.decode(errors="replace").split()
    if any(s in ("active", "activating", "reloading") for s in states):
        return None
    state = states[0] if states else "no answer"
    why = f": its last start failed (`systemctl status {units[0]}` shows why)" if state == "failed" else ""
    return f"{host}'s {daemon} is not running (`systemctl is-active {units[0]}`: {state}){why}"


def denied(tx: Transport, server_host: str, client_ip: str) -> str | None:
    """Why `client_ip` will get no time from the chronyd on `server_host`: its `allow` does not cover it (chrony
    answers such a client nothing at all, so only the server can tell)."""
    rc, text = out(tx, server_host, ["chronyc", "accheck", client_ip])
    if rc != 0 or "denied" not in text.lower():  # no answer from chronyc: it cannot tell
        return None
    return f"{server_host}'s chronyd denies NTP to {client_ip} (`chronyc accheck {client_ip}`: access denied)"


def running_for(tx: Transport, host: str, daemon: str) -> float | None:
    """How long `host`'s `daemon` (chronyd, named) has been running, in seconds (None: it does not run)."""
    rc, text = out(tx, host, ["sh", "-c", f"ps -o etimes= -p \"$(cat {PIDFILES[daemon]} 2>/dev/null)\""])
    try:
        return float(text.strip()) if rc == 0 else None
    except ValueError:
        return None


def access(tx: Transport, server_host: str, check: str, ip: str) -> str | None:
    """chronyd's own decision for `ip`, read on `server_host` without sending it anything: `check` is accheck
    (NTP, `allow`) or cmdaccheck (its command port, `cmdallow`). "" when denied, its words when allowed, None
    when chronyc cannot tell (chronyd does not run)."""
    rc, text = out(tx, server_host, ["chronyc", check, ip])
    words = text.strip().splitlines()[-1] if text.strip() else ""
    if rc != 0 or not words:
        return None
    return "" if "denied" in words.lower() else words


def restart_due(tx: Transport, host: str, daemon: str, fam: Family) -> str | None:
    """Why `host`'s `daemon` (chronyd, named) may not do what its file says: the file changed after the daemon
    started, so it runs an older one (None: it does not run, or it started after the last change)."""
    service, path = registry.unit_of(daemon, fam), registry.config_of(daemon, fam)
    # the daemon's start from /proc (clock ticks since boot) against the file's mtime, both to the 10 ms
    script = (f'p=$(systemctl show -p MainPID --value {service} 2>/dev/null); [ "${{p:-0}}" != 0 ] || '
              f'p=$(cat {PIDFILES[daemon]} 2>/dev/null); [ -r "/proc/$p/stat" ] || exit 1; '
              f'read -r up _ < /proc/uptime; st=$(sed "s/.*) //" "/proc/$p/stat" | cut -d" " -f20); '
              f'echo $(date +%s.%N) "$up" "$st" $(getconf CLK_TCK) $(stat -c %.9Y {path})')
    rc, text = out(tx, host, ["sh", "-c", script])
    try:
        now, uptime, ticks, hz, mtime = (float(x) for x in text.split())
    except ValueError:
        return None
    started = now - (uptime - ticks / hz)
    if rc != 0 or mtime <= started + STALE_MARGIN_S:
        return None
    return (f"{host}'s {path} changed {now - mtime:.0f} s ago, after its {daemon} started ({now - started:.0f} s "
            f"ago): {daemon} still runs the older file — restart it (`systemctl restart {service}`)")


def no_time_from(tx: Transport, server_host: str, server_ip: str, client: str, client_ip: str) -> str | None:
    """Why `client` waiting for time from `server_host` cannot help: the server's chronyd is not running, it
    denies the client, or the client's whole iburst went unanswered (None: waiting may still help)."""
    return serves_no_time(tx, server_host, client_ip) or unanswered(tx, client, server_ip)


def serves_no_time(tx: Transport, server_host: str, client_ip: str) -> str | None:
    """Why the chronyd on `server_host` will not answer `client_ip`, judged on the server alone: it does not
    run, or it denies the client (None: it may answer)."""
    return chronyd_down(tx, server_host) or denied(tx, server_host, client_ip)


def unanswered(tx: Transport, host: str, server: str | None = None) -> str | None:
    """Why waiting for `host`'s chronyd to synchronize cannot help, or None: it does not run, or it has sent its
    iburst to `server` (to every source, when None) and had no reply at all."""
    if down := chronyd_down(tx, host):
        return down
    if server and server not in {s.name for s in sources(tx, host)}:
        return f"{host}'s chronyd does not use {server} at all"
    _, text = out(tx, host, ["chronyc", "-n", "ntpdata"] + ([server] if server else []))
    rows = chrony.traffic(text)
    if not rows or any(t.received or t.sent < IBURST for t in rows):
        return None
    return "; ".join(f"{host}'s chronyd sent {t.sent} requests to {t.address} and got no reply" for t in rows)


def on_upstream(tx: Transport, host: str) -> chrony.Tracking | None:
    """`host`'s tracking, if it follows a real source (not its local stratum) with a normal leap status."""
    t = tracking(tx, host)
    return t if t and t.refid != chrony.LOCAL_REFID and t.leap == "Normal" and 0 < t.stratum < 10 else None


def describe_sources(tx: Transport, host: str) -> str:
    srcs = sources(tx, host)
    return "; ".join(str(s) for s in srcs) or "no sources"


def directives(text: str) -> list[str]:
    """Config lines without comments and blank lines, whitespace-normalised."""
    lines = []
    for raw in text.splitlines():
        line = re.split(r"\s[#;]|^[#;]", raw, maxsplit=1)[0].strip()
        if line:
            lines.append(" ".join(line.split()))
    return lines


def named_option(conf: str, option: str) -> list[str] | None:
    """The items of `option { a; b; };` in named.conf text (comments stripped), or None."""
    text = re.sub(r"//[^\n]*|#[^\n]*|/\*.*?\*/", "", conf, flags=re.S)
    m = re.search(rf"(?<![\w-]){re.escape(option)}\s*(?:port\s+\d+\s*)?\{{([^}}]*)\}}", text)
    if not m:
        return None
    return [x.strip() for x in m.group(1).split(";") if x.strip()]


def named_value(conf: str, option: str) -> str | None:
    text = re.sub(r"//[^\n]*|#[^\n]*|/\*.*?\*/", "", conf, flags=re.S)
    m = re.search(rf"(?<![\w-]){re.escape(option)}\s+([^;{{\s]+)\s*;", text)
    return m.group(1) if m else None


def acl_meaning(items: list[str]) -> set[str]:
    """A named address-match list as what it admits: `localhost` is the host's own addresses (127.0.0.1)."""
    return {"127.0.0.1" if i in ("localhost", "127.0.0.1/32") else i for i in items}


def timedatectl(tx: Transport, host: str) -> dict[str, str]:
    """`timedatectl status` as key → value (`System clock synchronized` → `yes`)."""
    _, text = out(tx, host, ["timedatectl", "status"])
    pairs = (line.split(":", 1) for line in text.splitlines() if ":" in line)
    return {k.strip(): v.strip() for k, v in pairs}


def networkmanager_main(dump: str) -> dict[str, tuple[str, str]]:
    """[main] of NetworkManager's files as it merges them (later files win): key → (value, the file that set
    it). `dump` is each file's text after a `### PATH` line, in NetworkManager's order."""
    merged: dict[str, tuple[str, str]] = {}
    path, section = "", ""
    for raw in dump.splitlines():
        if raw.startswith("### "):
            path, section = raw[4:].strip(), ""
            continue
        line = raw.split("#", 1)[0].strip()
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1].strip()
        elif section == "main" and "=" in line:
            key, value = (x.strip() for x in line.split("=", 1))
            merged[key] = (value, path)
    return merged


def nameservers(resolv_conf: str) -> list[str]:
    return [line.split()[1] for line in directives(resolv_conf) if line.startswith("nameserver ") and len(line.split()) > 1]


def sync_seconds(tx: Transport, host: str) -> float | None:
    """chrony's own figure: seconds from chronyd's start to its first `Selected source` (1 s resolution)."""
    from datetime import datetime

    _, text = out(tx, host, ["sh", "-c", "cat /var/log/chrony/chronyd.log 2>/dev/null || "
                                            "journalctl -u chronyd -o short-iso --no-pager -b"])
    start = sel = None
    for line in text.splitlines():
        m = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)", line)
        if not m:
            continue
        stamp = datetime.fromisoformat(m.group(1))
        if "starting" in line:
            start, sel = stamp, None  # a restart: measure from the latest start
        elif "Selected source" in line and start and sel is None:
            sel = stamp
    return (sel - start).total_seconds() if start and sel else None
