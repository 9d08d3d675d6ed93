"""DNS-SRV: admin's BIND answers the internal network only, forwards, caches and validates."""

import uuid

import dns.exception
import dns.flags
import dns.rcode
import dns.reversename
import pytest

from airgaplab import retry
from airgaplab.probes import dns as dnsprobe
from airgaplab.probes import facts
from airgaplab.probes.dns import check
from airgaplab.suite import hostcheck
from airgaplab.suite.finding import fail, hint, lacking, not_checked

pytestmark = pytest.mark.dns
LOCAL_NAME = "localhost."  # an authoritative zone on every Rocky named (named.rfc1912.zones)
EDNS_UDP_SIZE = 1232  # BIND's default: a larger answer does not fit a UDP reply


OUTSIDER = "a vantage point on the internet side of admin (an outsider: a host in the inventory's group `outsider`)"


def outside_address(backend, admin, outsider=True):
    """admin's outside address, and (`outsider`) a host on that side to ask it from."""
    target = backend.world.outside_address(admin)
    if backend.world.observe_only and (target is None or (outsider and backend.world.outsider is None)):
        not_checked(OUTSIDER if target else "admin's outside address (`airgaplab_outside_address` in the inventory)")
    if not outsider and target is not None:
        return target
    assert backend.world.outsider is not None and target is not None, (
        f"the {backend.name} backend offers no vantage point outside the ACLs (outsider {backend.world.outsider!r}, "
        f"admin's outside address {target!r}), so the claim cannot be proven")
    return target


def acl_query(backend, admin, qname, tcp=False, rd=True):
    """Ask admin from an address outside the notes' ACLs: admin itself, from its own outside address.

    No firewall stands between a host and itself, so the answer is named's own: it proves
    the ACL, whatever a host firewall in front would have dropped. (BIND's `localhost` ACL matches
    every address of admin's own: an ACL naming it lets this query through, an outsider's not.)
    """
    target = outside_address(backend, admin, outsider=False)
    vantage = f"admin itself, asking from its outside address {target} (outside the notes' ACLs)"
    try:
        return dnsprobe.query(backend.transport, admin, target, qname, tcp=tcp, source=target, vantage=vantage, rd=rd)
    except dns.exception.Timeout:
        fail(f"{vantage} asked admin at {target}: no answer at all",
             hint="named should answer REFUSED: is it listening on every address (`listen-on port 53 { any; };`)?")


@pytest.mark.host
@pytest.mark.req("DNS-SRV-1")
def test_named_installed_enabled_running(hosts, admin, fam):
    h = hosts[admin]
    if h.exists("named-checkconf") and h.file(fam.named_conf).exists:  # a config error first: it is why named stops
        r = h.run(f"named-checkconf {fam.named_conf}")
        said = " / ".join(x.strip() for x in (r.stdout + r.stderr).splitlines() if x.strip())
        assert r.rc == 0 and not said, f"`named-checkconf {fam.named_conf}` reports: {said or f'exit {r.rc}'}"
    hostcheck.service(h, "named", fam.named_service, f"{fam.install} {fam.named_pkgs}")
    if not h.file(fam.named_bak).exists:
        fail(f"the original {fam.named_bak} was not kept",
             hint=f"Back up before editing: `cp {fam.named_conf} {fam.named_bak}`.")


@pytest.mark.host
@pytest.mark.req("DNS-SRV-2")
@pytest.mark.parametrize("proto", ["udp", "tcp"])
def test_named_listens_on_admins_addresses(hosts, backend, spec, admin, proto):
    addrs = [spec.host(admin).ip] + ([o] if (o := backend.world.outside_address(admin)) else [])
    for addr in addrs:
        assert hosts[admin].socket(f"{proto}://{addr}:53").is_listening, f"nothing listens on {addr}:53/{proto}"


@pytest.mark.protocol
@pytest.mark.req("DNS-SRV-3")
def test_allow_query_answers_the_internal_network(backend, spec, admin, grader):
    check.noerror(dnsprobe.query(backend.transport, grader, spec.host(admin).ip, LOCAL_NAME))


@pytest.mark.protocol
@pytest.mark.req("DNS-SRV-3")
def test_allow_query_answers_localhost(backend, admin):
    check.noerror(dnsprobe.query(backend.transport, admin, "127.0.0.1", LOCAL_NAME))


@pytest.mark.protocol
@pytest.mark.isolation
@pytest.mark.req("DNS-SRV-3")
@pytest.mark.parametrize("tcp", [False, True], ids=["udp", "tcp"])
def test_allow_query_refuses_outside_addresses(backend, admin, tcp):
    msg = acl_query(backend, admin, LOCAL_NAME, tcp=tcp)
    check.refused(msg)
    check.ede(msg, 18)


