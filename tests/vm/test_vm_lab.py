"""The VM lab, booted for real: Debian 12 VMs under a private libvirtd, provisioned by the services' steps (the
notes' NTP and DNS, and the gateway chapter, closed).

Slow (minutes: software emulation on two cores), so not part of `make test`;
`make test-vm` runs it and CI runs that. One boot does on the VMs what `make
test` does on netns, on a box that rehearses the Rocky 10 box's traits and on the
CPU rocky10 would get, in this order, with resets between: the suite; the
resilience family (a reboot of each node); the fault verbs as a user types
them (internet-down, a restart of admin's chronyd, clear — after the family,
so its checks start from a settled admin; a reset follows); drills undone by
three resets (the first minutes after `up` saved the state: the clocks come
back, and the whole suite passes; the second after every ACL broken at once,
firewalld on); the gateway chapter opened and closed; the exercise from
`reset bare` to `solve --to 4`; teardown proves `down` leaves nothing behind.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from airgaplab.backends.vagrant.guests import box
from airgaplab.backends.vagrant.libvirt import accel
from airgaplab.exercise.drills import DRILLS
from airgaplab.lab.family import family
from airgaplab.lab.specfile import load_spec
from airgaplab.paths import default_lab_file
from airgaplab.suite.catalog import catalog
from tests.helpers import footprint_via, needs_root, suite, unchanged

from .conftest import OS, UP_TIMEOUT, assert_gone, run

pytestmark = [pytest.mark.vm, needs_root()]


@pytest.fixture(scope="module")
def vmlab(state: Path) -> Iterator[str]:
    name = "vmt"
    t0 = time.monotonic()
    # the notes' services and the gateway chapter (closed: where the NTP/DNS chapter starts)
    r = run(["up", "--backend", "vagrant", "--os", OS, "--name", name, "--services", "ntp,dns,gateway"], state,
            timeout=UP_TIMEOUT)
    print(f"up: {time.monotonic() - t0:.0f} s", file=sys.stderr)
    try:
        assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
        # the table that ends `up` says what is true then: admin's daemons started (running, or a running named
        # reloading), never `-` for a daemon that is still on its way up
        admin_row = next((line for line in r.stdout.splitlines() if re.match(r"\W*admin\s*│", line)), "")
        chronyd, named = (c.strip() for c in admin_row.split("│")[4:6])
        assert chronyd == "active" and named in ("active", "reloading"), r.stdout[-2000:]
        yield name
    finally:
        d = run(["down", "--name", name], state)
        assert d.returncode == 0, d.stdout + d.stderr
        assert_gone(name, state)


def exec_(state: Path, name: str, host: str, *argv: str) -> subprocess.CompletedProcess[str]:
    return run(["exec", "--name", name, host, "--", *argv], state, timeout=120)


def vm_suite(state: Path, name: str, *args: str) -> tuple[list[dict], str]:
    """The conformance suite on the VM lab, in a pytest of its own (as a user runs it): (outcomes, output)."""
    return suite(name, state / f"results-{uuid.uuid4().hex[:8]}.json", *args, env={"AIRGAPLAB_STATE": str(state)})


def off_by(state: Path, vmlab: str, host: str) -> float:
    """How far `host`'s clock is from this machine's, beyond the time asking took (s; 0.0 within it)."""
    before = time.time()
    guest = float(exec_(state, vmlab, host, "date", "+%s.%N").stdout)
    after = time.time()
    return guest - after if guest > after else min(guest - before, 0.0)


def clocks_right(state: Path, vmlab: str, after: str, within: float = 1.0) -> None:
    for host in ("admin", "k8s-node1", "k8s-node2"):
        off = off_by(state, vmlab, host)
        assert abs(off) < within, f"{host}'s clock is {off:+.1f} s off {after}"


def failing(outcomes: list[dict]) -> set[str]:
    return {o["req"] for o in outcomes if o["outcome"] in ("FAIL", "ERROR")}


def suite_passes(state: Path, vmlab: str) -> None:
    outcomes, out = vm_suite(state, vmlab)
    assert outcomes and all(o["outcome"] == "PASS" for o in outcomes), out[-4000:]  # none failed, none skipped
    assert "27/27 requirements pass" in out and "lab vmt on vagrant" in out, out[-2000:]  # GW-2: closed


def test_the_clocks_are_this_machines_when_up_ends(vmlab: str, state: Path) -> None:
    """`up` ends by saving the lab's state, and each VM stands still while its memory is saved (its clock with it:
    seconds behind, more on a busy machine; chronyd without `makestep` would slew for minutes)."""
    clocks_right(state, vmlab, "after `up`")


def test_suite_passes_and_check_and_it_leave_no_trace_on_the_vms(vmlab: str, state: Path) -> None:
    spec = load_spec(default_lab_file())
    fam = family(OS)

    def on(host: str, script: str) -> str:
        return exec_(state, vmlab, host, "sh", "-c", script).stdout

    before = footprint_via(on, spec, fam)
    checked = run(["check", "--name", vmlab], state, timeout=600)
    assert checked.returncode == 0, checked.stdout[-3000:] + checked.stderr[-2000:]
    unchanged(before, footprint_via(on, spec, fam), "`airgaplab check` on the VMs")
    suite_passes(state, vmlab)
    unchanged(before, footprint_via(on, spec, fam), "`pytest` on the VMs")
    assert "airgaplab-grader" in on("admin", "chronyc clients")  # who asked, named where the student looks


def test_the_box_rehearses_rocky10s_traits_on_the_cpu_rocky10_would_get(vmlab: str, state: Path) -> None:
    """The Debian box carries what of the Rocky 10 box matters to the harness — predictable NIC names, no
    NetworkManager profile on disk for the management NIC, no `hostname` (nor tar, cmp), a metadata size below the
    image's — and the guests run on the CPU rocky10 gets here: x86-64-v3 code runs inside them."""
    plan = json.loads((state / vmlab / "plan.json").read_text())
    rocky = accel.choose("auto")  # what `up --os rocky10` decides on this machine: the same for every OS
    assert (plan["driver"], plan["cpu_mode"]) == (rocky.driver, rocky.cpu_mode) and rocky.level >= 3
    assert box.METADATA_GB < box.IMAGE_GB
    for host in ("admin", "k8s-node1", "k8s-node2"):
        ldso = exec_(state, vmlab, host, "sh", "-c", "/lib64/ld-linux-x86-64.so.2 --help")
        assert "x86-64-v3 (supported, searched)" in ldso.stdout, f"{host}: {ldso.stdout[-600:]}"
        assert exec_(state, vmlab, host, "sh", "-c", "command -v hostname tar cmp").stdout.strip() == ""
        links = exec_(state, vmlab, host, "ls", "/sys/class/net").stdout.split()
        assert not [n for n in links if n.startswith("eth")], links  # ens4, ens5: nothing may assume eth0
        active = exec_(state, vmlab, host, "nmcli", "-t", "-f", "NAME,FILENAME", "connection", "show", "--active")
        assert "management:/etc/NetworkManager/system-connections/" in active.stdout, f"{host}: {active.stdout}"
        assert exec_(state, vmlab, host, "hostnamectl", "--static").stdout.strip() == host
        disk = exec_(state, vmlab, host, "lsblk", "-bdn", "-o", "SIZE", "/dev/vda").stdout.strip()
        assert int(disk) == load_spec(default_lab_file()).vm.disk_gb << 30  # not the metadata's under-stated size


