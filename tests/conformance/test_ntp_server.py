"""NTP-SRV: admin's chronyd synchronizes from upstream and serves the internal network only."""

import ipaddress
from concurrent.futures import ThreadPoolExecutor

import pytest

from airgaplab import facts, hostcheck
from airgaplab.finding import fail
from airgaplab.probes import ntp as ntpprobe

pytestmark = pytest.mark.ntp
TIMEDATECTL_KEYS = ("System clock synchronized", "NTP service")


@pytest.mark.host
@pytest.mark.req("NTP-SRV-1")
def test_chronyd_installed_enabled_running(hosts, admin, fam):
    h = hosts[admin]
    hostcheck.service(h, "chronyd", fam.chrony_service, f"{fam.install} {fam.chrony_pkg}")
    if not h.socket("udp://0.0.0.0:123").is_listening:  # it runs (hostcheck said so): it serves no one
        fail("admin's chronyd runs, but nothing listens on udp/123: it serves time to no one",
             hint="chronyd opens udp/123 only when chrony.conf lets some client in (`allow`).")


@pytest.mark.host
@pytest.mark.req("NTP-SRV-2")
def test_chrony_conf_matches_the_reference(hosts, spec, admin, fam):
    h = hosts[admin]
    lines = facts.directives(h.file(fam.chrony_conf).content_string)
    want = [f"server {s} iburst" for s in spec.ntp.upstream] + [f"allow {n}" for n in spec.ntp.allow]
    if spec.ntp.local_stratum:
        want.append(f"local stratum {spec.ntp.local_stratum}")
    want.append(f"logdir {spec.ntp.logdir}")
    missing = [w for w in want if w not in lines]
    if missing:
        fail(f"{len(missing)} of the {len(want)} settings step 1 asks for are not in {fam.chrony_conf}",
             answer=f"it lacks `{'`, `'.join(missing)}`")
    if not h.file(fam.chrony_bak).exists:
        fail(f"the original {fam.chrony_bak} was not kept",
             hint=f"Back up before editing: `cp {fam.chrony_conf} {fam.chrony_bak}`.")


@pytest.mark.host
@pytest.mark.req("NTP-SRV-3")
def test_admin_synchronized_to_upstream(backend, admin, converge):
    def synced():
        sel, trk = facts.synced_source(backend.transport, admin), facts.tracking(backend.transport, admin)
        return (sel, trk) if sel and trk and trk.stratum == sel.stratum + 1 and trk.leap == "Normal" else None

    got = converge(synced, give_up=lambda: facts.unanswered(backend.transport, admin))
    if not got:
        fail(f"not synchronized to an upstream: sources {facts.describe_sources(backend.transport, admin)}; "
             f"tracking {facts.tracking(backend.transport, admin)}" + (f" — {got.gave_up}" if got.gave_up else ""))
    # the notes' own check, as they show it
    status = converge(lambda: (t := facts.timedatectl(backend.transport, admin)).get("System clock synchronized") == "yes"
                      and t.get("NTP service") == "active" and t)
    assert status, "`timedatectl status` does not say `System clock synchronized: yes` and `NTP service: active`: " + \
        "; ".join(f"{k}: {v}" for k, v in facts.timedatectl(backend.transport, admin).items() if k in TIMEDATECTL_KEYS)


@pytest.mark.protocol
@pytest.mark.req("NTP-SRV-4")
def test_admin_answers_ntp_on_the_internal_network(backend, spec, admin, node, converge):
    server = spec.host(admin).ip
    seen = [None, None]  # the last answer and admin's tracking, for the failure message

    def answer():
        # a LAN round trip: no answer within the silence the ACL checks wait for is none (converge asks again)
        seen[:] = (ntpprobe.request(backend.transport, node, server, timeout=backend.world.silence_s),
                   facts.tracking(backend.transport, admin))
        stats, trk = seen
        return stats and trk and stats.leap != ntpprobe.LEAP_ALARM and stats.stratum == trk.stratum \
            and stats.ref_id == trk.refid

    # admin's side only: this is step 1, whatever the node's own chronyd (step 2) does
    got = converge(answer, give_up=lambda: facts.serves_no_time(backend.transport, admin, spec.host(node).ip))
    stats, trk = seen
    asked = f"{node} ({spec.host(node).ip}) asked admin {server} for the time (NTP, udp/123)"
    assert stats is not None, f"{asked}: no answer" + (f" — {got.gave_up}" if got.gave_up else "")
    assert stats.mode == ntpprobe.MODE_SERVER and stats.leap != ntpprobe.LEAP_ALARM, \
        f"{asked}: got {ntpprobe.describe(stats)}, expected mode 4 and leap ≠ 3"
    assert trk is not None and stats.stratum == trk.stratum and stats.ref_id == trk.refid, \
        f"{asked}: got {ntpprobe.describe(stats)}, but admin tracks {trk}"


