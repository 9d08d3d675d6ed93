"""Spec validation: every bad input is one line naming the field, exit code 2, nothing created."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from airgaplab.errors import UserError
from airgaplab.lab.specfile import load_spec, parse_spec
from airgaplab.paths import default_lab_file

from .conftest import cli

BASE = yaml.safe_load(default_lab_file().read_text())


def mutate(fn) -> dict:
    data = copy.deepcopy(BASE)
    fn(data)
    return data


BAD = {
    "ip-outside-network": (lambda d: d["hosts"][1].update(ip="192.168.20.11"), "hosts[1].ip",
                           "outside the internal network"),
    "duplicate-name": (lambda d: d["hosts"][2].update(name="k8s-node1"), "hosts", "duplicate host name 'k8s-node1'"),
    "duplicate-ip": (lambda d: d["hosts"][2].update(ip="192.168.10.11"), "hosts", "duplicate host ip"),
    "unknown-role": (lambda d: d["hosts"][1].update(roles=["ntp-clinet"]), "hosts[1].roles[0]", "unknown role 'ntp-clinet'"),
    "unknown-key": (lambda d: d["hosts"][0].update(intranet=True), "hosts[0].intranet", "unknown key"),
    "unknown-top-key": (lambda d: d.update(ntpp={}), "ntpp", "unknown key"),
    "malformed-cidr": (lambda d: d["network"].update(internal="192.168.10.0/33"), "network.internal", "CIDR"),
    "cidr-host-bits": (lambda d: d["ntp"].update(allow=["192.168.10.1/24"]), "ntp.allow", "CIDR"),
    "stratum-16": (lambda d: d["ntp"].update(local_stratum=16), "ntp.local_stratum", "1..15"),
    "stratum-0": (lambda d: d["ntp"].update(local_stratum=0), "ntp.local_stratum", "1..15"),
    "client-without-server": (lambda d: d["hosts"][0].update(roles=["dns-server"]), "hosts",
                              "role ntp-client but no host has role ntp-server"),
    "bad-forwarder": (lambda d: d["dns"].update(forwarders=["dns.google"]), "dns.forwarders", "not an IP address"),
}


@pytest.mark.parametrize("case", BAD)
def test_bad_spec_is_one_line_naming_the_field(case: str) -> None:
    fn, field, words = BAD[case]
    with pytest.raises(UserError) as err:
        parse_spec(mutate(fn), "lab.yaml")
    msg = str(err.value)
    assert "\n" not in msg
    assert msg.startswith(f"lab.yaml: {field}"), msg
    assert words in msg, msg


@pytest.mark.parametrize("case", ["ip-outside-network", "unknown-key", "stratum-16"])
def test_cli_rejects_bad_spec_with_exit_2_and_creates_nothing(case: str, tmp_path: Path, state_dir: Path) -> None:
    spec = tmp_path / "bad.yaml"
    spec.write_text(yaml.safe_dump(mutate(BAD[case][0])))
    r = cli("up", "--spec", str(spec), "--backend", "netns")
    assert r.returncode == 2, r.stdout + r.stderr
    lines = [line for line in r.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and BAD[case][1] in lines[0], r.stderr
    assert "Traceback" not in r.stderr
    assert not state_dir.exists() or not any(state_dir.iterdir())


def test_unreadable_and_non_yaml_files(tmp_path: Path, state_dir: Path) -> None:
    r = cli("up", "--spec", str(tmp_path / "missing.yaml"), "--backend", "netns")
    assert r.returncode == 2 and "cannot read the lab spec" in r.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nhosts: [\n")
    r = cli("up", "--spec", str(bad), "--backend", "netns")
    assert r.returncode == 2 and "not valid YAML at line" in r.stderr, r.stderr
    bad.write_text("- just\n- a list\n")
    r = cli("up", "--spec", str(bad), "--backend", "netns")
    assert r.returncode == 2 and "not a lab spec" in r.stderr
    assert not state_dir.exists() or not any(state_dir.iterdir())


def test_nodes_scale_to_consecutive_addresses() -> None:
    lab = load_spec(default_lab_file(), nodes=50)
    nodes = lab.nodes_list
    assert [h.name for h in nodes] == [f"k8s-node{i}" for i in range(1, 51)]
    assert nodes[0].ip == "192.168.10.11" and nodes[-1].ip == "192.168.10.60"
    assert all(set(h.roles) == {"ntp-client", "dns-client"} for h in nodes)
    assert lab.host("admin").ip == "192.168.10.10"


def test_nodes_that_do_not_fit_the_network() -> None:
    with pytest.raises(UserError, match="no room for 300 nodes"):
        load_spec(default_lab_file(), nodes=300)


def test_default_lab_is_the_reference_topology() -> None:
    lab = load_spec(default_lab_file())
    assert [(h.name, h.ip, h.internet) for h in lab.hosts] == [
        ("admin", "192.168.10.10", True), ("k8s-node1", "192.168.10.11", False), ("k8s-node2", "192.168.10.12", False)]
    assert lab.network.internal == "192.168.10.0/24"