@pytest.mark.protocol
@pytest.mark.isolation
@pytest.mark.req("DNS-SRV-3")
def test_outsider_on_the_wire_is_refused_or_dropped(backend, admin):
    target = outside_address(backend, admin)
    world = backend.world
    answer = dnsprobe.unanswered(backend.transport, world.outsider, target, LOCAL_NAME, timeout=world.silence_s)
    if backend.world.firewalled(admin):  # hardening: the host firewall drops it before named sees it
        if answer is not None:
            fail(f"the outsider asked admin at {target} `localhost A`: admin's firewall let it through ({answer})",
                 hint="With hardening, firewalld opens dns only to the internal network (zone internal).")
    elif answer is None or "REFUSED" not in answer:
        fail(f"the outsider asked admin at {target} `localhost A` over udp: got {answer or 'no answer'}, expected REFUSED")


@pytest.mark.host
@pytest.mark.config
@pytest.mark.req("DNS-SRV-3")
def test_allow_query_acl_in_named_conf(hosts, spec, admin, fam):
    got = facts.named_option(hosts[admin].file(fam.named_conf).content_string, "allow-query")
    want = spec.dns.allow_query
    # judged by meaning: BIND's `localhost` ACL is the host's own addresses, 127.0.0.1 among them
    if facts.acl_meaning(got or []) != facts.acl_meaning(want):
        fail(f"allow-query in {fam.named_conf} is {{ {'; '.join(got or [])}; }}: not whom step 3 lets ask"
             if got else f"{fam.named_conf} sets no allow-query (named's default answers anyone)",
             answer=f"expected {{ {'; '.join(want)}; }}")


@pytest.mark.protocol
@pytest.mark.req("DNS-SRV-4")
def test_recursion_for_the_internal_network(backend, spec, admin, grader):
    msg = dnsprobe.query(backend.transport, grader, spec.host(admin).ip, "google.com")
    check.noerror(msg)
    check.ra(msg)
    check.has_addresses(msg)


@pytest.mark.host
@pytest.mark.req("DNS-SRV-4")
def test_admin_resolves_through_itself(hosts, spec, admin):
    ns = facts.nameservers(hosts[admin].file("/etc/resolv.conf").content_string)
    if ns != [spec.host(admin).ip]:
        fail(f"admin's /etc/resolv.conf names {' '.join(ns) or 'no nameserver'}: admin does not ask itself",
             answer=f"expected only {spec.host(admin).ip} (itself)")
    r = hosts[admin].run("dig +short +time=2 +tries=2 google.com")
    assert r.rc == 0 and any(a[:1].isdigit() for a in r.stdout.split()), \
        f"`dig +short google.com` on admin gave {r.stdout.strip() or r.stderr.strip() or 'nothing'}"


@pytest.mark.protocol
@pytest.mark.isolation
@pytest.mark.req("DNS-SRV-4")
def test_recursion_refused_for_outside_addresses(backend, admin):
    msg = acl_query(backend, admin, f"open-resolver-{uuid.uuid4().hex[:8]}.google.com")
    if msg.rcode() != dns.rcode.REFUSED and refused_on_the_wire(backend, admin):
        return  # admin's own address is in BIND's `localhost` (`allow-recursion { localhost; }`): outsiders are refused
    if msg.rcode() != dns.rcode.REFUSED and not msg.flags & dns.flags.RA and not dnsprobe.addresses(msg):
        fail(f"admin itself, from its outside address, asked `open-resolver-….google.com`: got {dnsprobe.describe(msg)}, "
             "expected REFUSED — admin did not recurse, but answered from its cache",
             hint="Something opens admin's cache to outsiders: `allow-query-cache` in admin's /etc/named.conf "
                  "(unset, it follows allow-recursion).")
    with hint("admin recursed for its own outside address, and no outsider on the wire could show otherwise: it "
              "looks like an open resolver. Limit `allow-recursion` to 127.0.0.1 and the internal network."):
        check.refused(msg)


def refused_on_the_wire(backend, admin) -> bool:
    """Whether the outsider itself, on the wire, is refused recursion (where no host firewall drops it first)."""
    if backend.world.firewalled(admin) or backend.world.outsider is None:
        return False  # the outsider's query never reaches named (or there is none): only admin's own can tell
    said = dnsprobe.unanswered(backend.transport, backend.world.outsider, outside_address(backend, admin),
                               f"open-resolver-{uuid.uuid4().hex[:8]}.google.com", timeout=backend.world.silence_s)
    return said is not None and "REFUSED" in said


