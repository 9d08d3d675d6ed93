"""NTP-RES, DNS-RES: the lab when the internet, a daemon or a host goes away (`pytest -m resilience`).

Each check injects its fault (airgaplab.faults), proves the claim on the wire, and leaves the lab as
healthy as it found it. Every wait has a bound, stated beside it.
"""

import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from airgaplab import retry
from airgaplab.errors import LabError
from airgaplab.exercise import faults
from airgaplab.probes import chrony, facts
from airgaplab.probes import dns as dnsprobe
from airgaplab.probes.dns import check
from airgaplab.suite.finding import fail

pytestmark = pytest.mark.resilience
LOCAL_REFID = chrony.LOCAL_REFID
BURST_S = 12.0  # `chronyc burst 4/4` or an iburst: 4 requests 2 s apart, then selection (netns; scaled on VMs)
SERVFAIL_S = 15.0  # BIND's resolver-query-timeout (10 s) and a margin
BACK_S = 5.0  # named answers when `systemctl restart` returns; a node's first lookup after it


def scaled(backend, seconds: float) -> float:
    """A bound on this backend: the netns figure, stretched as the backend's sync timeout is (emulated VMs)."""
    return seconds * max(1.0, backend.world.sync_timeout / 30.0)


def sh(backend, host: str, cmd: str) -> str:
    return backend.transport.exec(host, ["sh", "-c", cmd]).stdout.decode()


def admin_upstream_synced(backend, admin):
    t = facts.tracking(backend.transport, admin)
    synced = t and t.refid != LOCAL_REFID and t.leap == "Normal" and facts.synced_source(backend.transport, admin)
    return t if synced else None


def node_follows(backend, admin, node, stratum=None):
    """The node's `^*` is admin, at admin's stratum + 1 (or at `stratum`)."""
    tx = backend.transport
    sel, a, n = facts.synced_source(tx, node), facts.tracking(tx, admin), facts.tracking(tx, node)
    want = stratum if stratum is not None else (a.stratum + 1 if a else -1)
    return n if sel and sel.name == backend.spec.host(admin).ip and n and n.stratum == want else None


def restart(backend, host: str, service: str) -> None:
    """`fault restart HOST SERVICE`; a daemon that does not come back is the finding, not a harness error."""
    try:
        faults.inject(backend, "restart", host, service)
    except LabError as e:
        fail(f"{host}'s {service} did not come back after a restart: {e}")


@pytest.fixture
def heal(backend, admin, nodes, converge):
    """Before the check, the lab settled (within the run's shared sync deadline: resilience runs first, on a
    lab that may have just come up); after it, faults cleared and the lab as healthy as it was before
    (bounded): admin back on its upstream if it was, the nodes that followed admin following it again."""
    # ask now, not at the next poll (64 s+): admin, freshly restarted by the check before, may still hold too few
    # samples to follow its upstream (chronyd keeps its local stratum then); nodes, when admin's stratum changed
    synced = bool(admin_upstream_synced(backend, admin))
    if not synced and not facts.chronyd_down(backend.transport, admin):
        facts.ask_again(backend.transport, admin)
        synced = bool(converge(lambda: admin_upstream_synced(backend, admin),
                               give_up=lambda: facts.unanswered(backend.transport, admin)))
    if synced:
        for n in (n for n in nodes if not node_follows(backend, admin, n)):
            facts.ask_again(backend.transport, n)
    converge(lambda: admin_upstream_synced(backend, admin) and all(node_follows(backend, admin, n) for n in nodes),
             give_up=lambda: next(filter(None, (facts.unanswered(backend.transport, n) for n in nodes)), None))
    admin_was = bool(admin_upstream_synced(backend, admin))
    following = [n for n in nodes if node_follows(backend, admin, n)]
    yield
    faults.clear(backend)
    if facts.chronyd_down(backend.transport, admin):
        return  # nothing to heal towards: the check's own finding says why admin's chronyd is gone
    facts.ask_again(backend.transport, admin)
    if admin_was:
        assert retry.until(lambda: admin_upstream_synced(backend, admin), timeout=scaled(backend, 3 * BURST_S)), \
            f"admin did not get back to its upstream: {facts.describe_sources(backend.transport, admin)}"
    lost = [n for n in following if not node_follows(backend, admin, n)]
    for n in lost:  # a fresh iburst: nodes that followed admin's local clock take its upstream stratum at once
        sh(backend, n, "systemctl restart chronyd")
    for n in lost:
        assert retry.until(lambda n=n: node_follows(backend, admin, n), timeout=scaled(backend, 3 * BURST_S)), \
            f"{n} did not get back to admin: {facts.describe_sources(backend.transport, n)}"


