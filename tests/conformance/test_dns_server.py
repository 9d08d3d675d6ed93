"""DNS-SRV: admin's BIND answers the internal network only, forwards, caches and validates."""

import uuid

import dns.exception
import pytest

from airgaplab import facts
from airgaplab.probes import dns as dnsprobe
from airgaplab.probes.dns import check
from airgaplab.pytest_plugin import expect_service, fail

pytestmark = pytest.mark.dns
LOCAL_NAME = "localhost."  # an authoritative zone on every Rocky named (named.rfc1912.zones)


def outside_address(lab, admin, req):
    target = lab.outside_address(admin)
    if lab.outsider is None or target is None:
        fail(req, admin, f"the {lab.name} backend offers no vantage point outside the ACLs (outsider "
             f"{lab.outsider!r}, admin's outside address {target!r}), so the claim cannot be proven")
    return target


def acl_query(lab, admin, req, qname, tcp=False):
    """Ask admin from an address outside every ACL: admin's own outside address.

    No firewall stands between a host and itself, so the answer is named's own: it proves
    the ACL, whatever a host firewall in front would have dropped.
    """
    target = outside_address(lab, admin, req)
    try:
        return dnsprobe.query(lab, admin, target, qname, tcp=tcp, source=target)
    except dns.exception.Timeout:
        fail(req, admin, f"no answer at all at admin's outside address {target}",
             "named should answer REFUSED: is it listening on every address (`listen-on port 53 { any; };`)?")


def expect(req, host, checker, msg, hint=None):
    try:
        checker(msg)
    except AssertionError as e:
        fail(req, host, str(e), hint)


@pytest.mark.host
@pytest.mark.req("DNS-SRV-1")
def test_named_installed_enabled_running(hosts, admin, fam):
    h = hosts[admin]
    expect_service(h, "DNS-SRV-1", admin, "named", fam.named_service, f"{fam.install} {fam.named_pkgs}")
    r = h.run(f"named-checkconf {fam.named_conf}")
    if r.rc != 0 or r.stdout.strip() or r.stderr.strip():
        fail("DNS-SRV-1", admin, f"named-checkconf reports: {(r.stdout + r.stderr).strip() or f'exit {r.rc}'}")


@pytest.mark.host
@pytest.mark.req("DNS-SRV-2")
@pytest.mark.parametrize("proto", ["udp", "tcp"])
def test_named_listens_on_admins_addresses(hosts, lab, admin, proto):
    h = hosts[admin]
    addrs = [lab.lab.host(admin).ip] + ([o] if (o := lab.outside_address(admin)) else [])
    for addr in addrs:
        if not h.socket(f"{proto}://{addr}:53").is_listening:
            fail("DNS-SRV-2", admin, f"nothing listens on {addr}:53/{proto}")


@pytest.mark.protocol
@pytest.mark.req("DNS-SRV-3")
def test_allow_query_answers_internal_node(lab, admin, node):
    msg = dnsprobe.query(lab, node, lab.lab.host(admin).ip, LOCAL_NAME)
    expect("DNS-SRV-3", node, check.noerror, msg)


@pytest.mark.protocol
@pytest.mark.req("DNS-SRV-3")
def test_allow_query_answers_localhost(lab, admin):
    msg = dnsprobe.query(lab, admin, "127.0.0.1", LOCAL_NAME)
    expect("DNS-SRV-3", admin, check.noerror, msg)


@pytest.mark.protocol
@pytest.mark.isolation
@pytest.mark.req("DNS-SRV-3")
@pytest.mark.parametrize("tcp", [False, True], ids=["udp", "tcp"])
def test_allow_query_refuses_outside_addresses(lab, admin, tcp):
    msg = acl_query(lab, admin, "DNS-SRV-3", LOCAL_NAME, tcp=tcp)
    expect("DNS-SRV-3", admin, check.refused, msg)
    expect("DNS-SRV-3", admin, lambda m: check.ede(m, 18), msg)


@pytest.mark.protocol
@pytest.mark.isolation
@pytest.mark.req("DNS-SRV-3")
def test_outsider_on_the_wire_is_refused_or_dropped(lab, admin):
    target = outside_address(lab, admin, "DNS-SRV-3")
    answer = dnsprobe.unanswered(lab, lab.outsider, target, LOCAL_NAME, timeout=2)
    if lab.firewalled(admin):  # hardening: the host firewall drops it before named sees it
        if answer is not None:
            fail("DNS-SRV-3", "outsider", f"admin's firewall let an outside query through: {answer}",
                 "With hardening, firewalld opens dns only to the internal network (zone internal).")
    elif answer is None or "REFUSED" not in answer:
        fail("DNS-SRV-3", "outsider", f"expected REFUSED from admin at {target}, got {answer or 'no answer'}")


@pytest.mark.host
@pytest.mark.req("DNS-SRV-3")
def test_allow_query_acl_in_named_conf(hosts, lab, admin, fam):
    conf = hosts[admin].file(fam.named_conf).content_string
    got = facts.named_option(conf, "allow-query")
    if got != lab.lab.dns.allow_query:
        fail("DNS-SRV-3", admin, f"allow-query is {got}, expected {lab.lab.dns.allow_query}")