def _fresh_name() -> str:
    return f"airgaplab-{uuid.uuid4().hex[:12]}.google.com"


FORWARDER_LOG_S = 0.5  # the forwarder logs a query when it arrives, before admin has its answer: a bound, not a wait


def _forwarder_saw(backend, qname: str) -> list[str]:
    log = backend.world.forwarder_log()
    return [line for line in (log or "").splitlines() if f"({qname})" in line or f" {qname} IN" in line]


@pytest.mark.host
@pytest.mark.config
@pytest.mark.req("DNS-SRV-5")
def test_named_conf_forwards_to_the_notes_resolvers(hosts, spec, admin, fam):
    conf_fwd = facts.named_option(hosts[admin].file(fam.named_conf).content_string, "forwarders")
    want = spec.dns.forwarders
    if conf_fwd != want:
        fail(f"admin's named.conf forwards to {' '.join(conf_fwd or []) or 'no forwarders'}: not the resolvers "
             "step 3 names", answer=f"expected {' '.join(want)}")


@pytest.mark.protocol
@pytest.mark.req("DNS-SRV-5")
def test_external_name_goes_through_a_forwarder(backend, spec, admin, grader, converge, fam):
    if backend.world.forwarder_log() is None:
        lacking(backend.world, "the forwarders' query log", f"the {backend.name} lab reaches the real internet here, "
                "whose forwarders cannot be read (the netns lab and a private hypervisor show it)")
    qname = _fresh_name()
    msg = dnsprobe.query(backend.transport, grader, spec.host(admin).ip, qname)
    check.has_addresses(msg)
    admin_out = backend.world.egress_address(admin)
    seen = retry.until(lambda: _forwarder_saw(backend, qname), timeout=FORWARDER_LOG_S, interval=0.05).value
    assert seen, f"{qname} was answered ({dnsprobe.describe(msg)}) but no forwarder saw the query"
    assert not admin_out or any(admin_out in line for line in seen), \
        f"the forwarder saw {qname} but not from admin ({admin_out}): {seen[0]}"


@pytest.mark.protocol
@pytest.mark.req("DNS-SRV-6")
def test_repeated_query_comes_from_admins_cache(backend, spec, admin, grader, converge):
    server = spec.host(admin).ip
    can_see = backend.world.forwarder_log() is not None
    # a never-asked name where the forwarder's side is visible; a well-known one elsewhere
    qname = _fresh_name() if can_see else backend.world.dnssec_names().insecure
    first = dnsprobe.query(backend.transport, grader, server, qname)
    check.has_addresses(first)
    asked = len(retry.until(lambda: _forwarder_saw(backend, qname), timeout=FORWARDER_LOG_S, interval=0.05).value
                or []) if can_see else 0
    can_see = can_see and asked > 0  # admin did not ask the forwarders (DNS-SRV-5 tells): judge by the TTL

    if can_see:  # the forwarder's side: answered again, and the forwarder was not asked again
        check.has_addresses(dnsprobe.query(backend.transport, grader, server, qname))
        assert len(_forwarder_saw(backend, qname)) == asked, \
            f"the forwarder was asked for {qname} again: admin did not answer from its cache"
        return

    def from_cache():  # elsewhere: the TTL counts down (whole seconds: up to a second's wait)
        again = dnsprobe.query(backend.transport, grader, server, qname)
        return again if again.answer and dnsprobe.min_ttl(again) < dnsprobe.min_ttl(first) else None

    assert converge(from_cache, interval=0.3), \
        f"the TTL of {qname} did not count down from {dnsprobe.min_ttl(first)} s: the answer did not come from admin's cache"


@pytest.mark.protocol
@pytest.mark.req("DNS-SRV-7")
def test_dnssec_validation(backend, spec, admin, grader, fam):
    server, names, src = spec.host(admin).ip, backend.world.dnssec_names(), grader
    secure = dnsprobe.query(backend.transport, src, server, names.secure, dnssec=True)
    with hint(f"{names.secure} is signed with a valid chain: no AD means admin does not validate. "
              f"Check `dnssec-validation yes;` and the include of {fam.root_key}."):
        check.noerror(secure)
        check.ad(secure)
    insecure = dnsprobe.query(backend.transport, src, server, names.insecure, dnssec=True)
    check.noerror(insecure)
    check.no_ad(insecure)
    bogus = dnsprobe.query(backend.transport, src, server, names.bogus, dnssec=True)
    with hint(f"{names.bogus} has a broken chain of trust and must fail validation. "
              f"Check `dnssec-validation yes;` in admin's {fam.named_conf}."):
        check.servfail(bogus)
    check.has_addresses(dnsprobe.query(backend.transport, src, server, names.bogus, dnssec=True, cd=True))


