"""NTP-SRV: admin's chronyd synchronizes from upstream and serves the internal network only."""

import ipaddress

import pytest

from airgaplab import facts
from airgaplab.probes import ntp as ntpprobe
from airgaplab.pytest_plugin import expect_service, fail

pytestmark = pytest.mark.ntp


@pytest.mark.host
@pytest.mark.req("NTP-SRV-1")
def test_chronyd_installed_enabled_running(hosts, admin, fam):
    h = hosts[admin]
    expect_service(h, "NTP-SRV-1", admin, "chronyd", fam.chrony_service, f"{fam.install} {fam.chrony_pkg}")
    if not h.socket("udp://0.0.0.0:123").is_listening:
        fail("NTP-SRV-1", admin, "nothing listens on udp/123")


@pytest.mark.host
@pytest.mark.req("NTP-SRV-2")
def test_chrony_conf_matches_the_reference(hosts, lab, admin, fam):
    h = hosts[admin]
    spec = lab.lab.ntp
    lines = facts.directives(h.file(fam.chrony_conf).content_string)
    want = [f"server {s} iburst" for s in spec.upstream] + [f"allow {n}" for n in spec.allow]
    if spec.local_stratum:
        want.append(f"local stratum {spec.local_stratum}")
    missing = [w for w in want if w not in lines]
    if missing:
        fail("NTP-SRV-2", admin, f"{fam.chrony_conf} lacks {missing} (has {lines})")
    if not h.file(fam.chrony_bak).exists:
        fail("NTP-SRV-2", admin, f"the original {fam.chrony_bak} was not kept",
             f"Back up before editing: `cp {fam.chrony_conf} {fam.chrony_bak}`.")


@pytest.mark.host
@pytest.mark.req("NTP-SRV-3")
def test_admin_synchronized_to_upstream(lab, admin, converge):
    sel = converge(lambda: facts.synced_source(lab, admin))
    if not sel:
        fail("NTP-SRV-3", admin, f"no `^*` source: {facts.describe_sources(lab, admin)}")
    trk = converge(lambda: (t := facts.tracking(lab, admin)) and t.stratum == sel.stratum + 1 and t)
    trk = trk or facts.tracking(lab, admin)
    if trk is None or trk.leap != "Normal":
        fail("NTP-SRV-3", admin, f"leap status is not Normal: {trk}")
    if trk.stratum != sel.stratum + 1:
        fail("NTP-SRV-3", admin, f"stratum {trk.stratum}, expected upstream {sel.stratum} + 1 ({sel})")


@pytest.mark.protocol
@pytest.mark.req("NTP-SRV-4")
def test_admin_answers_ntp_on_the_internal_network(lab, admin, node, converge):
    server = lab.lab.host(admin).ip
    converge(lambda: facts.synced_source(lab, admin))

    def answer():
        stats = ntpprobe.request(lab, node, server)
        trk = facts.tracking(lab, admin)
        ok = stats and trk and stats.stratum == trk.stratum and stats.ref_id == trk.refid
        return (stats, trk) if ok else None

    got = converge(answer)
    stats, trk = got or (ntpprobe.request(lab, node, server), facts.tracking(lab, admin))
    if stats is None:
        fail("NTP-SRV-4", node, f"no NTP answer from admin {server}")
    if stats.mode != ntpprobe.MODE_SERVER or stats.leap == ntpprobe.LEAP_ALARM:
        fail("NTP-SRV-4", node, f"admin answered {ntpprobe.describe(stats)} (expected mode 4, leap ≠ 3)")
    if trk is None or stats.stratum != trk.stratum or stats.ref_id != trk.refid:
        fail("NTP-SRV-4", node, f"admin answered {ntpprobe.describe(stats)} but tracks {trk}")


@pytest.mark.protocol
@pytest.mark.isolation
@pytest.mark.req("NTP-SRV-5")
def test_admin_ignores_ntp_from_outside_allow(lab, admin):
    src = lab.outsider
    target = lab.outside_address(admin)
    if src is None or target is None:
        fail("NTP-SRV-5", admin, f"the {lab.name} backend offers no vantage point outside the ACLs (outsider "
             f"{src!r}, admin's outside address {target!r}), so the claim cannot be proven")
    allowed = [ipaddress.ip_network(n) for n in lab.lab.ntp.allow]
    if any(ipaddress.ip_address(target) in n for n in allowed):
        fail("NTP-SRV-5", admin, f"admin's outside address {target} is inside `allow` {lab.lab.ntp.allow}",
             "The lab's outside network must not overlap the internal one.")
    # from admin's own outside address (chronyd's own decision: no firewall between a host and itself),
    # then from the outsider on the wire
    for vantage, source in ((admin, target), (src, None)):
        stats = ntpprobe.request(lab, vantage, target, timeout=2, source=source)
        if stats is not None:
            fail("NTP-SRV-5", admin, f"answered {vantage} at {target} (from {source or 'outside'}): "
                 f"{ntpprobe.describe(stats)}")


@pytest.mark.host
@pytest.mark.req("NTP-SRV-6")
def test_chronyc_clients_lists_the_node(lab, admin, node, converge):
    ip = lab.lab.host(node).ip

    def listed():
        rc, text = facts.out(lab, admin, ["chronyc", "-c", "-n", "clients"])
        return rc == 0 and ip in facts.chrony.clients(text)

    if not converge(listed):
        _, text = facts.out(lab, admin, ["chronyc", "-n", "clients"])
        fail("NTP-SRV-6", node, f"{node} ({ip}) is not in admin's `chronyc clients`: {text.strip() or 'empty'}")