@pytest.mark.protocol
@pytest.mark.isolation
@pytest.mark.req("NTP-SRV-5")
def test_admin_ignores_ntp_from_outside_allow(backend, spec, admin):
    src, target = backend.world.outsider, backend.world.outside_address(admin)
    assert src is not None and target is not None, (
        f"the {backend.name} backend offers no vantage point outside the ACLs (outsider {src!r}, admin's outside "
        f"address {target!r}), so the claim cannot be proven")
    allowed = [ipaddress.ip_network(n) for n in spec.ntp.allow]
    if any(ipaddress.ip_address(target) in n for n in allowed):
        fail(f"admin's outside address {target} is inside `allow` {' '.join(spec.ntp.allow)}",
             hint="The lab's outside network must not overlap the internal one.")
    # from admin's own outside address (chronyd's own decision: no firewall between a host and itself),
    # and from the outsider on the wire; both wait out the same silence, side by side
    vantages = ((admin, target), (src, None))
    with ThreadPoolExecutor(len(vantages)) as pool:
        replies = list(pool.map(
            lambda v: ntpprobe.request(backend.transport, v[0], target, timeout=backend.world.silence_s,
                                       source=v[1]), vantages))
    for (_, source), stats in zip(vantages, replies, strict=True):
        where = f"admin's outside address {source}" if source else "the outsider"
        assert stats is None, f"{where} asked admin at {target} for the time: got {ntpprobe.describe(stats)}, " \
            "expected no answer"


@pytest.mark.host
@pytest.mark.req("NTP-SRV-6")
def test_chronyc_clients_lists_the_node(backend, spec, admin, node, converge):
    ip = spec.host(node).ip

    def clients():
        rc, text = facts.out(backend.transport, admin, ["chronyc", "-c", "-n", "clients"])
        return facts.chrony.clients(text) if rc == 0 else []

    def replied() -> bool:  # the node's own chronyd was answered (the suite's probes are clients too)
        _, text = facts.out(backend.transport, node, ["chronyc", "-n", "ntpdata", spec.host(admin).ip])
        return any(t.received for t in facts.chrony.traffic(text))

    got = converge(lambda: ip in clients() and replied(),
                   give_up=lambda: facts.no_time_from(backend.transport, admin, spec.host(admin).ip, node, ip))
    if not got:
        listed = clients()
        seen = (f"{node} ({ip}) is in admin's `chronyc clients` only for the suite's probes: its own chronyd had "
                "no reply from admin" if ip in listed else
                f"{node} ({ip}) is not in admin's `chronyc clients`, which lists {', '.join(listed) or 'no one'}")
        fail(seen + (f" — {got.gave_up}" if got.gave_up else ""))


CHRONYC_QUICK = ["-n", "-m", "timeout 300", "retries 1"]  # chronyc's own retries would take seconds


@pytest.mark.protocol
@pytest.mark.isolation
@pytest.mark.req("NTP-SRV-7")
def test_admins_control_ports_answer_no_other_host(backend, spec, admin, nodes):
    # admin asking its own internal address first: no firewall between a host and itself, so a silence there is
    # the daemons' own (a node's and the outsider's may be a firewall's, with hardening)
    vantages = [(admin, spec.host(admin).ip), (nodes[0], spec.host(admin).ip)]
    if backend.world.outsider and (outside := backend.world.outside_address(admin)):
        vantages.append((backend.world.outsider, outside))
    for src, addr in vantages:
        _, said = facts.out(backend.transport, src, ["chronyc", "-h", addr, *CHRONYC_QUICK, "tracking"])
        assert "Reference ID" not in said, f"{src} asked admin's chronyd at {addr} (udp/323) `chronyc tracking`: " \
            f"it answered ({said.splitlines()[0].strip()}, …)"
        rc, _ = facts.out(backend.transport, src, ["timeout", "2", "bash", "-c", f"exec 3<>/dev/tcp/{addr}/953"])
        assert rc != 0, f"{src} connected to named's control channel at {addr}:953/tcp"