@pytest.mark.req("NTP-RES-1")
def test_admin_cut_off_serves_local_stratum_and_nodes_follow(backend, admin, nodes, heal):
    faults.inject(backend, "internet-down")
    restart(backend, admin, "chronyd")
    local = retry.until(lambda: (t := facts.tracking(backend.transport, admin)) and t.refid == LOCAL_REFID and t, timeout=5)
    t = local.value or facts.tracking(backend.transport, admin)
    if not local or t.stratum != 10 or t.leap != "Normal":
        fail(f"admin, restarted while cut off, tracks {t}: expected its local clock at stratum 10 "
             "(refid 7F7F0101, leap Normal)")
    for n in nodes:  # ask now rather than at the node's next poll (64 s or more)
        facts.ask_again(backend.transport, n)
    tx, ip = backend.transport, backend.spec.host(admin).ip
    for n in nodes:  # no wait for a node that does not use admin at all, or whose burst went unanswered
        got = retry.until(lambda n=n: node_follows(backend, admin, n, stratum=11), timeout=scaled(backend, BURST_S),
                          give_up=lambda n=n: facts.unanswered(tx, n, ip))
        assert got, f"{n} does not follow admin's local clock at stratum 11: {facts.describe_sources(tx, n)}; " \
            f"{facts.tracking(tx, n)}" + (f" ({got.gave_up})" if got.gave_up else "")
    faults.inject(backend, "internet-up")
    facts.ask_again(backend.transport, admin)
    back = retry.until(lambda: admin_upstream_synced(backend, admin), timeout=scaled(backend, BURST_S))
    assert back, f"the upstream is back but admin does not re-select it: {facts.describe_sources(backend.transport, admin)}"


@pytest.mark.req("NTP-RES-2")
def test_admin_restart_nodes_keep_admin(backend, admin, nodes, heal):
    restart(backend, admin, "chronyd")
    assert retry.until(lambda: admin_upstream_synced(backend, admin), timeout=scaled(backend, BURST_S)), \
        f"admin did not synchronize to its upstream again: {facts.describe_sources(backend.transport, admin)}"
    ip = backend.spec.host(admin).ip
    for n in nodes:
        # `^*` admin: kept through the restart (a node samples admin only at its poll interval, so the bound is
        # that interval, read from `chronyc sources`, plus a burst's time)
        poll = next((2 ** s.poll for s in facts.sources(backend.transport, n) if s.name == ip), 64)
        got = retry.until(lambda n=n: (sel := facts.synced_source(backend.transport, n)) and sel.name == ip,
                          timeout=poll + scaled(backend, BURST_S),
                          give_up=lambda n=n: facts.unanswered(backend.transport, n, ip))
        assert got, f"{n} lost admin after its restart: {facts.describe_sources(backend.transport, n)}" + \
            (f" ({got.gave_up})" if got.gave_up else "")


BOOTS: dict[str, str] = {}  # node → "" when it followed admin in time after this run's reboot, else what was seen


