"""What to show next to a failure, per requirement group: command output from the hosts concerned."""

from __future__ import annotations

from airgaplab.lab.family import Family
from airgaplab.lab.spec import LabSpec
from airgaplab.lab.transport import Transport

CHRONY_LOG = "tail -n 20 /var/log/chrony/chronyd.log 2>/dev/null || journalctl -u {fam.chrony_service} -n 20 --no-pager"
# (label, shell command) per requirement group; each runs where the fault is (see where()).
COMMANDS: dict[str, list[tuple[str, str]]] = {
    "NET": [("ip route", "ip -4 route"), ("ip addr", "ip -4 -br addr")],
    "NTP-SRV": [
        ("chronyc sources -v", "chronyc -n sources -v"),
        ("chronyc tracking", "chronyc -n tracking"),
        ("chronyc clients", "chronyc -n clients"),
        ("{fam.chrony_conf}", "cat {fam.chrony_conf}"),
        ("chronyd log", CHRONY_LOG),
    ],
    "NTP-CLI": [
        ("chronyc sources -v", "chronyc -n sources -v"),
        ("chronyc tracking", "chronyc -n tracking"),
        ("{fam.chrony_conf}", "cat {fam.chrony_conf}"),
        ("chronyd log", CHRONY_LOG),
    ],
    "DNS-SRV": [
        ("{fam.named_conf}", "cat {fam.named_conf}"),
        ("named-checkconf", "named-checkconf {fam.named_conf} 2>&1; echo exit $?"),
        ("named log", "tail -n 20 /var/named/data/named.log 2>/dev/null || journalctl -u named -n 20 --no-pager"),
        ("dig google.com", "dig +time=2 +tries=1 @127.0.0.1 google.com"),
    ],
    "DNS-CLI": [
        ("/etc/resolv.conf", "cat /etc/resolv.conf"),
        ("NetworkManager drop-ins", "ls -l /etc/NetworkManager/conf.d/ && cat /etc/NetworkManager/conf.d/*.conf"),
        ("dig google.com", "dig +time=2 +tries=1 google.com"),
    ],
}


def where(spec: LabSpec, group: str, host: str) -> str:
    """The host whose state explains a failure: admin for the server families (the node only saw the
    symptom), else the failing host; admin for lab-wide checks."""
    server = spec.server_for(group.split("-")[0].lower()) or spec.admin  # a group's head is its service (NTP-SRV)
    if group.endswith("-SRV") or host not in spec.host_names:
        return server.name
    return host


def collect(tx: Transport, fam: Family, group: str, host: str) -> dict[str, str]:
    """label → output; never raises (evidence must not turn a failure into an error)."""
    out: dict[str, str] = {}
    for label, cmd in COMMANDS.get(group, []):
        label, cmd = label.format(fam=fam), cmd.format(fam=fam)
        try:
            proc = tx.exec(host, ["sh", "-c", cmd], timeout=15)
            out[f"{host}: {label}"] = (proc.stdout + proc.stderr).decode(errors="replace").strip() or "(no output)"
        except Exception as e:
            out[f"{host}: {label}"] = f"(could not run: {e})"
    return out
