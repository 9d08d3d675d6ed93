"""VM seats over libvirt hosts, booted for real: two stand-in hosts (`airgaplab hypervisor up`: a libvirtd of its
own each, in namespaces airgaplab owns), each reached by its URI — the second over ssh (qemu+ssh://, sshd inside
its namespaces), as another machine's libvirt host is; a class of three seats of admin and one node (Debian 12
VMs) placed over them by what each has, so that one host takes two seats: each seat the notes' own addresses,
nothing of a seat routing on its host, each seat's grader reaching its own admin; a seat that fits nowhere
refused in one line; `class down` leaves both hosts as they were before the class, and `hypervisor down` leaves
nothing."""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from pathlib import Path

import pytest
import yaml

from airgaplab.backends.vagrant.guests import plan as vplan
from airgaplab.backends.vagrant.libvirt import standin
from airgaplab.backends.vagrant.libvirt.virt import Virt
from airgaplab.lab.specfile import load_spec
from airgaplab.paths import default_lab_file
from tests.helpers import lab_traces, needs_root

from .conftest import OS, UP_TIMEOUT, run

pytestmark = [pytest.mark.vm, needs_root()]
HOSTS = ("hv-a", "hv-b")
SEATS = ("seat-01", "seat-02", "seat-03")
PORT = "2298"
OVER_SSH = "hv-b"  # reached as another machine's libvirt host is


def seat_spec(where: Path, admin_mib: int = 1536) -> Path:
    """The notes' lab without k8s-node2, on small Debian 12 VMs: a seat of two VMs."""
    data = yaml.safe_load(default_lab_file().read_text())
    data["hosts"] = [{**h, "cpus": 1, "memory": admin_mib if h["name"] == "admin" else 1024}
                     for h in data["hosts"] if h["name"] != "k8s-node2"]
    data["vm"] = {**{k: v for k, v in data["vm"].items() if not k.startswith("box")}, "os": OS}
    path = where / f"seat-{admin_mib}.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def on_host(uri: str) -> tuple[list[str], list[str]]:
    """The domains and the airgaplab networks a libvirt host has."""
    with Virt.connect(uri) as v:
        nets = [n for n in v.conn.listNetworks() + v.conn.listDefinedNetworks() if n.startswith("agl-")]
        return v.domains(), sorted(nets)


def host_sh(name: str, script: str) -> str:
    """A shell script on a stand-in host, as root there (its namespaces); what it printed."""
    r = subprocess.run(standin.StandIn(name).host_argv(["sh", "-c", script]), capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


def admin_mac(spec: Path, seat: str) -> str:
    return vplan.mac(load_spec(spec).model_copy(update={"name": seat}), "admin")


def sshd_log(state: Path) -> Path:
    return state / ".hypervisors" / OVER_SSH / "ssh" / "sshd.log"


def test_vm_seats_share_libvirt_hosts_each_seat_its_own_networks_and_class_down_leaves_the_hosts_as_they_were(
        state: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRGAPLAB_STATE", str(state))  # the stand-ins, as this process looks at them
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
        up = ["class", "up", "--backend", "vagrant", "--host", uris["hv-a"], "--host", uris["hv-b"], "--bare",
              "--gateway-port", PORT]
        r = run([*up, "--spec", str(seat_spec(tmp_path, admin_mib=400_000)), "--seats", "1"], state)
        assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
        assert "seat-01 fits on no host" in r.stderr and "MiB free beyond its reserve" in r.stderr, r.stderr
        assert not (state / ".class").exists() and all(on_host(u) == ([], []) for u in uris.values())

        spec = seat_spec(tmp_path)
        r = run([*up, "--spec", str(spec), "--seats", "3"], state, timeout=UP_TIMEOUT)
        assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
        # a VM seat's shell is root in a VM, not on this machine: its gateway serves the room
        assert f"the gateway listens on 0.0.0.0:{PORT}" in " ".join(r.stdout.split()), r.stdout[-2000:]
        try:
            seats = json.loads(run(["class", "status", "--json"], state).stdout)["seats"]
            assert [(s["seat"], s["state"], s["step"]) for s in seats] == [(n, "up", 1) for n in SEATS], seats
            placed = {s["seat"]: next(h for h, u in uris.items() if u == s["host"]) for s in seats}
            assert sorted(Counter(placed.values()).values()) == [1, 2], placed  # one host takes two seats
            for h in HOSTS:
                mine = sorted(n for n in SEATS if placed[n] == h)
                domains, nets = on_host(uris[h])
                assert domains == [f"agl-{n}-{vm}" for n in mine for vm in ("admin", "k8s-node1")]
                assert nets == [f"agl-{n}-{net}" for n in mine for net in ("internal", "isolated", "nat")]
                # nothing of a seat's 192.168.10.0/24 on the host itself: no address, no route
                assert "192.168.10." not in host_sh(h, "ip -4 -o addr; ip -4 route"), h
            for n in SEATS:
                got = run(["exec", "--name", n, "admin", "--", "ip", "-4", "-o", "addr"], state)
                assert " 192.168.10.10/24 " in got.stdout, got.stdout + got.stderr  # the notes' own address, every seat
                # the seat's grader (its namespace on the host) reaches the seat's own admin, no other seat's
                neigh = host_sh(placed[n], f"ip netns exec agl-{n}-grader sh -c 'ping -c1 -W3 192.168.10.10 "
                                           ">/dev/null 2>&1; ip neigh show 192.168.10.10'")
                assert admin_mac(spec, n) in neigh, (n, neigh)
            # seats on hv-b went over ssh: their VMs through the host (ssh's ProxyCommand), root let in by its sshd
            assert all("ProxyCommand" in (state / n / "ssh_config").read_text() for n in SEATS if placed[n] == OVER_SSH)
            assert "Accepted publickey for root" in sshd_log(state).read_text()
        finally:
            d = run(["class", "down"], state)
            assert d.returncode == 0 and "3 seat(s) taken down" in d.stdout, d.stdout + d.stderr
        for h in HOSTS:  # the seats gone, the hosts still there, no grader's namespace left on them
            assert on_host(uris[h]) == ([], []) and Virt.answers(uris[h])
            assert host_sh(h, "ip netns list; ip -o link | grep -c ' agl' || true").split() == ["0"], h
        assert not (state / "seat-01").exists() and not (state / ".class").exists()
    finally:
        run(["class", "down"], state)  # idempotent: a failure above must not leave the hosts behind
        for h in HOSTS:
            d = run(["hypervisor", "down", h], state)
            assert d.returncode == 0, d.stdout + d.stderr
            assert lab_traces(h)["netns"] == []
    assert not (state / ".hypervisors" / "hv-a").exists()
