"""NTP-SRV: admin's chronyd synchronizes from upstream and serves the internal network only."""

import ipaddress

import pytest

from airgaplab.probes import chronyconf, facts
from airgaplab.probes import ntp as ntpprobe
from airgaplab.suite import hostcheck
from airgaplab.suite.finding import fail, not_checked

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
def test_chrony_conf_matches_the_reference(hosts, backend, spec, admin, fam):
    h = hosts[admin]
    lines = facts.directives(h.file(fam.chrony_conf).content_string)
    want = [f"server {s} iburst" for s in spec.ntp.upstream] + [f"allow {n}" for n in spec.ntp.allow]
    if spec.ntp.local_stratum:
        want.append(f"local stratum {spec.ntp.local_stratum}")
    want.append(f"logdir {spec.ntp.logdir}")
    extra = [s for s in chronyconf.source_lines(lines) if s.name not in spec.ntp.upstream]
    followed = facts.synced_source(backend.transport, admin) if extra else None  # which one admin follows
    said = chronyconf.server_symptoms(lines, upstream=spec.ntp.upstream, internal=str(spec.network.net),
                                      local_stratum=spec.ntp.local_stratum, logdir=spec.ntp.logdir,
                                      followed=followed.name if followed else None)
    missing = [w for w in want if w not in lines]
    if said or missing:
        fail(f"admin's {fam.chrony_conf}: " + ("; ".join(said) or f"{len(missing)} of the settings step 1 asks "
                                                                   "for are written otherwise"),
             answer=f"it lacks `{'`, `'.join(missing)}`" if missing else None)
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
def test_admin_answers_ntp_on_the_internal_network(backend, spec, admin, node, grader, grader_ip, converge):
    server, node_ip = spec.host(admin).ip, spec.host(node).ip
    seen = [None, None]  # the last answer and admin's tracking, for the failure message

    def answer():
        # the node's own chronyd is step 2's: admin's side is judged by admin's own access decision for the node
        # and a real request from the grader's address on the same network (no request from the node itself,
        # which would list it in admin's `chronyc clients`). No answer within the silence the ACL checks wait
        # for is none (converge asks again).
        if facts.denied(backend.transport, admin, node_ip):
            return None
        seen[:] = (ntpprobe.request(backend.transport, grader, server, timeout=backend.world.silence_s),
                   facts.tracking(backend.transport, admin))
        stats, trk = seen
        return stats and trk and stats.leap != ntpprobe.LEAP_ALARM and stats.stratum == trk.stratum \
            and stats.ref_id == trk.refid

    got = converge(answer, give_up=lambda: facts.serves_no_time(backend.transport, admin, node_ip)
                   or facts.serves_no_time(backend.transport, admin, grader_ip))
    stats, trk = seen
    asked = f"{grader} ({grader_ip}, on the internal network with {node}) asked admin {server} for the time " \
        "(NTP, udp/123)"
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
    if backend.world.observe_only and target is None:  # chronyd's decision is read on admin: no outsider needed
        not_checked("admin's outside address (`airgaplab_outside_address` in the inventory)")
    assert (src is not None or backend.world.observe_only) and target is not None, (
        f"the {backend.name} backend offers no vantage point outside the ACLs (outsider {src!r}, admin's outside "
        f"address {target!r}), so the claim cannot be proven")
    allowed = [ipaddress.ip_network(n) for n in spec.ntp.allow]
    if any(ipaddress.ip_address(target) in n for n in allowed):
        fail(f"admin's outside address {target} is inside `allow` {' '.join(spec.ntp.allow)}",
             hint="The lab's outside network must not overlap the internal one.")
    # chronyd's own decision, read on admin (`chronyc accheck`): nothing is sent, so nothing lands in its client
    # log — while a real request from outside, answered by a broken `allow`, would list a stranger there
    for addr, who in ((target, "admin's outside address"), (ANYONE, "an address on the internet")):
        said = facts.access(backend.transport, admin, "accheck", addr)
        assert said is not None, f"cannot tell: admin's `chronyc accheck {addr}` did not answer"
        assert not said, f"admin's chronyd would give time to {who} {addr} (`chronyc accheck {addr}`: {said})"


ANYONE = "198.51.100.200"  # a documentation address standing for any host on the internet (never sent to)


@pytest.mark.host
@pytest.mark.req("NTP-SRV-6")
def test_chronyc_clients_lists_the_node(backend, spec, admin, node, converge):
    ip = spec.host(node).ip

    def clients():
        rc, text = facts.out(backend.transport, admin, ["chronyc", "-c", "-n", "clients"])
        return facts.chrony.clients(text) if rc == 0 else []

    def replied() -> bool:  # the node's own chronyd had a reply from admin (the client log keeps old entries)
        _, text = facts.out(backend.transport, node, ["chronyc", "-n", "ntpdata", spec.host(admin).ip])
        return any(t.received for t in facts.chrony.traffic(text))

    def not_asked_since_admin_restarted() -> bool:  # admin's client log starts anew with its chronyd: the node
        # is listed again at its next poll (2^poll s), which the grader does not hasten (that would change the lab)
        src = next((s for s in facts.sources(backend.transport, node) if s.name == spec.host(admin).ip), None)
        age = facts.running_for(backend.transport, admin, "chronyd")
        return src is not None and age is not None and age < 2 ** src.poll

    # the suite asks admin from the grader's address, never from a node: a node listed asked admin itself
    got = converge(lambda: replied() and (ip in clients() or not_asked_since_admin_restarted()),
                   give_up=lambda: facts.no_time_from(backend.transport, admin, spec.host(admin).ip, node, ip))
    if not got:
        listed = clients()
        seen = (f"{node} ({ip}) is in admin's `chronyc clients` from before, but its own chronyd has had no reply "
                "from admin" if ip in listed else
                f"{node} ({ip}) is not in admin's `chronyc clients`, which lists {', '.join(listed) or 'no one'}")
        fail(seen + (f" — {got.gave_up}" if got.gave_up else ""))


@pytest.mark.protocol
@pytest.mark.isolation
@pytest.mark.req("NTP-SRV-7")
def test_admins_control_ports_answer_no_other_host(backend, spec, admin, nodes):
    # chronyd's command port, read on admin rather than asked (an answered `chronyc -h` would list the asker in
    # admin's `chronyc clients`): where its socket listens, and whom `cmdallow` lets in (`chronyc cmdaccheck`)
    _, bound = facts.out(backend.transport, admin, ["ss", "-Hlun", "sport = :323"])
    wide = [a for a in (line.split()[3].rsplit(":", 1)[0].strip("[]") for line in bound.splitlines() if line.split())
            if a not in ("127.0.0.1", "::1")]
    if wide:
        for ip in [*(spec.host(n).ip for n in nodes), spec.grader_ip, ANYONE]:
            said = facts.access(backend.transport, admin, "cmdaccheck", ip)
            assert not said, f"admin's chronyd listens for commands on {', '.join(wide)} (udp/323) and lets {ip} " \
                f"in (`chronyc cmdaccheck {ip}`: {said})"
    # named's control channel: a connection attempt, which named records nowhere a student looks
    vantages = [(admin, spec.host(admin).ip), (nodes[0], spec.host(admin).ip)]
    if backend.world.outsider and (outside := backend.world.outside_address(admin)):
        vantages.append((backend.world.outsider, outside))
    for src, addr in vantages:
        rc, _ = facts.out(backend.transport, src, ["timeout", "2", "bash", "-c", f"exec 3<>/dev/tcp/{addr}/953"])
        assert rc != 0, f"{src} connected to named's control channel at {addr}:953/tcp"