def test_the_evidence_a_failed_night_keeps(vmlab: str, state: Path, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """What AIRGAPLAB_EVIDENCE keeps before `down`: the plan, vagrant's log, each guest's serial console (the
    kernel's and systemd's own words, also from a guest that never came up), journal and time (its clock against
    this machine's, chronyd's view)."""
    from airgaplab.backends import open_lab

    monkeypatch.setenv("AIRGAPLAB_STATE", str(state))
    be = open_lab(vmlab)
    try:
        kept = be.keep_evidence(tmp_path)
    finally:
        be.agents.close()  # this process's own connections to the guests (the suite's run in their own pytest)
    for host in ("admin", "k8s-node1", "k8s-node2"):
        assert {f"{host}-console.log", f"{host}-journal.log", f"{host}-time.txt"} <= set(kept), kept
        assert "login:" in (tmp_path / f"{host}-console.log").read_text(errors="replace")
        times = (tmp_path / f"{host}-time.txt").read_text()
        assert re.search(r"clock - this machine's: -?\d+\.\d+ s", times) and "Reference ID" in times, times
    assert {"plan.json", "vagrant-up.log"} <= set(kept)


def test_nodes_are_cut_off(vmlab: str, state: Path) -> None:
    routes = exec_(state, vmlab, "k8s-node1", "ip", "route")
    assert routes.returncode == 0 and "192.168.10.0/24" in routes.stdout
    assert "default" not in routes.stdout
    dig = exec_(state, vmlab, "k8s-node1", "dig", "+tries=1", "+time=2", "@8.8.8.8", "google.com")
    assert dig.returncode != 0 and "status: NOERROR" not in dig.stdout


def test_admin_has_the_notes_forwarders_and_nodes_follow_admin(vmlab: str, state: Path) -> None:
    conf = exec_(state, vmlab, "admin", "cat", "/etc/bind/named.conf")
    assert "168.126.63.1;" in conf.stdout and "8.8.8.8;" in conf.stdout and "stands in" not in conf.stdout
    sources = exec_(state, vmlab, "k8s-node1", "chronyc", "sources", "-v")
    assert any(line.startswith("^* admin") for line in sources.stdout.splitlines()), sources.stdout


def test_the_resilience_family_passes_on_the_vms(vmlab: str, state: Path) -> None:
    outcomes, out = vm_suite(state, vmlab, "-m", "resilience", "--resilience")
    assert outcomes and not failing(outcomes), out[-4000:]
    assert "6/6 requirements pass" in out, out[-2000:]


def test_the_fault_verbs_from_the_command_line(vmlab: str, state: Path) -> None:
    """internet-down, restart and clear as a user types them (the resilience family reboots the nodes)."""
    def ok(*args: str) -> None:
        r = run([*args, "--name", vmlab], state, timeout=900)
        assert r.returncode == 0, f"airgaplab {' '.join(args)}: {r.stdout[-1500:]}{r.stderr[-1500:]}"

    ok("fault", "internet-down")
    dig = exec_(state, vmlab, "admin", "dig", "+time=1", "+tries=1", "@8.8.8.8", "google.com")
    assert "status: NOERROR" not in dig.stdout, dig.stdout  # admin's way out is gone
    ok("fault", "restart", "admin", "chronyd")
    assert exec_(state, vmlab, "admin", "systemctl", "is-active", "chrony").stdout.strip() == "active"
    ok("fault", "clear")
    assert "status: NOERROR" in exec_(state, vmlab, "admin", "dig", "+time=2", "@8.8.8.8", "google.com").stdout


# Three resets, each after what it undoes: a drill the clocks must come back from, every ACL broken at once
# behind the firewall (hardening: firewalld on, as on Rocky), a node that lost its resolver.
ACL_DRILLS = ("ntp-answers-strangers", "clock-steerable-from-outside", "dns-answers-strangers", "dns-cache-readable")
DRILLED = (("nodes-lose-time",), ACL_DRILLS, ("one-node-cannot-resolve",))
ACL_REQS = {r.id for r in catalog().values() if r.kind == "ACL"}
SAVED_BEFORE_S = 180  # the first reset comes minutes after `up` saved its state: the clocks are that far behind


def test_three_drills_each_undone_by_reset(vmlab: str, state: Path) -> None:
    saved = json.loads(next(state.glob(f"{vmlab}/states/provisioned/meta.json")).read_text())["saved"]
    for i, drilled in enumerate(DRILLED):
        reqs = sorted({req for d in drilled for req, _ in DRILLS[d].breaks if "-RES-" not in req})
        picked = [arg for req in reqs for arg in ("--req", req)]
        for drill in drilled:  # stacked: `reset` goes back to the state saved before the first
            applied = run(["drill", drill, "--name", vmlab], state)
            assert applied.returncode == 0, f"{drill}: {applied.stdout[-1500:]}{applied.stderr[-1500:]}"
        if drilled == ACL_DRILLS:  # the daemons refuse, not only the firewall in front of them
            assert set(reqs) >= ACL_REQS  # every ACL at once (and chrony.conf's `allow all`: NTP-SRV-2)
            assert exec_(state, vmlab, "admin", "firewall-cmd", "--state").stdout.strip() == "running"
        outcomes, out = vm_suite(state, vmlab, "--sync-timeout", "20", *picked)
        assert failing(outcomes) == set(reqs), f"{drilled}: {out[-2500:]}"
        if drilled == ("nodes-lose-time",):  # the hint names Debian's path, not Rocky's
            assert "allow 192.168.10.0/24` in admin's /etc/chrony/chrony.conf" in out
        t0 = time.monotonic()
        reset = run(["reset", "--name", vmlab], state, timeout=600)
        print(f"{'+'.join(drilled)}: reset {time.monotonic() - t0:.0f} s, {time.time() - saved:.0f} s after the "
              "state was saved", file=sys.stderr)
        assert reset.returncode == 0 and "back to state provisioned" in reset.stdout, reset.stdout + reset.stderr
        if i == 0:
            assert time.time() - saved > SAVED_BEFORE_S  # the resilience family ran in between
            clocks_right(state, vmlab, "after reset")  # this machine's clock again, not the snapshot's
            suite_passes(state, vmlab)  # within 50 ms, all the drill broke back
        else:
            outcomes, out = vm_suite(state, vmlab, *picked)
            assert outcomes and not failing(outcomes), f"after {drilled} and reset: {out[-2500:]}"


def test_the_gateway_chapter_opens_and_closes_on_the_vms(vmlab: str, state: Path) -> None:
    """Opened, each node reaches the simulated internet through admin's masquerade (firewalld on: its policy
    forwards the internal network); closed, the rule, the policy, forwarding and the routes are gone."""
    for step, number in (("gateway-open", "5"), ("gateway-closed", "6")):
        solved = run(["solve", step, "--name", vmlab], state, timeout=600)
        assert solved.returncode == 0, solved.stdout[-2000:] + solved.stderr[-2000:]
        checked = run(["check", number, "--name", vmlab], state, timeout=600)
        assert checked.returncode == 0 and "all checks pass" in checked.stdout, checked.stdout[-3000:]
    assert "airgaplab-gateway" not in exec_(state, vmlab, "admin", "firewall-cmd", "--get-policies").stdout


def test_the_exercise_from_bare_to_solved_on_the_same_vms(vmlab: str, state: Path) -> None:
    """`up` saved the stock VMs before provisioning them: `reset bare` starts the exercise over, no new boot."""
    assert run(["reset", "bare", "--name", vmlab], state, timeout=600).returncode == 0
    bare = run(["check", "--name", vmlab], state, timeout=600)
    assert bare.returncode == 1 and "verdict" in bare.stdout, bare.stdout[-2000:]
    solved = run(["solve", "--to", "4", "--name", vmlab], state, timeout=900)
    assert solved.returncode == 0 and "step 4 dns-clients" in solved.stdout, solved.stdout + solved.stderr
    passed = run(["check", "--name", vmlab], state, timeout=900)
    assert passed.returncode == 0 and "all checks pass" in passed.stdout, passed.stdout[-3000:]
