"""NTP-CLI: every node takes its time from admin, and only from admin."""

import pytest

from airgaplab import facts
from airgaplab.finding import fail
from airgaplab.probes import ntp as ntpprobe

pytestmark = pytest.mark.ntp
OFFSET_BOUND_S = 0.050
SOURCE_DIRECTIVES = ("server", "pool", "peer", "refclock", "sourcedir")


@pytest.mark.host
@pytest.mark.req("NTP-CLI-1")
def test_node_has_admin_as_only_time_source(hosts, spec, admin, node, fam):
    lines = facts.directives(hosts[node].file(fam.chrony_conf).content_string)
    src = [line for line in lines if line.split()[0] in SOURCE_DIRECTIVES]
    want = f"server {spec.host(admin).ip} iburst"
    have = ", ".join(f"`{line}`" for line in src) or "none"
    assert src == [want], f"the time sources in {fam.chrony_conf} are {have}; expected only `{want}`"
    assert f"logdir {spec.ntp.logdir}" in lines, f"{fam.chrony_conf} has no `logdir {spec.ntp.logdir}`"
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
        return n if ok else None

    got = converge(synced, give_up=lambda: facts.no_time_from(backend.transport, admin, server, node,
                                                              spec.host(node).ip))
    if not got:
        a, n = facts.tracking(backend.transport, admin), facts.tracking(backend.transport, node)
        fail(f"is not synchronized to admin: `{facts.describe_sources(backend.transport, node)}`; node {n}; admin {a}"
             + (f" ({got.gave_up})" if got.gave_up else ""))
    offset = got.value.offset
    assert abs(offset) <= OFFSET_BOUND_S, f"offset to admin {offset * 1000:.1f} ms exceeds {OFFSET_BOUND_S * 1000:.0f} ms"


@pytest.mark.protocol
@pytest.mark.isolation
@pytest.mark.req("NTP-CLI-3")
def test_node_cannot_reach_internet_ntp(backend, admin, node, converge):
    # admin's sources appear once chronyd has resolved their names
    targets = converge(lambda: sorted({s.name for s in facts.sources(backend.transport, admin)})).value
    assert targets, "admin has no upstream NTP sources to try from the node"
    silence = backend.world.silence_s
    answered = {t: s for t in targets
                if (s := ntpprobe.request(backend.transport, node, t, timeout=silence)) is not None}
    assert not answered, "got time directly from internet servers: " + \
        "; ".join(f"{t}: {ntpprobe.describe(s)}" for t, s in answered.items())
