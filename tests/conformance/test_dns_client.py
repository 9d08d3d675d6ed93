"""DNS-CLI: every node resolves through admin, and only through admin."""

import pytest

from airgaplab import facts
from airgaplab.probes import dns as dnsprobe
from airgaplab.pytest_plugin import fail

pytestmark = pytest.mark.dns
DROP_IN = "/etc/NetworkManager/conf.d/99-dns-none.conf"


@pytest.mark.host
@pytest.mark.req("DNS-CLI-1")
def test_resolv_conf_names_admin_only(hosts, lab, admin, node):
    ns = facts.nameservers(hosts[node].file("/etc/resolv.conf").content_string)
    want = [lab.lab.host(admin).ip]
    if ns != want:
        fail("DNS-CLI-1", node, f"/etc/resolv.conf names {ns or 'no nameserver'}, expected only {want}")


@pytest.mark.host
@pytest.mark.req("DNS-CLI-2")
def test_networkmanager_leaves_resolv_conf_alone(hosts, lab, node):
    f = hosts[node].file(DROP_IN)
    if not f.exists:
        fail("DNS-CLI-2", node, f"{DROP_IN} is missing")
    lines = facts.directives(f.content_string)
    if "[main]" not in lines or "dns=none" not in lines:
        fail("DNS-CLI-2", node, f"{DROP_IN} holds {lines}, expected [main] and dns=none")
    if lab.real_networkmanager:
        before = hosts[node].file("/etc/resolv.conf").content_string
        hosts[node].run("systemctl restart NetworkManager")
        after = hosts[node].file("/etc/resolv.conf").content_string
        if before != after:
            fail("DNS-CLI-2", node, "restarting NetworkManager rewrote /etc/resolv.conf")


@pytest.mark.host
@pytest.mark.req("DNS-CLI-3")
def test_node_resolves_external_name(hosts, node):
    h = hosts[node]
    if h.exists("dig"):  # bind-utils: on netns hosts always, on VMs if installed
        r = h.run("dig +short +time=2 +tries=2 google.com")
        addrs = [a for a in r.stdout.split() if a[0].isdigit()]
        if r.rc != 0 or not addrs:
            fail("DNS-CLI-3", node, f"`dig +short google.com` gave {r.stdout.strip() or r.stderr.strip() or 'nothing'}")
    g = h.run("getent hosts google.com")
    if g.rc != 0 or not g.stdout.strip():
        fail("DNS-CLI-3", node, f"`getent hosts google.com` found nothing (exit {g.rc})")


@pytest.mark.protocol
@pytest.mark.isolation
@pytest.mark.req("DNS-CLI-4")
def test_node_cannot_query_internet_dns(lab, node):
    for real in lab.lab.dns.forwarders:
        target = lab.address_map().forwarder(real).address
        answer = dnsprobe.unanswered(lab, node, target)
        if answer is not None:
            fail("DNS-CLI-4", node, f"queried internet DNS server {target} directly and got {answer}")
