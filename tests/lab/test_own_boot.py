"""A netns host is a host: its own processes (a PID namespace with its init as PID 1) and its own boot (a time
namespace made new at each boot). What is typed in a host — `ps`, `pkill`, `killall`, `kill -9 -1`, `reboot`,
`poweroff`, even the kernel's reboot(2) — reaches that host alone: no other host, no other lab, not the machine."""

from __future__ import annotations

import os
import time
from pathlib import Path

from airgaplab import retry
from airgaplab.backends.netns.backend import NetnsBackend
from airgaplab.backends.netns.boots import boot_record, running_pid

QUIET_COMMS = {"systemd", "systemd-journal", "NetworkManager", "chronyd", "named", "ps"}  # comm: 15 characters


def run(be: NetnsBackend, host: str, *argv: str) -> str:
    return be.transport.run(host, list(argv)).stdout.decode()


def pid_of(be: NetnsBackend, host: str, daemon: str) -> str:
    """The daemon's PID as its host numbers it ("" when it does not run)."""
    return be.transport.exec(host, ["pidof", daemon]).stdout.decode().strip()


def uptime_s(be: NetnsBackend, host: str) -> float:
    return float(run(be, host, "cat", "/proc/uptime").split()[0])


def test_ps_in_a_host_shows_that_host_alone(lab: NetnsBackend) -> None:
    for host in ("admin", "k8s-node1"):
        ps = [line.split(None, 1) for line in run(lab, host, "ps", "-eo", "pid=,comm=").splitlines()]
        procs = {int(pid): comm.strip() for pid, comm in ps}
        assert procs[1] == "systemd", procs
        assert set(procs.values()) <= QUIET_COMMS, f"{host} sees processes not its own: {procs}"
        assert ("named" in procs.values()) == (host == "admin"), procs  # admin's named is admin's alone
        # its /proc is its own: what ps read there, and what ls reads (each sees itself, not the other)
        listed = {int(p) for p in run(lab, host, "ls", "/proc").split() if p.isdigit()}
        assert len(listed ^ set(procs)) <= 2, (procs, listed)


def test_what_is_typed_in_one_host_ends_that_hosts_processes_alone(lab: NetnsBackend, netns_lab) -> None:
    other = netns_lab("other")
    watched = [(lab, "admin", "chronyd"), (lab, "k8s-node2", "chronyd"), (lab, "admin", "named"),
               (other, "admin", "chronyd"), (other, "k8s-node1", "chronyd"), (other, "admin", "named")]
    before = {(be.spec.name, h, d): pid_of(be, h, d) for be, h, d in watched}
    assert all(before.values()), before
    keepers = [running_pid(be.boots.ns_dir) for be in (lab, other)]

    said = lab.transport.exec("k8s-node1", ["pkill", "chronyd"])
    assert said.returncode == 0, said.stderr
    assert retry.until(lambda: not pid_of(lab, "k8s-node1", "chronyd"), timeout=10), "node1's chronyd outlived pkill"
    lab.transport.exec("k8s-node1", ["killall", "named"])  # none runs on node1: admin's is out of its reach
    lab.transport.exec("k8s-node2", ["kill", "-9", "-1"])  # as root: every process of node2 but its init
    assert retry.until(lambda: not pid_of(lab, "k8s-node2", "chronyd"), timeout=10), "kill -9 -1 missed chronyd"

    after = {(be.spec.name, h, d): pid_of(be, h, d) for be, h, d in watched}
    changed = {k: (before[k], after[k]) for k in before if k != (lab.spec.name, "k8s-node2", "chronyd")
               and before[k] != after[k]}
    assert not changed, f"a command typed in k8s-node1 or k8s-node2 reached {changed}"
    assert lab.boots.state("k8s-node2")[0] == "up", "kill -9 -1 ended node2's init: the host went down"
    assert [running_pid(be.boots.ns_dir) for be in (lab, other)] == keepers, "a lab's keeper was reached"


