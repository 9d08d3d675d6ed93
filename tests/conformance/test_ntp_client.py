"""NTP-CLI: every node takes its time from admin, and only from admin."""

import pytest

from airgaplab import facts
from airgaplab.probes import ntp as ntpprobe
from airgaplab.pytest_plugin import fail

pytestmark = pytest.mark.ntp
OFFSET_BOUND_S = 0.050
SOURCE_DIRECTIVES = ("server", "pool", "peer", "refclock", "sourcedir")


@pytest.mark.host
@pytest.mark.req("NTP-CLI-1")
def test_node_has_admin_as_only_time_source(hosts, lab, admin, node, fam):
    lines = facts.directives(hosts[node].file(fam.chrony_conf).content_string)
    src = [line for line in lines if line.split()[0] in SOURCE_DIRECTIVES]
    want = f"server {lab.lab.host(admin).ip} iburst"
    if src != [want]:
        fail("NTP-CLI-1", node, f"time sources in {fam.chrony_conf} are {src}, expected exactly [{want!r}]")


@pytest.mark.host
@pytest.mark.req("NTP-CLI-2")
def test_node_synchronized_to_admin(lab, admin, node, converge):
    server = lab.lab.host(admin).ip

    def synced():
        sel = facts.synced_source(lab, node)
        a, n = facts.tracking(lab, admin), facts.tracking(lab, node)
        ok = sel and sel.name == server and a and n and n.stratum == a.stratum + 1 and n.leap == "Normal"
        return (sel, a, n) if ok else None

    got = converge(synced)
    if not got:
        a, n = facts.tracking(lab, admin), facts.tracking(lab, node)
        fail("NTP-CLI-2", node, f"is not synchronized to admin: `{facts.describe_sources(lab, node)}`; "
             f"node {n}; admin {a}")
    _, _, n = got
    if abs(n.offset) > OFFSET_BOUND_S:
        fail("NTP-CLI-2", node, f"offset to admin {n.offset * 1000:.1f} ms exceeds {OFFSET_BOUND_S * 1000:.0f} ms")


@pytest.mark.protocol
@pytest.mark.isolation
@pytest.mark.req("NTP-CLI-3")
def test_node_cannot_reach_internet_ntp(lab, admin, node, converge):
    upstream = converge(lambda: facts.synced_source(lab, admin))
    targets = {s.name for s in facts.sources(lab, admin)} | ({upstream.name} if upstream else set())
    if not targets:
        fail("NTP-CLI-3", node, "admin has no upstream NTP sources to try from the node",
             "admin's chrony.conf needs its upstream `server` lines (see NTP-SRV-2) before isolation can be shown")
    for target in sorted(targets):
        stats = ntpprobe.request(lab, node, target, timeout=1.5)
        if stats is not None:
            fail("NTP-CLI-3", node, f"got time directly from internet server {target}: {ntpprobe.describe(stats)}")
