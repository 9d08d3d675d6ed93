"""VM seats over libvirt hosts, booted for real: two stand-in hosts (`airgaplab hypervisor up`: a libvirtd of its
own each, in namespaces airgaplab owns), each reached by its URI — the second over ssh (qemu+ssh://, sshd inside
its namespaces), as another machine's libvirt host is; a class of two seats of admin and one node (Debian 12
VMs), placed one per host; a third seat refused in one line; `class down` leaves both hosts as they were before
the class, and `hypervisor down` leaves nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from airgaplab.backends.vagrant.virt import Virt
from airgaplab.paths import default_lab_file
from tests.helpers import lab_traces, needs_root

from .conftest import OS, UP_TIMEOUT, run

pytestmark = [pytest.mark.vm, needs_root()]
HOSTS = ("hv-a", "hv-b")
SEATS = ("seat-01", "seat-02")
PORT = "2298"
OVER_SSH = "hv-b"  # reached as another machine's libvirt host is


def seat_spec(where: Path) -> Path:
    """The notes' lab without k8s-node2, on small Debian 12 VMs: a seat of two VMs."""
    data = yaml.safe_load(default_lab_file().read_text())
    data["hosts"] = [{**h, "cpus": 1, "memory": 1536 if h["name"] == "admin" else 1024}
                     for h in data["hosts"] if h["name"] != "k8s-node2"]
    data["vm"] = {**{k: v for k, v in data["vm"].items() if not k.startswith("box")}, "os": OS}
    path = where / "seat.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def on_host(uri: str) -> tuple[list[str], list[str]]:
    """The domains and the airgaplab networks a libvirt host has."""
    with Virt.connect(uri) as v:
        nets = [n for n in v.conn.listNetworks() + v.conn.listDefinedNetworks() if n.startswith("agl-")]
        return v.domains(), sorted(nets)


def sshd_log(state: Path) -> Path:
    return state / ".hypervisors" / OVER_SSH / "ssh" / "sshd.log"


def test_vm_seats_are_placed_one_per_libvirt_host_and_class_down_leaves_the_hosts_as_they_were(
        state: Path, tmp_path: Path) -> None:
    uris: dict[str, str] = {}
    try:
        for h in HOSTS:
            r = run(["hypervisor", "up", h, *(["--ssh"] if h == OVER_SSH else [])], state)
            assert r.returncode == 0, r.stdout + r.stderr
            uris[h] = r.stdout.strip().splitlines()[-1]
            assert on_host(uris[h]) == ([], [])
        assert uris[OVER_SSH].startswith(f"qemu+ssh://root@{OVER_SSH}/system?"), uris
        # a host's name is the machine's (its namespaces); `hypervisor down` from another state dir leaves it be
        other = run(["hypervisor", "down", "hv-a"], tmp_path / "other-state")
        assert other.returncode == 0 and "nothing to stop" in other.stdout and Virt.answers(uris["hv-a"]), other.stdout
        up = ["class", "up", "--backend", "vagrant", "--host", uris["hv-a"], "--host", uris["hv-b"],
              "--spec", str(seat_spec(tmp_path)), "--bare", "--gateway-port", PORT]
        r = run([*up, "--seats", "3"], state)
        assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
        assert "seat-03 fits on no host" in r.stderr and "at most 1 seat(s) per host" in r.stderr, r.stderr
        assert not (state / ".class").exists() and all(on_host(u) == ([], []) for u in uris.values())

        r = run([*up, "--seats", "2"], state, timeout=UP_TIMEOUT)
        assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
        # a VM seat's shell is root in a VM, not on this machine: its gateway serves the room
        assert f"the gateway listens on 0.0.0.0:{PORT}" in " ".join(r.stdout.split()), r.stdout[-2000:]
        try:
            seats = json.loads(run(["class", "status", "--json"], state).stdout)["seats"]
            assert [(s["seat"], s["host"], s["state"]) for s in seats] == \
                [("seat-01", uris["hv-a"], "up"), ("seat-02", uris["hv-b"], "up")], seats
            assert [s["step"] for s in seats] == [1, 1]  # bare seats: the exercise at its start, graded on the VMs
            for seat, h in zip(SEATS, HOSTS, strict=True):
                assert on_host(uris[h]) == ([f"agl-{seat}-admin", f"agl-{seat}-k8s-node1"],
                                           [f"agl-{seat}-{n}" for n in ("internal", "isolated", "nat")])
                got = run(["exec", "--name", seat, "admin", "--", "ip", "-4", "-o", "addr"], state)
                assert " 192.168.10.10/24 " in got.stdout, got.stdout + got.stderr  # the notes' own address, every seat
            # seat-02 went over ssh: its VMs through the host (ssh's ProxyCommand), its host's sshd let root in
            assert "ProxyCommand" in (state / "seat-02" / "ssh_config").read_text()
            assert "Accepted publickey for root" in sshd_log(state).read_text()
        finally:
            d = run(["class", "down"], state)
            assert d.returncode == 0 and "2 seat(s) taken down" in d.stdout, d.stdout + d.stderr
        for h in HOSTS:  # the seats gone, the hosts still there
            assert on_host(uris[h]) == ([], []) and Virt.answers(uris[h])
        assert not (state / "seat-01").exists() and not (state / ".class").exists()
    finally:
        run(["class", "down"], state)  # idempotent: a failure above must not leave the hosts behind
        for h in HOSTS:
            d = run(["hypervisor", "down", h], state)
            assert d.returncode == 0, d.stdout + d.stderr
            assert lab_traces(h)["netns"] == []
    assert not (state / ".hypervisors" / "hv-a").exists()
