"""The Vagrant/libvirt lab, as far as this machine can prove it: plan, Vagrantfile, vagrant CLI, doctor."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from airgaplab import doctor
from airgaplab.backends.vagrant import plan as vplan
from airgaplab.paths import default_lab_file
from airgaplab.spec import load_spec

from .conftest import ROOT, cli

CHECKSUM = "a" * 64


@pytest.fixture
def lab():
    return load_spec(default_lab_file())


def test_plan_networks_cut_the_nodes_off(lab, tmp_path: Path) -> None:
    p = vplan.build(lab, tmp_path)
    internal = p["networks"]["internal"]
    assert internal == {"name": "agl-ntp-dns-internal", "subnet": "192.168.10.0/24", "netmask": "255.255.255.0",
                        "host_ip": "192.168.10.1", "forward_mode": "none", "dhcp": False}
    machines = {m["name"]: m for m in p["machines"]}
    assert machines["admin"]["management_network"] == {"name": "agl-ntp-dns-nat", "mode": "nat",
                                                       "address": "192.168.125.0/24"}
    for node in ("k8s-node1", "k8s-node2"):
        assert machines[node]["management_network"] == {"name": "agl-ntp-dns-isolated", "mode": "none",
                                                        "address": "192.168.126.0/24"}
    other = vplan.build(lab.model_copy(update={"name": "lab2"}), tmp_path / "2")
    assert {n["name"] for n in other["networks"].values()}.isdisjoint({n["name"] for n in p["networks"].values()})


def test_plan_steps_and_files_follow_roles(lab, tmp_path: Path) -> None:
    p = vplan.build(lab, tmp_path)
    machines = {m["name"]: m for m in p["machines"]}
    assert machines["admin"]["steps"] == ["base", "dns-server", "ntp-server"]
    assert machines["k8s-node1"]["steps"] == ["base", "dns-client", "ntp-client"]
    assert sorted(machines["admin"]["env"]["SERVICES"].split()) == ["dns", "ntp"]
    assert machines["k8s-node1"]["env"]["SERVICES"] == ""
    for m in p["machines"]:
        for f in m["files"]:
            assert (Path(m["rendered_dir"]) / f.lstrip("/")).is_file()
        for step in m["steps"]:
            assert (Path(p["steps_dir"]) / f"{step}.sh").is_file()
    admin_conf = (Path(machines["admin"]["rendered_dir"]) / "etc/named.conf").read_text()
    assert "168.126.63.1;" in admin_conf and "8.8.8.8;" in admin_conf  # VMs use the real forwarders


def test_plan_box_is_pinned_by_url_and_checksum(lab, tmp_path: Path) -> None:
    pinned = lab.model_copy(update={"vm": lab.vm.model_copy(update={"box_checksum": CHECKSUM})})
    box = vplan.build(pinned, tmp_path)["box"]
    assert box["url"].startswith("https://dl.rockylinux.org/") and box["url"].endswith(".box")
    assert box["checksum"] == CHECKSUM and box["checksum_type"] == "sha256"
    assert vplan.build(lab, tmp_path)["machine_virtual_size"] >= 10  # the box's metadata under-states its disk


def _vagrant(args: list[str], plan: Path, dotfile: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "AIRGAPLAB_PLAN": str(plan), "VAGRANT_DOTFILE_PATH": str(dotfile)}
    return subprocess.run(["vagrant", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("nodes", [None, 5])
def test_vagrant_validate_and_status_on_the_generated_plan(nodes, tmp_path: Path) -> None:
    if shutil.which("vagrant") is None:
        pytest.fail("vagrant is not installed: run `make deps-test` (apt-get install vagrant vagrant-libvirt)")
    lab = load_spec(default_lab_file(), nodes)
    plan = vplan.write(lab, tmp_path / lab.name)
    r = _vagrant(["validate"], plan, tmp_path / "dot")
    assert r.returncode == 0, r.stdout + r.stderr
    r = _vagrant(["status", "--machine-readable"], plan, tmp_path / "dot")
    assert r.returncode == 0, r.stdout + r.stderr
    rows = [line.split(",") for line in r.stdout.splitlines()]
    states = {row[1]: row[3] for row in rows if len(row) > 3 and row[2] == "state"}
    providers = {row[1]: row[3] for row in rows if len(row) > 3 and row[2] == "provider-name"}
    assert states == {h: "not_created" for h in lab.host_names}
    assert set(providers.values()) == {"libvirt"}


def test_vagrantfile_refuses_other_providers(tmp_path: Path, lab) -> None:
    if shutil.which("vagrant") is None:
        pytest.fail("vagrant is not installed: run `make deps-test`")
    plan = vplan.write(lab, tmp_path / lab.name)
    env = {**os.environ, "AIRGAPLAB_PLAN": str(plan), "VAGRANT_DOTFILE_PATH": str(tmp_path / "dot"),
           "VAGRANT_DEFAULT_PROVIDER": "virtualbox"}
    r = subprocess.run(["vagrant", "validate"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode != 0 and "libvirt only" in r.stdout + r.stderr


def test_dry_run_prints_plan_and_commands_and_creates_nothing(state_dir: Path) -> None:
    r = cli("up", "--backend", "vagrant", "--dry-run", "--nodes", "3")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert [m["name"] for m in out["plan"]["machines"]] == ["admin", "k8s-node1", "k8s-node2", "k8s-node3"]
    assert any("vagrant up --provider=libvirt" in c for c in out["commands"])
    assert any("vagrant destroy --force" in c for c in out["commands"])
    assert not state_dir.exists() or not any(state_dir.iterdir())


def _virsh_answers() -> bool:
    if shutil.which("virsh") is None:
        return False
    return subprocess.run(["virsh", "-c", "qemu:///system", "version"], capture_output=True, timeout=30).returncode == 0


def test_doctor_tells_the_truth_about_this_machine(lab) -> None:
    found = {f.check: f for f in doctor.vagrant_findings(lab)}
    assert found["vagrant"].ok == (shutil.which("vagrant") is not None)
    plugins = subprocess.run(["vagrant", "plugin", "list"], capture_output=True, text=True).stdout \
        if shutil.which("vagrant") else ""
    assert found["vagrant-libvirt plugin"].ok == ("vagrant-libvirt" in plugins)
    assert found["libvirtd at qemu:///system"].ok == _virsh_answers()
    assert found["/dev/kvm usable"].ok == (os.path.exists("/dev/kvm") and os.access("/dev/kvm", os.R_OK | os.W_OK))
    assert found["free memory"].ok == (doctor.mem_available_mib() >= 3072 + 2048 * 2 + 1024)
    routes = subprocess.run(["ip", "-4", "route"], capture_output=True, text=True).stdout
    assert found["lab subnets free on this host"].ok == ("192.168.10." not in routes and "192.168.125." not in routes
                                                         and "192.168.126." not in routes)
    assert not found["box pinned by checksum"].ok and not found["box pinned by checksum"].blocking
    for f in found.values():
        assert f.ok or f.fix, f.check


def test_lab_up_vagrant_stops_at_doctor_when_this_machine_cannot_run_it(state_dir: Path, lab) -> None:
    blocking = doctor.blocking_failures(doctor.vagrant_findings(lab))
    r = cli("up", "--backend", "vagrant")
    if blocking:
        assert r.returncode == 2, r.stdout + r.stderr
        assert "nothing was created" in r.stderr
        for f in blocking:
            assert f.check in r.stdout + r.stderr
        assert not state_dir.exists() or not any(state_dir.iterdir())
    else:  # a KVM host: `up` would really create VMs, which is the real suite's job, not this test's
        pytest.skip("this machine can run the vagrant lab; prove it with `make lab-up BACKEND=vagrant && .venv/bin/pytest`")