def reboot_nodes(backend, admin, nodes) -> None:
    """`fault reboot` of every node this run has not rebooted yet, side by side (a VM boots in about a minute:
    one wait for all, not one each); each node is then followed until it takes admin again, within the bound
    counted from the end of its own boot. NTP-RES-3 and DNS-RES-3 read what these boots left."""
    bound, ip = scaled(backend, BURST_S), backend.spec.host(admin).ip

    def one(node: str) -> None:
        faults.inject(backend, "reboot", node)
        t0 = time.monotonic()
        got = retry.until(lambda: node_follows(backend, admin, node), timeout=bound,
                          give_up=lambda: facts.unanswered(backend.transport, node, ip))
        BOOTS[node] = "" if got else (
            f"not synchronized to admin {time.monotonic() - t0:.0f} s after the reboot (bound {bound:.0f} s): "
            f"{facts.describe_sources(backend.transport, node)}" + (f" ({got.gave_up})" if got.gave_up else ""))

    todo = [n for n in nodes if n not in BOOTS]
    if todo:
        with ThreadPoolExecutor(len(todo)) as pool:
            list(pool.map(one, todo))


@pytest.mark.req("NTP-RES-3")
def test_rebooted_node_resynchronizes_within_the_iburst(backend, admin, nodes, node, heal):
    reboot_nodes(backend, admin, nodes)
    assert not BOOTS[node], BOOTS[node]


@pytest.mark.req("DNS-RES-1")
def test_internet_down_cache_servfail_and_own_zones(backend, spec, admin, grader, heal):
    server, src = spec.host(admin).ip, grader
    first = dnsprobe.query(backend.transport, src, server, "google.com")
    check.has_addresses(first)
    faults.inject(backend, "internet-down")
    cached = dnsprobe.query(backend.transport, src, server, "google.com")
    check.has_addresses(cached)
    assert dnsprobe.min_ttl(cached) <= dnsprobe.min_ttl(first), \
        f"google.com's TTL went up ({dnsprobe.min_ttl(first)} → {dnsprobe.min_ttl(cached)}): not from admin's cache"
    t0 = time.monotonic()
    fresh_name = f"airgaplab-{uuid.uuid4().hex[:10]}.google.com"
    fresh = dnsprobe.query(backend.transport, src, server, fresh_name, timeout=SERVFAIL_S)
    check.servfail(fresh)
    took = time.monotonic() - t0
    assert took <= SERVFAIL_S, f"SERVFAIL came after {took:.1f} s (bound {SERVFAIL_S:.0f} s)"
    check.noerror(dnsprobe.query(backend.transport, src, server, "localhost."))
    loopback = dnsprobe.query(backend.transport, src, server, "1.0.0.127.in-addr.arpa.", rdtype="PTR")
    check.noerror(loopback)


@pytest.mark.req("DNS-RES-2")
def test_named_restart_nodes_resolve_again(backend, admin, node, heal):
    restart(backend, admin, "named")
    got = retry.until(lambda: "198.51.100." in sh(backend, node, "dig +short +time=1 +tries=1 google.com")
                      or sh(backend, node, "getent hosts google.com").strip(), timeout=BACK_S)
    assert got, f"{node} does not resolve {BACK_S:.0f} s after named is back: " + \
        sh(backend, node, "dig +time=1 +tries=1 google.com 2>&1 | tail -3")


@pytest.mark.req("DNS-RES-3")
def test_rebooted_node_keeps_admin_as_resolver(backend, spec, admin, nodes, node, heal):
    reboot_nodes(backend, admin, nodes)  # the boots NTP-RES-3 made, if it ran: heal restarts daemons, nothing more
    ns = facts.nameservers(sh(backend, node, "cat /etc/resolv.conf"))
    assert ns == [spec.host(admin).ip], f"after the reboot /etc/resolv.conf names {' '.join(ns) or 'nothing'}"
    assert sh(backend, node, "getent hosts google.com").strip(), "after the reboot the node resolves nothing"