@pytest.mark.protocol
@pytest.mark.req("DNS-SRV-4")
def test_recursion_for_internal_node(lab, admin, node):
    msg = dnsprobe.query(lab, node, lab.lab.host(admin).ip, "google.com")
    for c in (check.noerror, check.ra, check.has_addresses):
        expect("DNS-SRV-4", node, c, msg)


@pytest.mark.protocol
@pytest.mark.isolation
@pytest.mark.req("DNS-SRV-4")
def test_recursion_refused_for_outside_addresses(lab, admin):
    msg = acl_query(lab, admin, "DNS-SRV-4", f"open-resolver-{uuid.uuid4().hex[:8]}.google.com")
    expect("DNS-SRV-4", admin, check.refused, msg, "admin recursed for an outside host: it is an open resolver. "
           "Limit `allow-recursion` to 127.0.0.1 and the internal network.")


def _fresh_name() -> str:
    return f"airgaplab-{uuid.uuid4().hex[:12]}.google.com"


def _forwarder_saw(lab, qname: str) -> list[str]:
    log = lab.forwarder_log()
    return [line for line in (log or "").splitlines() if f"({qname})" in line or f" {qname} IN" in line]


@pytest.mark.protocol
@pytest.mark.req("DNS-SRV-5")
def test_external_name_goes_through_a_forwarder(lab, admin, nodes, converge, fam):
    if lab.forwarder_log() is None:
        pytest.skip(f"the forwarders' query log: the {lab.name} lab reaches the real internet here, whose "
                    "forwarders cannot be read (the netns lab and a private hypervisor show it)")
    conf_fwd = facts.named_option(lab.exec(admin, ["cat", fam.named_conf]).stdout.decode(), "forwarders")
    want = [lab.address_map().forwarder(f).address for f in lab.lab.dns.forwarders]
    if conf_fwd != want:
        fail("DNS-SRV-5", "lab", f"admin's named.conf forwards to {conf_fwd or 'no forwarders'}, expected {want}")
    qname = _fresh_name()
    msg = dnsprobe.query(lab, nodes[0], lab.lab.host(admin).ip, qname)
    expect("DNS-SRV-5", "lab", check.has_addresses, msg)
    admin_out = lab.egress_address(admin)
    seen = converge(lambda: _forwarder_saw(lab, qname), interval=0.1) or []
    if not seen:
        fail("DNS-SRV-5", "lab", f"{qname} was answered ({dnsprobe.describe(msg)}) but no forwarder saw the query")
    if admin_out and not any(admin_out in line for line in seen):
        fail("DNS-SRV-5", "lab", f"the forwarder saw {qname} but not from admin ({admin_out}): {seen}")


@pytest.mark.protocol
@pytest.mark.req("DNS-SRV-6")
def test_repeated_query_comes_from_admins_cache(lab, admin, nodes, converge):
    server = lab.lab.host(admin).ip
    can_see = lab.forwarder_log() is not None
    # a never-asked name where the forwarder's side is visible; a well-known one elsewhere
    qname = _fresh_name() if can_see else lab.dnssec_names().insecure
    first = dnsprobe.query(lab, nodes[0], server, qname)
    expect("DNS-SRV-6", "lab", check.has_addresses, first)
    asked = len(_forwarder_saw(lab, qname)) if can_see else 0

    def from_cache():
        again = dnsprobe.query(lab, nodes[0], server, qname)
        return again if again.answer and dnsprobe.min_ttl(again) < dnsprobe.min_ttl(first) else None

    again = converge(from_cache, interval=0.3)
    if not again:
        fail("DNS-SRV-6", "lab", f"the TTL of {qname} did not count down from {dnsprobe.min_ttl(first)} s: "
             "the answer did not come from admin's cache")
    if can_see and len(_forwarder_saw(lab, qname)) != asked:
        fail("DNS-SRV-6", "lab", f"the forwarder was asked for {qname} again: admin did not answer from its cache")


@pytest.mark.protocol
@pytest.mark.req("DNS-SRV-7")
def test_dnssec_validation(lab, admin, nodes, fam):
    server, names, src = lab.lab.host(admin).ip, lab.dnssec_names(), nodes[0]
    secure = dnsprobe.query(lab, src, server, names.secure, dnssec=True)
    for c in (check.noerror, check.ad):
        expect("DNS-SRV-7", "lab", c, secure, f"{names.secure} is signed with a valid chain: no AD means admin "
               "does not validate. " + f"Check `dnssec-validation yes;` and the include of {fam.root_key}.")
    insecure = dnsprobe.query(lab, src, server, names.insecure, dnssec=True)
    expect("DNS-SRV-7", "lab", check.noerror, insecure)
    expect("DNS-SRV-7", "lab", check.no_ad, insecure)
    bogus = dnsprobe.query(lab, src, server, names.bogus, dnssec=True)
    expect("DNS-SRV-7", "lab", check.servfail, bogus, f"{names.bogus} has a broken chain of trust and must fail "
           f"validation. Check `dnssec-validation yes;` in admin's {fam.named_conf}.")
    unchecked = dnsprobe.query(lab, src, server, names.bogus, dnssec=True, cd=True)
    expect("DNS-SRV-7", "lab", check.has_addresses, unchecked)
