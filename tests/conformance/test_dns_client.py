"""DNS-CLI: every node resolves through admin, and only through admin."""

import pytest

from airgaplab import facts
from airgaplab.probes import dns as dnsprobe

pytestmark = pytest.mark.dns
DROP_IN = "/etc/NetworkManager/conf.d/99-dns-none.conf"


@pytest.mark.host
@pytest.mark.req("DNS-CLI-1")
def test_resolv_conf_names_admin_only(hosts, spec, admin, node):
    ns = facts.nameservers(hosts[node].file("/etc/resolv.conf").content_string)
    want = [spec.host(admin).ip]
    assert ns == want, f"/etc/resolv.conf names {' '.join(ns) or 'no nameserver'}, expected only {want[0]}"


@pytest.mark.host
@pytest.mark.req("DNS-CLI-2")
def test_networkmanager_leaves_resolv_conf_alone(hosts, backend, node):
    f = hosts[node].file(DROP_IN)
    assert f.exists, f"{DROP_IN} is missing"
    lines = facts.directives(f.content_string)
    assert "[main]" in lines and "dns=none" in lines, \
        f"{DROP_IN} holds {' / '.join(lines) or 'nothing'}, expected [main] and dns=none"
    # the event the notes warn about: a connection coming up makes NetworkManager write resolv.conf
    conn = backend.world.nm_connection(node)
    before = hosts[node].file("/etc/resolv.conf").content_string
    up = hosts[node].run(f"nmcli connection up {conn}")
    after = hosts[node].file("/etc/resolv.conf").content_string
    assert up.rc == 0, f"`nmcli connection up {conn}` failed: {(up.stderr or up.stdout).strip()}"
    assert before == after, f"`nmcli connection up {conn}` rewrote /etc/resolv.conf: {' / '.join(after.splitlines())}"


@pytest.mark.host
@pytest.mark.req("DNS-CLI-3")
def test_node_resolves_external_name(hosts, node):
    h = hosts[node]
    if h.exists("dig"):  # bind-utils: on netns hosts always, on VMs if installed
        r = h.run("dig +short +time=2 +tries=2 google.com")
        addrs = [a for a in r.stdout.split() if a[0].isdigit()]
        assert r.rc == 0 and addrs, \
            f"`dig +short google.com` gave {r.stdout.strip() or r.stderr.strip() or 'nothing'}"
    g = h.run("getent hosts google.com")
    assert g.rc == 0 and g.stdout.strip(), f"`getent hosts google.com` found nothing (exit {g.rc})"


@pytest.mark.protocol
@pytest.mark.isolation
@pytest.mark.req("DNS-CLI-4")
def test_node_cannot_query_internet_dns(backend, spec, node):
    for target in spec.dns.forwarders:
        answer = dnsprobe.unanswered(backend.transport, node, target, timeout=backend.world.silence_s)
        assert answer is None, f"queried internet DNS server {target} directly and got {answer}"