@pytest.mark.protocol
@pytest.mark.req("DNS-SRV-8")
def test_the_internal_network_gets_answers_over_tcp(backend, spec, admin, grader):
    # a LAN round trip: TCP that does not answer within the silence the ACL checks wait for is dropped
    check.noerror(dnsprobe.query(backend.transport, grader, spec.host(admin).ip, LOCAL_NAME, tcp=True,
                                 timeout=backend.world.silence_s))


@pytest.mark.protocol
@pytest.mark.req("DNS-SRV-8")
def test_a_large_answer_is_truncated_over_udp_and_whole_over_tcp(backend, spec, admin, grader):
    name = backend.world.large_answer()
    if name is None:
        lacking(backend.world, f"a name whose answer exceeds {EDNS_UDP_SIZE} bytes", f"the {backend.name} lab reaches "
                "the real internet here, where none is known (the netns lab and a private hypervisor have one)",
                "airgaplab_large_answer")
    server, tx = spec.host(admin).ip, backend.transport
    check.truncated(dnsprobe.query(tx, grader, server, name, "TXT"))
    whole = dnsprobe.query(tx, grader, server, name, "TXT", tcp=True, timeout=backend.world.silence_s)
    check.noerror(whole)
    size = len(whole.to_wire())
    assert size > EDNS_UDP_SIZE and dnsprobe.texts(whole), \
        f"{grader} asked {server} `{name} TXT` over tcp: got {size} bytes, {len(dnsprobe.texts(whole))} TXT records"


@pytest.mark.protocol
@pytest.mark.isolation
@pytest.mark.req("DNS-SRV-9")
def test_outsiders_cannot_read_admins_cache(backend, spec, admin, grader):
    qname = backend.world.dnssec_names().insecure
    check.has_addresses(dnsprobe.query(backend.transport, grader, spec.host(admin).ip, qname))  # now cached
    check.refused(acl_query(backend, admin, qname, rd=False))


@pytest.mark.protocol
@pytest.mark.req("DNS-SRV-10")
def test_reverse_lookups_of_lab_addresses_stay_inside(backend, spec, admin, nodes, grader):
    reverse = dns.reversename.from_address(spec.host(nodes[0]).ip).to_text(omit_final_dot=True)
    msg = dnsprobe.query(backend.transport, grader, spec.host(admin).ip, reverse, "PTR")
    check.authoritative(msg)
    if backend.world.forwarder_log() is not None:  # and the forwarders never heard of it
        saw = retry.until(lambda: _forwarder_saw(backend, reverse), timeout=FORWARDER_LOG_S, interval=0.05).value
        assert not saw, f"the forwarder was asked for {reverse}: the lab's address went out ({saw[0]})"


@pytest.mark.protocol
@pytest.mark.req("DNS-SRV-11")
def test_negative_answers_come_from_admins_cache(backend, spec, admin, grader):
    zone = backend.world.unsigned_zone()
    if zone is None:
        lacking(backend.world, "a zone without DNSSEC whose names are known not to exist", f"the {backend.name} lab "
                "reaches the real internet here (the netns lab and a private hypervisor have one)",
                "airgaplab_unsigned_zone")
    server, qname = spec.host(admin).ip, f"airgaplab-{uuid.uuid4().hex[:12]}.{zone}"
    check.nxdomain(dnsprobe.query(backend.transport, grader, server, qname))
    # the forwarder's side, where it can be seen and admin forwards (DNS-SRV-5 proves that it does)
    asked = len(retry.until(lambda: _forwarder_saw(backend, qname), timeout=FORWARDER_LOG_S, interval=0.05).value
                or []) if backend.world.forwarder_log() is not None else 0
    second = dnsprobe.query(backend.transport, grader, server, qname)
    check.nxdomain(second)
    again = len(_forwarder_saw(backend, qname)) if asked else 0
    assert again == asked, f"asked again for {qname}, admin asked the forwarder again ({again} times in all): " \
        "it did not keep the negative answer"
    # kept for its negative TTL (the zone's SOA minimum), not for the moment of one fetch
    kept = dnsprobe.negative_ttl(second)
    assert kept, f"{grader} asked {server} `{qname} A` again: got {dnsprobe.describe(second)} with a negative TTL " \
        f"of {kept} s: admin keeps the NXDOMAIN no longer than this answer"