def test_a_reboot_typed_in_a_host_reboots_that_host(lab: NetnsBackend) -> None:
    machine_boot = Path("/proc/stat").read_text().split("btime ")[1].split()[0]
    others = {h: boot_record(lab.boots.ns_dir, h) for h in ("k8s-node1", "k8s-node2", "internet")}
    node_chronyd = pid_of(lab, "k8s-node1", "chronyd")
    boots = lab.boots.state("admin")[1]
    old_id = run(lab, "admin", "cat", "/proc/sys/kernel/random/boot_id")
    retry.until(lambda: uptime_s(lab, "admin") > 2, timeout=5)  # a boot's uptime is short: let it grow first

    run(lab, "admin", "systemctl", "disable", "named")
    t0 = time.time()
    # the shell that typed it ends with the host, as an ssh session does: what follows never runs
    typed = lab.transport.exec("admin", ["sh", "-c", "reboot; sleep 30; echo survived"], timeout=60)
    assert b"survived" not in typed.stdout and time.time() - t0 < 20, typed
    assert retry.until(lambda: lab.boots.state("admin") == ("up", boots + 1), timeout=30), lab.boots.state("admin")
    assert run(lab, "admin", "systemctl", "is-system-running", "--wait").strip() == "running"

    assert uptime_s(lab, "admin") < 60, "admin's uptime did not start again"
    assert run(lab, "admin", "cat", "/proc/sys/kernel/random/boot_id") != old_id
    booted = run(lab, "admin", "who", "-b")
    assert "system boot" in booted, booted
    assert lab.transport.exec("admin", ["systemctl", "is-active", "named"]).stdout.decode().strip() == "inactive"
    assert run(lab, "admin", "systemctl", "is-active", "chronyd", "NetworkManager").split() == ["active", "active"]
    assert not lab.transport.exec("admin", ["ls", "/run/named"]).stdout.strip(), "/run outlived the reboot"

    run(lab, "admin", "systemctl", "enable", "named")
    lab.reboot("admin")  # `airgaplab fault reboot admin`
    assert run(lab, "admin", "systemctl", "is-active", "named").strip() == "active", "an enabled named did not start"
    journal = run(lab, "admin", "journalctl", "-b", "-u", "named", "--no-pager")
    assert journal.count("Started named.service") == 1, journal  # this boot's start only

    assert Path("/proc/stat").read_text().split("btime ")[1].split()[0] == machine_boot
    assert {h: boot_record(lab.boots.ns_dir, h) for h in others} == others, "another host rebooted with admin"
    assert pid_of(lab, "k8s-node1", "chronyd") == node_chronyd


def test_poweroff_and_the_kernels_own_reboot_stay_in_the_host(lab: NetnsBackend) -> None:
    machine = os.readlink("/proc/self/ns/pid")
    # the kernel's reboot(2), called in the host: allowed only once the host is known to be in a PID namespace
    # of its own (there it ends the host's init, and in the machine's it would reboot this machine)
    theirs = run(lab, "k8s-node2", "readlink", "/proc/self/ns/pid").strip()
    assert theirs and theirs != machine, f"k8s-node2 is not in a PID namespace of its own ({theirs})"
    boots = lab.boots.state("k8s-node2")[1]
    lab.transport.exec("k8s-node2", ["python3", "-c", "import ctypes; ctypes.CDLL(None).reboot(0x01234567)"])
    assert retry.until(lambda: lab.boots.state("k8s-node2") == ("up", boots + 1), timeout=30), \
        lab.boots.state("k8s-node2")

    lab.transport.exec("k8s-node2", ["poweroff"])
    assert retry.until(lambda: lab.boots.state("k8s-node2")[0] == "off", timeout=30)
    down = lab.transport.exec("k8s-node2", ["true"])
    assert down.returncode == 255 and b"k8s-node2 is powered off" in down.stderr, down
    assert lab.status().hosts[2].state == "off"
    lab.reboot("k8s-node2")  # `airgaplab fault reboot` starts a host that is off
    assert run(lab, "k8s-node2", "systemctl", "is-active", "chronyd").strip() == "active"
