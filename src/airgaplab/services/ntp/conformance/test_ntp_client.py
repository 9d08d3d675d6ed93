"""NTP-CLI: every node takes its time from admin, and only from admin."""

import dns.exception
import pytest

from airgaplab.probes import chrony, chronyconf, facts
from airgaplab.probes import dns as dnsprobe
from airgaplab.probes import ntp as ntpprobe
from airgaplab.suite.finding import fail

pytestmark = pytest.mark.ntp
OFFSET_BOUND_S = 0.050
SOURCE_DIRECTIVES = ("server", "pool", "peer", "refclock", "sourcedir")


@pytest.mark.host
@pytest.mark.req("NTP-CLI-1")
def test_node_has_admin_as_only_time_source(hosts, spec, admin, node, fam):
    lines = facts.directives(hosts[node].file(fam.chrony_conf).content_string)
    src = [line for line in lines if line.split()[0] in SOURCE_DIRECTIVES]
    want = f"server {spec.host(admin).ip} iburst"
    if said := chronyconf.client_symptoms(lines, spec.host(admin).ip):
        fail(f"{node}'s {fam.chrony_conf}: " + "; ".join(said), answer=f"expected only `{want}`")
    if others := [line for line in src if line.split()[0] not in chronyconf.SOURCE_KINDS]:  # refclock, sourcedir
        fail(f"{node}'s {fam.chrony_conf} names time sources besides admin: " + ", ".join(f"`{x}`" for x in others),
             answer=f"expected only `{want}`")
    if f"logdir {spec.ntp.logdir}" not in lines:
        fail(f"{fam.chrony_conf} sets no log directory", answer=f"expected `logdir {spec.ntp.logdir}`")
    if not hosts[node].file(fam.chrony_bak).exists:
        fail(f"the original {fam.chrony_bak} was not kept",
             hint=f"Back up before editing: `cp {fam.chrony_conf} {fam.chrony_bak}`.")


@pytest.mark.host
@pytest.mark.req("NTP-CLI-2")
def test_node_synchronized_to_admin(backend, spec, admin, node, converge):
    server = spec.host(admin).ip

    def synced():
        sel = facts.synced_source(backend.transport, node)
        a, n = facts.tracking(backend.transport, admin), facts.tracking(backend.transport, node)
        ok = sel and sel.name == server and a and n and n.stratum == a.stratum + 1 and n.leap == "Normal"
        seen[:] = [n if ok else None]
        # an offset still being slewed away converges too (a restarted node's first updates)
        return n if ok and n and abs(n.offset) <= OFFSET_BOUND_S else None

    if why := facts.denied(backend.transport, admin, spec.host(node).ip):  # a `^*` it shows is a stale one
        fail(f"{node} can follow admin only on answers it got before: {why}")
    seen: list[chrony.Tracking | None] = [None]  # the node's tracking when it followed admin
    got = converge(synced, give_up=lambda: facts.no_time_from(backend.transport, admin, server, node,
                                                              spec.host(node).ip))
    if not got and seen[0]:
        fail(f"offset to admin {seen[0].offset * 1000:.1f} ms exceeds {OFFSET_BOUND_S * 1000:.0f} ms")
    if not got:
        a, n = facts.tracking(backend.transport, admin), facts.tracking(backend.transport, node)
        fail(f"{node} does not follow admin: its `chronyc sources`: {facts.describe_sources(backend.transport, node)}; "
             f"{node} {n.summary() if n else 'has no tracking'}; admin {a.summary() if a else 'has no tracking'}"
             + (f" — {got.gave_up}" if got.gave_up else ""))


@pytest.mark.protocol
@pytest.mark.isolation
@pytest.mark.req("NTP-CLI-3")
def test_node_cannot_reach_internet_ntp(backend, spec, admin, node, converge):
    # admin's sources appear once chronyd has resolved their names; with admin's chronyd down, the upstream
    # names as admin's named resolves them
    targets = converge(lambda: sorted({s.name for s in facts.sources(backend.transport, admin)}),
                       give_up=lambda: facts.chronyd_down(backend.transport, admin)).value \
        or _resolved(backend, admin, spec.ntp.upstream)
    assert targets, "cannot tell: admin's chronyd has no upstream sources, and its named resolves none of " \
        f"{', '.join(spec.ntp.upstream)}, so there is no internet NTP server to try from the node"
    silence = backend.world.silence_s
    answered = {t: s for t in targets
                if (s := ntpprobe.request(backend.transport, node, t, timeout=silence)) is not None}
    assert not answered, "got time directly from internet servers: " + \
        "; ".join(f"{t}: {ntpprobe.describe(s)}" for t, s in answered.items())


def _resolved(backend, admin, names) -> list[str]:
    found: set[str] = set()
    for name in names:
        try:
            found |= set(dnsprobe.addresses(dnsprobe.query(backend.transport, admin, "127.0.0.1", name)))
        except dns.exception.Timeout:
            continue
    return sorted(found)
