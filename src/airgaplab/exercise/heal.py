"""Back to the provisioned, synchronized lab after something was broken on purpose.

    heal.make_healthy(be)      # faults cleared, drill undone, provisioning re-applied, nodes on admin again
    heal.healthy(be)           # None, or what is not yet as the suite's converging checks want it

The harness's own tests hand a lab over with it before every test, and the benchmarks between broken
cases; what provisioning does not restore (a route, a running daemon) a drill's undo or a fault's clear does.
"""

from __future__ import annotations

from airgaplab import retry
from airgaplab.backends.base import Backend
from airgaplab.errors import LabError
from airgaplab.exercise import faults, rewind
from airgaplab.probes import facts
from airgaplab.services import registry

BURST_EVERY_S = 4.0  # a burst takes 4 requests 2 s apart; ask anew after it


def healthy(be: Backend) -> str | None:
    """None when the lab is as the suite's converging checks want it: admin on its upstream, every node
    following admin at admin's stratum + 1 and known to it; else what is not yet so."""
    server = be.spec.server_for("ntp")
    if server is None:
        return None
    tx, admin, ip = be.transport, server.name, server.ip
    a = facts.on_upstream(tx, admin)
    if not a or not facts.synced_source(tx, admin):
        return f"{admin} is not synchronized to its upstream ({facts.describe_sources(tx, admin)})"
    _, clients = facts.out(tx, admin, ["chronyc", "-c", "-n", "clients"])
    for node in be.spec.nodes_list:
        sel, n = facts.synced_source(tx, node.name), facts.tracking(tx, node.name)
        if not sel or sel.name != ip or not n:
            return f"{node.name} is not synchronized to {admin} ({facts.describe_sources(tx, node.name)})"
        if n.stratum != a.stratum + 1:  # it took admin's local clock before admin had its upstream
            return f"{node.name} follows {admin} at stratum {n.stratum}, {admin} is at {a.stratum}"
        if node.ip not in clients:
            return f"{admin}'s chronyc clients does not list {node.name}"
    return None


def restart_stale(be: Backend) -> list[str]:
    """Restart every daemon that runs an older file than the one on disk (provisioning restarts a daemon only
    when it changes its file: a file changed and restored by hand leaves the daemon on the changed one)."""
    done = []
    for host in be.spec.hosts:
        for daemon in (s.daemon for s in registry.of(be.spec) if s.daemon and s.runs_daemon(host)):
            if facts.restart_due(be.transport, host.name, daemon, be.family):
                be.transport.run(host.name, ["systemctl", "restart", registry.unit_of(daemon, be.family)],
                                 what=f"restarting {daemon}")
                done.append(f"{host.name}:{daemon}")
    return done


def make_healthy(be: Backend, within: float = 30.0) -> None:
    """Faults cleared, the drill undone, the provisioning re-applied (files restored, changed daemons
    restarted); then the nodes ask admin again (a burst, repeated while they still show a stale stratum)
    until the lab is healthy. Raises LabError if it is not within `within` seconds."""
    faults.clear(be)
    rewind.undo_drill(be, use_state=False)  # re-provisioning: faster than a restore, and enough here
    restart_stale(be)
    for host in be.spec.hosts:  # a `kill -9 -1` typed in a host ends its NetworkManager too (the notes' nmcli needs it)
        be.transport.exec(host.name, ["sh", "-c", "systemctl is-active -q NetworkManager || systemctl start NetworkManager"])
    server = be.spec.server_for("ntp")

    def ask_admin_again() -> None:
        for node in be.spec.nodes_list:
            if server and server.ip not in {s.name for s in facts.sources(be.transport, node.name)}:
                # it runs a configuration without admin (provisioning restores files, not daemons)
                be.transport.exec(node.name, ["systemctl", "restart", be.family.chrony_service])
            else:
                facts.ask_again(be.transport, node.name)

    if not retry.until(lambda: healthy(be) is None, timeout=within, interval=0.2, nudge=ask_admin_again,
                       nudge_every=BURST_EVERY_S, nudge_after=0):
        raise LabError(f"lab {be.spec.name!r} did not become healthy within {within:.0f} s: {healthy(be)}")
