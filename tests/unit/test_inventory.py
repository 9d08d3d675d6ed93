"""An operator's inventory read as they keep it (Ansible's INI and YAML with group_vars/, testinfra's ssh:// list),
the ssh command line it gives, the one line that says why a host cannot be judged, and what the report says of
each host. No host is reached here: tests/lab/test_inventory.py does that, over real sshd."""

from __future__ import annotations

import subprocess
import sys
from ipaddress import IPv4Interface as IF
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from airgaplab.errors import UserError
from airgaplab.inventory import reach
from airgaplab.inventory.network import internal_network, spec_name
from airgaplab.inventory.ssh import SshTransport
from airgaplab.inventory.targets import Inventory, Target, load
from airgaplab.lab.specfile import load_spec
from airgaplab.paths import default_lab_file
from airgaplab.suite.outcomes import Result, host_verdicts
from tests.helpers import ROOT
from tests.unit.conftest import cli, examples, within_time

INI = """\
[admin]
admin ansible_host=192.168.10.10

[nodes]
k8s-node[1:2] ansible_user=ops

[nodes:vars]
ansible_become=true

[all:vars]
ansible_ssh_common_args='-o ProxyJump=ops@bastion.example.org -o ServerAliveInterval=10'
"""


def test_an_ansible_ini_inventory_with_group_vars_is_read_as_ansible_reads_it(tmp_path: Path) -> None:
    (tmp_path / "hosts.ini").write_text(INI)
    (tmp_path / "group_vars").mkdir()
    (tmp_path / "group_vars" / "all.yml").write_text("ansible_port: 2222\nairgaplab_forwarders: [192.0.2.53]\n")
    inv = load(str(tmp_path / "hosts.ini"))
    assert [(t.name, t.role, t.address, t.user, t.port, t.become) for t in inv.targets] == [
        ("admin", "admin", "192.168.10.10", None, 2222, False),
        ("k8s-node1", "node", "k8s-node1", "ops", 2222, True),
        ("k8s-node2", "node", "k8s-node2", "ops", 2222, True)]
    assert inv.admin.ssh_args == ("-o", "ProxyJump=ops@bastion.example.org", "-o", "ServerAliveInterval=10")
    assert inv.settings["airgaplab_forwarders"] == ["192.0.2.53"]


def test_a_yaml_inventory_names_admin_by_its_role_variable(tmp_path: Path) -> None:
    (tmp_path / "net.yml").write_text("""\
all:
  hosts:
    mgmt.example.org: {ansible_host: 10.0.0.5, airgaplab_role: admin, ansible_ssh_private_key_file: /k/id}
    worker-1.example.org: {ansible_host: 10.0.0.6, ansible_python_interpreter: /usr/bin/python3.12}
""")
    inv = load(str(tmp_path / "net.yml"))
    assert [(t.name, t.role, t.address) for t in inv.targets] == [("mgmt", "admin", "10.0.0.5"),
                                                                   ("worker-1", "node", "10.0.0.6")]
    assert inv.admin.key == "/k/id" and inv.nodes[0].python == "/usr/bin/python3.12"


def test_testinfras_host_list_as_a_string_and_as_a_file(tmp_path: Path) -> None:
    urls = "ssh://root@192.168.10.10,ssh://ops@k8s-node1.lan:2222?sudo=true&ssh_identity_file=/k/id"
    (tmp_path / "hosts.txt").write_text(urls.replace(",", "\n") + "\n")
    for source in (urls, str(tmp_path / "hosts.txt")):
        inv = load(source)
        assert [(t.name, t.role, t.user, t.port, t.become, t.key) for t in inv.targets] == [
            ("admin", "admin", "root", None, False, None), ("k8s-node1", "node", "ops", 2222, True, "/k/id")]


@pytest.mark.parametrize(("text", "said"), [
    ("[nodes]\nk8s-node1\nk8s-node2\n", "no host is admin"),
    ("[admin]\nadmin\n[admin2]\n[nodes]\nk8s-node1 airgaplab_role=admin\n", "2 hosts are admin"),
    ("[admin]\nadmin\n", "admin alone"),
    ("", "no hosts found"),
])
def test_an_inventory_the_suite_cannot_use_is_one_line(tmp_path: Path, text: str, said: str) -> None:
    (tmp_path / "hosts.ini").write_text(text)
    with pytest.raises(UserError, match=said) as e:
        load(str(tmp_path / "hosts.ini"))
    assert "\n" not in str(e.value)


def test_a_missing_inventory_says_what_to_give() -> None:
    with pytest.raises(UserError, match="no such file — give an Ansible inventory"):
        load("/nonexistent/hosts.ini")


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=300))
def test_any_file_is_an_inventory_or_one_line(tmp_path: Path, text: str) -> None:
    assume(within_time("inventory"))
    (tmp_path / "any.ini").write_text(text)
    try:
        inv = load(str(tmp_path / "any.ini"))
    except UserError as e:
        assert "\n" not in str(e) and str(e).startswith("--inventory")
    else:
        assert len([t for t in inv.targets if t.role == "admin"]) == 1 and len(inv.targets) >= 2


def test_the_ssh_command_line_as_the_operators_own_ssh_would_go() -> None:
    inv = Inventory(source="x", targets=(
        Target(name="admin", role="admin", address="192.0.2.10", user="ops", port=2222, key="/k/id", become=True,
               ssh_args=("-o", "ProxyJump=bastion")),
        Target(name="node1", role="node", address="192.0.2.11")))
    tx = SshTransport(inv)
    try:
        argv = tx.argv("admin", "chronyc -n sources")
        assert argv[-2:] == ["192.0.2.10", "sudo -n -- sh -c 'chronyc -n sources'"]
        for opt in (["-l", "ops"], ["-p", "2222"], ["-i", "/k/id"], ["-o", "BatchMode=yes"], ["-o", "ProxyJump=bastion"]):
            assert any(argv[i:i + 2] == opt for i in range(len(argv))), opt
        assert tx.argv("admin", "true", root=False)[-1] == "true"  # what needs no root goes without sudo
        assert tx.argv("node1", "true")[-1] == "true"
    finally:
        tx.close()


