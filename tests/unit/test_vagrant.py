"""The Vagrant/libvirt lab, as far as this machine can prove it: plan, Vagrantfile, vagrant CLI, doctor."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from airgaplab.backends.vagrant import doctor as vdoctor
from airgaplab.backends.vagrant.guests import box
from airgaplab.backends.vagrant.guests import plan as vplan
from airgaplab.cli import doctor
from airgaplab.errors import UserError
from airgaplab.lab import render
from airgaplab.lab.family import family
from airgaplab.lab.specfile import load_spec
from airgaplab.paths import default_lab_file
from tests.helpers import ROOT

from .conftest import cli

CHECKSUM = "a" * 64


@pytest.fixture
def lab():
    return load_spec(default_lab_file())


def test_plan_networks_cut_the_nodes_off(lab) -> None:
    p = vplan.build(lab)
    internal = p["networks"]["internal"]
    assert internal == {"name": "agl-ntp-dns-internal", "subnet": "192.168.10.0/24", "netmask": "255.255.255.0",
                        "host_ip": "192.168.10.1", "forward_mode": "none", "dhcp": False}
    machines = {m["name"]: m for m in p["machines"]}
    assert machines["admin"]["management_network"] == {"name": "agl-ntp-dns-nat", "mode": "nat",
                                                       "address": "192.168.125.0/24",
                                                       "mac": vplan.mac(lab, "admin", "management")}
    for node in ("k8s-node1", "k8s-node2"):
        assert machines[node]["management_network"] == {"name": "agl-ntp-dns-isolated", "mode": "none",
                                                        "address": "192.168.126.0/24",
                                                        "mac": vplan.mac(lab, node, "management")}
    other = vplan.build(lab.model_copy(update={"name": "lab2"}))
    assert {n["name"] for n in other["networks"].values()}.isdisjoint({n["name"] for n in p["networks"].values()})
    assert p["default_prefix"] != other["default_prefix"]  # libvirt domain names never collide between labs


def test_plan_steps_and_env_follow_roles(lab) -> None:
    p = vplan.build(lab)
    machines = {m["name"]: m for m in p["machines"]}
    assert machines["admin"]["steps"] == ["base", "dns-server", "ntp-server"]
    assert machines["k8s-node1"]["steps"] == ["base", "dns-client", "ntp-client"]
    assert sorted(machines["admin"]["env"]["SERVICES"].split()) == ["dns", "ntp"]
    assert machines["k8s-node1"]["env"]["SERVICES"] == ""
    macs = [m["mac"] for m in p["machines"]]
    assert len(set(macs)) == len(macs) and all(m.startswith("52:54:00:") for m in macs)
    for m in p["machines"]:  # the base step finds the internal NIC by the MAC the Vagrantfile gives it
        assert m["env"]["INTERNAL_MAC"] == m["mac"] and m["env"]["HOST_NAME"] == m["name"]
        assert m["env"]["INTERNAL_IP"] == m["ip"] and m["env"]["INTERNAL_PREFIX"] == "24"
    staged = render.step_scripts()  # the common steps and each service's, as provisioning stages them
    for step in ("base", "dns-server", "ntp-server", "dns-client", "ntp-client"):
        assert f"{step}.sh" in staged


def test_a_bare_admins_firewall_is_open_to_what_its_steps_will_serve(lab, state_dir: Path) -> None:
    """`up` saves bare hosts (base step only, roles stripped) for the exercise: the notes open no port, so the
    hardened admin must open dns and ntp already then — or every node's query meets firewalld's reject."""
    from airgaplab.backends.vagrant.backend import VagrantBackend

    plan = VagrantBackend(lab).provision_plan()
    bare = {h.name: plan.env(h.model_copy(update={"roles": []}))["SERVICES"] for h in lab.hosts}
    assert sorted(bare["admin"].split()) == ["dns", "ntp"] and bare["k8s-node1"] == ""


@pytest.mark.parametrize("os_name", ["rocky10", "debian12"])
def test_rendered_files_use_the_family_paths_and_the_notes_values(lab, os_name: str) -> None:
    fam = family(os_name)
    files = render.files_for(lab, lab.host("admin"), fam=fam)
    assert set(files) == {fam.chrony_conf, fam.named_conf, "/etc/resolv.conf",
                          "/etc/NetworkManager/conf.d/99-dns-none.conf"}
    named = files[fam.named_conf]
    assert "168.126.63.1;" in named and "8.8.8.8;" in named and "stands in" not in named  # the notes' values
    assert f'directory \t"{fam.named_dir}";' in named and f'include "{fam.root_key}";' in named
    assert "allow 192.168.10.0/24" in files[fam.chrony_conf] and "local stratum 10" in files[fam.chrony_conf]
    env = render.step_env(lab, fam)
    assert env["CHRONY_CONF"] == fam.chrony_conf and env["CHRONY_BAK"].endswith("chrony.bak")
    node = render.files_for(lab, lab.host("k8s-node1"), fam=fam)
    assert "server 192.168.10.10 iburst" in node[fam.chrony_conf]


def test_named_conf_keeps_each_familys_layout(lab, tmp_path: Path) -> None:
    debian = render.files_for(lab, lab.host("admin"), fam=family("debian12"))["/etc/bind/named.conf"]
    assert "crypto-policies" not in debian and "/var/named" not in debian  # Rocky-only paths stay out
    if Path("/etc/bind/named.conf.default-zones").exists():  # a Debian machine: its stock includes are here
        (tmp_path / "named.conf").write_text(debian)
        r = subprocess.run(["named-checkconf", str(tmp_path / "named.conf")], capture_output=True, text=True)
        assert r.returncode == 0, r.stdout + r.stderr
    rocky = render.files_for(lab, lab.host("admin"), fam=family("rocky10"))["/etc/named.conf"]
    assert 'include "/etc/crypto-policies/back-ends/bind.config";' in rocky and 'file "named.ca";' in rocky


def test_plan_box_is_pinned_by_url_and_checksum(lab) -> None:
    pinned = lab.model_copy(update={"vm": lab.vm.model_copy(update={"box_checksum": CHECKSUM})})
    box = vplan.build(pinned)["box"]
    assert box["url"].startswith("https://dl.rockylinux.org/") and box["url"].endswith(".box")
    assert box["checksum"] == CHECKSUM and box["checksum_type"] == "sha256"
    assert vplan.build(lab)["machine_virtual_size"] >= 10  # the box's metadata under-states its disk


def test_debian_plan_boots_the_local_box_under_emulation(lab) -> None:
    deb = lab.model_copy(update={"vm": lab.vm.model_copy(update={"os": "debian12"})})
    p = vplan.build(deb, accel="qemu")
    assert p["box"]["name"] == box.recipe("debian12").box_name and p["box"]["url"] is None
    assert p["driver"] == "qemu" and p["cpu_mode"] == "maximum" and p["boot_timeout"] >= 600  # x86-64-v3, never qemu64
    assert {m["cpus"] for m in p["machines"]} == {1}  # three guests, two cores
    assert p["machines"][0]["env"]["CHRONY_CONF"] == "/etc/chrony/chrony.conf"
    kvm = vplan.build(deb, accel="kvm")
    assert kvm["driver"] == "kvm" and kvm["machines"][0]["cpus"] == 2


def test_box_recipe_key_changes_with_what_goes_in() -> None:
    a = box.recipe("debian12")
    assert a.key == box.recipe("debian12").key
    assert box.recipe("debian12", mirror="http://mirror.example/debian").key != a.key
    assert a.box_name.startswith("airgaplab/debian12-") and box.box_file(a).name.endswith(".box")
    with pytest.raises(UserError, match="no recipe"):
        box.recipe("windows")


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
    out = json.loads(r.stdout)
    assert r.returncode == (1 if out["up_would_stop_on"] else 0), r.stderr
    assert [m["name"] for m in out["plan"]["machines"]] == ["admin", "k8s-node1", "k8s-node2", "k8s-node3"]
    assert any("vagrant up --provider=libvirt" in c for c in out["commands"])
    assert any("vagrant destroy --force" in c for c in out["commands"])
    assert not state_dir.exists() or not any(state_dir.iterdir())


def test_doctor_tells_the_truth_about_this_machine(lab) -> None:
    from airgaplab.backends.vagrant.doctor import private_hypervisor_missing
    from airgaplab.backends.vagrant.libvirt import libvirtd

    found = {f.check: f for f in vdoctor.findings(lab)}
    assert found["vagrant"].ok == (shutil.which("vagrant") is not None)
    plugins = subprocess.run(["vagrant", "plugin", "list"], capture_output=True, text=True).stdout \
        if shutil.which("vagrant") else ""
    assert found["vagrant-libvirt plugin"].ok == ("vagrant-libvirt" in plugins)
    # rocky10 (the default spec) runs only on a system libvirtd: its box and admin's packages need the internet
    assert found["hypervisor"].ok == libvirtd.reachable()
    if not libvirtd.reachable() and libvirtd.system_libvirtd().state == "stopped":
        assert "systemctl enable --now" in found["hypervisor"].fix
    debian = {f.check: f for f in vdoctor.findings(lab.model_copy(
        update={"vm": lab.vm.model_copy(update={"os": "debian12"})}))}
    assert debian["hypervisor"].ok == (libvirtd.reachable() or not private_hypervisor_missing())
    assert found["guest CPU"].detail.startswith(("KVM", "software emulation"))
    assert found["free memory"].ok == (vdoctor.mem_available_mib() >= 3072 + 2048 * 2 + 1024)
    routes = subprocess.run(["ip", "-4", "route"], capture_output=True, text=True).stdout
    assert found["lab subnets free on this host"].ok == ("192.168.10." not in routes and "192.168.125." not in routes
                                                         and "192.168.126." not in routes)
    assert not found["box pinned by checksum"].ok and not found["box pinned by checksum"].blocking
    for f in found.values():
        assert f.ok or f.fix, f.check


def test_lab_up_vagrant_stops_at_doctor_and_creates_nothing(state_dir: Path, lab, tmp_path: Path) -> None:
    """A box that is nowhere (not cached, no URL) blocks on every machine, KVM host or not."""
    import yaml

    data = lab.model_dump()
    data["vm"].update(box="airgaplab-test-no-such-box", box_url=None)
    spec = tmp_path / "nobox.yaml"
    spec.write_text(yaml.safe_dump(data))
    blocking = doctor.blocking_failures(vdoctor.findings(load_spec(spec)))
    assert "box" in [f.check for f in blocking]
    r = cli("up", "--backend", "vagrant", "--spec", str(spec))
    assert r.returncode == 2, r.stdout + r.stderr
    assert "nothing was created" in r.stderr
    for f in blocking:
        assert f.check in r.stdout + r.stderr
    assert not state_dir.exists() or not any(state_dir.iterdir())


def test_each_lab_has_a_vagrantfile_root_of_its_own_and_a_seats_plan_names_its_libvirt_host(lab, state_dir: Path) -> None:
    from airgaplab.backends.vagrant.backend import VagrantBackend

    if shutil.which("vagrant") is None:
        pytest.fail("vagrant is not installed: run `make deps-test` (apt-get install vagrant vagrant-libvirt)")
    seat = lab.model_copy(update={"name": "seat-01", "vm": lab.vm.model_copy(update={"host": "qemu:///system"})})
    a, b = VagrantBackend(seat), VagrantBackend(lab.model_copy(update={"name": "seat-02"}))
    # Vagrant's machine index knows a machine by name and Vagrantfile path: one root per lab, or two seats'
    # `admin` are one machine to it and the second `vagrant up` fails on the first one's lock
    assert a.runner.env["VAGRANT_CWD"] != b.runner.env["VAGRANT_CWD"]
    assert json.loads(vplan.write(seat, a.state.dir).read_text())["uri"] == "qemu:///system"
    r = subprocess.run(["vagrant", "validate"], env=a.runner.env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr


def test_a_seat_on_a_host_over_ssh_reaches_its_vms_through_the_host(lab, state_dir: Path) -> None:
    from airgaplab.backends.vagrant.backend import VagrantBackend

    uri = "qemu+ssh://lab@kvm1/system?keyfile=/k/id"
    seat = VagrantBackend(lab.model_copy(update={"name": "seat-01", "vm": lab.vm.model_copy(update={"host": uri})}))
    plan = json.loads(vplan.write(seat.spec, seat.state.dir, **seat.hv.reach()).read_text())
    assert plan["uri"] == uri and plan["proxy_command"] == "ssh -o BatchMode=yes -T -l lab -i /k/id -W %h:%p kvm1"
    assert plan["insert_key"]  # another machine's VMs: Vagrant swaps the box's public key, as it always does
    assert vplan.build(lab)["proxy_command"] is None  # this machine's: reached directly
