"""The VM lab, booted for real: Debian 12 VMs under a private libvirtd, provisioned by provision/steps.

Slow (minutes: software emulation on two cores), so not part of `make test`;
`make test-vm` runs it and CI runs that. One lab serves the read-only checks;
the check that breaks chrony runs last, and teardown proves `down` leaves
nothing behind.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import ROOT, needs_root

from .conftest import OS, UP_TIMEOUT, assert_gone, run

pytestmark = [pytest.mark.vm, needs_root()]


@pytest.fixture(scope="module")
def vmlab(state: Path) -> Iterator[str]:
    name = "vmt"
    t0 = time.monotonic()
    r = run(["up", "--backend", "vagrant", "--os", OS, "--name", name], state, timeout=UP_TIMEOUT)
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


def test_suite_passes_every_requirement_on_the_vms(vmlab: str, state: Path) -> None:
    r = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--lab", vmlab, "tests/conformance"],
                       cwd=ROOT, env={**os.environ, "AIRGAPLAB_STATE": str(state)}, capture_output=True, text=True,
                       timeout=900)
    assert r.returncode == 0, r.stdout[-4000:]
    assert "26/26 requirements pass" in r.stdout and "lab vmt on vagrant" in r.stdout
    assert " skipped" not in r.stdout.splitlines()[-1], r.stdout.splitlines()[-1]


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


CLOCK_BEHIND_S = 60  # how far a restored VM's clock is behind: far more than chrony would slew in a check


def test_a_drill_then_reset_brings_every_vm_back_and_on_time(vmlab: str, state: Path) -> None:
    listed = run(["state", "list", "--name", vmlab], state)
    assert "provisioned" in listed.stdout, listed.stdout + listed.stderr  # `up` saved it: a snapshot per VM
    assert run(["drill", "nodes-lose-time", "--name", vmlab], state).returncode == 0
    broken = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--lab", vmlab,
                             "--sync-timeout", "20", "--req", "NTP-SRV-4", "tests/conformance"], cwd=ROOT,
                            capture_output=True, text=True, env={**os.environ, "AIRGAPLAB_STATE": str(state)},
                            timeout=600)
    assert broken.returncode == 1 and "NTP-SRV-4" in broken.stdout, broken.stdout[-2000:]
    # time passes: the snapshots' clocks fall behind (waiting is the point, not a wait for something)
    time.sleep(CLOCK_BEHIND_S)
    t0 = time.monotonic()
    reset = run(["reset", "--name", vmlab], state, timeout=600)
    print(f"reset: {time.monotonic() - t0:.0f} s", file=sys.stderr)
    assert reset.returncode == 0 and "back to state provisioned" in reset.stdout, reset.stdout + reset.stderr
    for host in ("admin", "k8s-node1"):  # each guest's clock is this machine's again (within ssh's delay)
        guest = float(exec_(state, vmlab, host, "date", "+%s.%N").stdout)
        assert abs(guest - time.time()) < 5, f"{host}'s clock is {guest - time.time():+.1f} s off after the reset"
    # and the whole suite, right after: every node `^*` admin within 50 ms, everything the drill broke back
    test_suite_passes_every_requirement_on_the_vms(vmlab, state)


def test_fault_verbs_on_the_vms_then_a_reset(vmlab: str, state: Path) -> None:
    def ok(*args: str) -> None:
        r = run([*args, "--name", vmlab], state, timeout=900)
        assert r.returncode == 0, f"airgaplab {' '.join(args)}: {r.stdout[-1500:]}{r.stderr[-1500:]}"

    ok("fault", "internet-down")
    dig = exec_(state, vmlab, "admin", "dig", "+time=1", "+tries=1", "@8.8.8.8", "google.com")
    assert "status: NOERROR" not in dig.stdout, dig.stdout  # admin's way out is gone
    ok("fault", "restart", "admin", "chronyd")
    ok("fault", "reboot", "k8s-node1")  # a real reboot: back when systemd says so
    assert exec_(state, vmlab, "k8s-node1", "systemctl", "is-active", "chrony").stdout.strip() == "active"
    ok("fault", "clear")
    assert "status: NOERROR" in exec_(state, vmlab, "admin", "dig", "+time=2", "@8.8.8.8", "google.com").stdout
    ok("reset")
    ntp = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--lab", vmlab, "-m", "ntp",
                          "tests/conformance"], cwd=ROOT, capture_output=True, text=True,
                         env={**os.environ, "AIRGAPLAB_STATE": str(state)}, timeout=900)
    assert ntp.returncode == 0, ntp.stdout[-3000:]


def test_removing_allow_fails_ntp_srv_4(vmlab: str, state: Path) -> None:
    """Destructive: runs last on this lab (the fixture takes it down after)."""
    broke = exec_(state, vmlab, "admin", "sh", "-c",
                  "sed -i '/^allow/d' /etc/chrony/chrony.conf && systemctl restart chrony")
    assert broke.returncode == 0, broke.stderr
    r = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--lab", vmlab, "--sync-timeout",
                        "20", "-m", "ntp", "tests/conformance"], cwd=ROOT, capture_output=True, text=True,
                       env={**os.environ, "AIRGAPLAB_STATE": str(state)}, timeout=900)
    assert r.returncode == 1, r.stdout[-3000:]
    table = {line.split()[0]: line.split()[1:] for line in r.stdout.splitlines() if line.startswith("NTP-")}
    assert table["NTP-SRV-4"] == ["FAIL", "FAIL"], table
    assert "allow 192.168.10.0/24` in admin's /etc/chrony/chrony.conf" in r.stdout  # the hint names Debian's path