@pytest.mark.parametrize(("stderr", "said"), [
    ("ssh: connect to host 192.0.2.7 port 22: Connection refused\r\n", "unreachable — ssh: connect to host"),
    ("ssh: connect to host 192.0.2.7 port 22: Connection timed out", "unreachable"),
    ("ssh: Could not resolve hostname k8s-node9: Name or service not known", "unreachable"),
    ("ops@192.0.2.7: Permission denied (publickey).\r\n", "the key was refused"),
    ("Host key verification failed.", "its host key is unknown or changed"),
])
def test_why_ssh_failed_is_one_line_naming_the_host_and_the_fix(stderr: str, said: str) -> None:
    line = reach.ssh_refusal(Target(name="k8s-node2", role="node", address="192.0.2.7", user="ops"), stderr)
    assert line.startswith("k8s-node2 (ops@192.0.2.7): ") and said in line and "\n" not in line
    assert any(fix in line for fix in ("check", "add it"))


def test_the_internal_network_is_the_one_admin_shares_with_the_nodes() -> None:
    inv = load("ssh://root@10.1.0.5,ssh://root@10.1.0.6")
    got = internal_network([IF("10.0.2.15/24"), IF("192.168.10.10/23")], [IF("192.168.10.11/23"), IF("192.168.11.2/23")],
                           inv)
    assert str(got) == "192.168.10.0/23"  # the interface's own prefix
    with pytest.raises(UserError, match="airgaplab_internal="):
        internal_network([IF("10.0.2.15/24")], [IF("172.16.0.4/24")], inv)
    assert str(internal_network([], [], inv)) == "10.1.0.0/24"  # admin unread: a spec to report its not-judged on


def test_a_report_names_each_hosts_verdict_and_why_one_was_not_judged() -> None:
    hosts = load_spec(default_lab_file()).host_names
    outcomes = [("admin", Result.PASS), ("admin", Result.SKIP), ("k8s-node1", Result.FAIL), ("lab", Result.PASS)]
    assert host_verdicts(hosts, outcomes, {"k8s-node2": "k8s-node2 (192.0.2.7): unreachable — …"}) == [
        {"name": "admin", "verdict": "PASS", "why": "1 not checked"},
        {"name": "k8s-node1", "verdict": "FAIL", "why": ""},
        {"name": "k8s-node2", "verdict": "NOT JUDGED", "why": "k8s-node2 (192.0.2.7): unreachable — …"}]


def test_report_names_are_lab_names() -> None:
    assert spec_name("/etc/airgaplab/Prod.Hosts.ini") == "prod-hosts"
    assert spec_name("ssh://root@a,ssh://root@b") == "ssh-hosts"
    assert spec_name("/x/2024.yml") == "network"


def test_faults_are_refused_on_an_inventory() -> None:
    proc = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "tests/conformance",
                           "--inventory", "ssh://root@192.0.2.10,ssh://root@192.0.2.11", "--resilience"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 4, proc.stdout + proc.stderr  # a usage error, before any host is reached
    assert "--inventory runs read-only, and the resilience requirements inject faults" in proc.stderr


def test_report_refuses_lab_options_with_an_inventory() -> None:
    r = cli("report", "--inventory", "hosts.ini", "--drill", "named-stopped")
    assert r.returncode == 2 and "drop --name, --lab-up, --drill and --resilience" in r.stderr, r


def test_the_nightly_of_a_network_is_a_unit_systemd_accepts_and_a_make_target(tmp_path: Path) -> None:
    import shutil

    from tests.helpers import unavailable

    if not shutil.which("systemd-analyze"):
        unavailable("systemd-analyze", "systemd's own tools: any systemd machine has them")
    for f in ("airgaplab-network.service", "airgaplab-network.timer"):
        shutil.copy(ROOT / "ops" / f, tmp_path / f)
    proc = subprocess.run(["systemd-analyze", "verify", "airgaplab-network.service", "airgaplab-network.timer"],
                          cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 0 and not proc.stderr.strip(), proc.stderr
    dry = subprocess.run(["make", "-n", "report", "INVENTORY=/etc/airgaplab/hosts.ini"], cwd=ROOT,
                         capture_output=True, text=True)
    assert "airgaplab report --inventory /etc/airgaplab/hosts.ini" in dry.stdout, dry.stdout + dry.stderr


def test_an_outsider_is_a_vantage_point_not_a_host_of_the_network(tmp_path: Path) -> None:
    (tmp_path / "hosts.ini").write_text(INI + "\n[outsider]\nmonitor ansible_connection=local\n")
    inv = load(str(tmp_path / "hosts.ini"))
    assert inv.outsider is not None and (inv.outsider.name, inv.outsider.local, inv.outsider.login) == (
        "monitor", True, "this machine")
    assert [t.name for t in inv.nodes] == ["k8s-node1", "k8s-node2"]
    tx = SshTransport(inv)
    try:
        assert tx.argv("monitor", "python3 -V") == ["sh", "-c", "python3 -V"]  # no ssh to itself
    finally:
        tx.close()
    (tmp_path / "two.ini").write_text(INI + "\n[outsider]\nmonitor ansible_connection=local\nother\n")
    with pytest.raises(UserError, match="more than one host in group `outsider`"):
        load(str(tmp_path / "two.ini"))
