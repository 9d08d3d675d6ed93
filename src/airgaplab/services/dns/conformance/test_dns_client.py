"""DNS-CLI: every node resolves through admin, and only through admin."""

import shlex

import pytest

from airgaplab.probes import dns as dnsprobe
from airgaplab.probes import facts
from airgaplab.suite.finding import fail, not_checked

pytestmark = pytest.mark.dns
# NetworkManager's own files, in the order it merges them (a drop-in of any name counts, as it does for it)
NM_FILES = ("for f in /etc/NetworkManager/NetworkManager.conf /etc/NetworkManager/conf.d/*.conf; do "
            "[ -f \"$f\" ] && { echo \"### $f\"; cat \"$f\"; }; done; true")


@pytest.mark.host
@pytest.mark.req("DNS-CLI-1")
def test_resolv_conf_names_admin_only(hosts, spec, admin, node):
    ns = facts.nameservers(hosts[node].file("/etc/resolv.conf").content_string)
    want = [spec.host(admin).ip]
    if ns != want:
        fail(f"/etc/resolv.conf names {' '.join(ns) or 'no nameserver'}: not admin alone",
             answer=f"expected only {want[0]}")


# `nmcli connection up`, then resolv.conf as it left it (printed after AFTER), put back as it was before
AFTER = "\x1eafter\x1e"
KEPT = "/run/airgaplab-resolv.conf"


def provoke(conn: str) -> str:
    return (f"cp -p /etc/resolv.conf {KEPT} && {{ nmcli connection up {conn}; rc=$?; printf '{AFTER}'; "
            f"cat /etc/resolv.conf; [ \"$(sha256sum < {KEPT})\" = \"$(sha256sum < /etc/resolv.conf)\" ] || "
            f"cat {KEPT} > /etc/resolv.conf; touch -r {KEPT} /etc/resolv.conf; rm -f {KEPT}; exit $rc; }}")


@pytest.mark.host
@pytest.mark.req("DNS-CLI-2")
def test_networkmanager_leaves_resolv_conf_alone(hosts, backend, node):
    main = facts.networkmanager_main(hosts[node].run(NM_FILES).stdout)
    dns, where = main.get("dns", ("default", "NetworkManager's default"))
    unmanaged = main.get("rc-manager", ("", ""))[0] == "unmanaged"
    if dns != "none" and not unmanaged:
        fail(f"NetworkManager runs with dns={dns} ({where}): it rewrites /etc/resolv.conf whenever a connection "
             "comes up", answer="expected a drop-in in /etc/NetworkManager/conf.d/ saying dns=none under [main]")
    if backend.world.observe_only:  # `nmcli connection up` changes a host: here, when NetworkManager last started
        return _read_since_networkmanager_started(hosts[node], where)
    # the event the notes warn about: a connection coming up makes NetworkManager write resolv.conf. The grader
    # leaves no trace: what NetworkManager rewrote goes back as the student had it (content, owner, mode, mtime).
    conn = backend.world.nm_connection(node)
    before = hosts[node].file("/etc/resolv.conf").content_string
    up = hosts[node].run(provoke(conn))
    after = up.stdout.split(AFTER, 1)[1] if AFTER in up.stdout else before
    assert up.rc == 0, f"`nmcli connection up {conn}` failed: {(up.stderr or up.stdout.split(AFTER)[0]).strip()}"
    if before != after:
        fail(f"`nmcli connection up {conn}` rewrote /etc/resolv.conf ({' / '.join(after.splitlines())}) although "
             f"{where} says dns=none: the running NetworkManager has not read it",
             hint="NetworkManager reads conf.d only when it starts or reloads: `systemctl restart NetworkManager` "
                  "after writing the drop-in, as the notes do.")


@pytest.mark.host
@pytest.mark.req("DNS-CLI-3")
def test_node_resolves_external_name(hosts, node):
    h = hosts[node]
    if h.exists("dig"):  # bind-utils: on netns hosts always, on VMs if installed
        r = h.run("dig +short +time=2 +tries=2 google.com")
        addrs = [a for a in r.stdout.split() if a[0].isdigit()]
        said = next((x.strip() for x in (r.stdout + r.stderr).splitlines() if x.strip()), "nothing")
        assert r.rc == 0 and addrs, f"`dig +short google.com` on {node} gave: {said}"
    g = h.run("getent hosts google.com")
    assert g.rc == 0 and g.stdout.strip(), f"`getent hosts google.com` found nothing (exit {g.rc})"


@pytest.mark.protocol
@pytest.mark.isolation
@pytest.mark.req("DNS-CLI-4")
def test_node_cannot_query_internet_dns(backend, spec, node):
    for target in spec.dns.forwarders:
        answer = dnsprobe.unanswered(backend.transport, node, target, timeout=backend.world.silence_s)
        assert answer is None, f"queried internet DNS server {target} directly and got {answer}"


def _read_since_networkmanager_started(host, where: str) -> None:
    """Read-only: the drop-in that says dns=none is older than the running NetworkManager, which read it then.
    A newer one may have been read by a reload, which only `nmcli connection up` would show: not checked."""
    path = where.split(" ")[0] if where.startswith("/") else ""
    r = host.run(f"stat -c %Y {path} 2>/dev/null; systemctl status --no-pager NetworkManager | "
                 "sed -n 's/.*Active: active (running) since \\(.*\\);.*/\\1/p'")
    lines = r.stdout.split("\n", 1)
    if not path or len(lines) < 2 or not lines[0].strip().isdigit():
        return  # NetworkManager's defaults, or dns=none in no file of its own: nothing newer than it
    started = host.run(f"date -d {shlex.quote(lines[1].strip())} +%s 2>/dev/null").stdout.strip()
    if not started.isdigit():
        not_checked(f"whether the running NetworkManager has read {path}: `systemctl status NetworkManager` gives no "
                    "start time (is it running?), and `nmcli connection up` would change the host")
    if int(lines[0]) > int(started):
        not_checked(f"whether NetworkManager has read {path}, written after it started (a reload would have): "
                    "only `nmcli connection up` shows it, which a read-only run does not do")
