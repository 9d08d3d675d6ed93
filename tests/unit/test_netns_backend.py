"""The netns backend for real: sealed namespaces, hosts that look like Rocky, clean-up that always works."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from airgaplab import retry
from airgaplab.backends.netns.backend import NetnsBackend

from .conftest import ROOT, cli, lab_name, lab_traces, needs_root, root_ns_lab_addresses

pytestmark = [pytest.mark.lab, needs_root()]


def sh(be: NetnsBackend, host: str, cmd: str) -> subprocess.CompletedProcess[bytes]:
    return be.exec(host, ["sh", "-c", cmd])


def test_lab_up_reproduces_the_reference_and_down_leaves_nothing(netns_lab) -> None:
    be = netns_lab("life")
    assert root_ns_lab_addresses() == []
    # hosts look like Rocky from inside: own /etc, /var/named, /run, hostname
    assert sh(be, "admin", "hostname").stdout.decode().strip() == "admin"
    conf = sh(be, "admin", "cat /etc/chrony.conf").stdout.decode()
    assert "allow 192.168.10.0/24" in conf and "local stratum 10" in conf
    assert sh(be, "k8s-node1", "grep -c allow /etc/chrony.conf").stdout.decode().strip() == "0"
    assert sh(be, "admin", "test -f /etc/chrony.bak && test -f /etc/named.bak && test -d /var/named/data").returncode == 0
    assert sh(be, "k8s-node1", "test -f /etc/chrony.bak && test ! -e /etc/named.bak").returncode == 0
    assert sh(be, "admin", "cat /etc/resolv.conf").stdout.decode().split()[-1] == "192.168.10.10"
    # the machine's own /etc is untouched
    assert "192.168.10.10" not in Path("/etc/resolv.conf").read_text()
    # chronyd always runs with -x
    for host in ("admin", "k8s-node1", "k8s-node2", "internet"):
        cmd = sh(be, host, "tr '\\0' ' ' < /proc/$(cat /run/chrony/chronyd.pid)/cmdline").stdout.decode()
        assert " -x" in cmd, (host, cmd)
    # nodes are sealed off: no route to the simulated forwarders
    r = sh(be, "k8s-node1", "ip route get 198.51.100.1")
    assert r.returncode != 0 and b"unreachable" in r.stderr
    name = be.lab.name
    be.down()
    assert lab_traces(name) == {"netns": [], "mounts": []}
    assert not be.dir.exists()
    assert root_ns_lab_addresses() == []


def test_exec_returns_the_commands_exit_code(netns_lab, state_dir) -> None:
    be = netns_lab("exec")
    r = cli("exec", "--name", be.lab.name, "k8s-node1", "--", "sh", "-c", "exit 7")
    assert r.returncode == 7
    r = cli("exec", "--name", be.lab.name, "k8s-node2", "--", "chronyc", "-n", "sources")
    assert r.returncode == 0 and "192.168.10.10" in r.stdout
    r = cli("exec", "--name", be.lab.name, "nosuchhost", "--", "true")
    assert r.returncode == 2 and "no host 'nosuchhost'" in r.stderr


def test_status_json_lists_hosts_addresses_and_daemons(netns_lab, state_dir) -> None:
    be = netns_lab("stat")
    r = cli("status", "--name", be.lab.name, "--json")
    assert r.returncode == 0, r.stderr
    st = json.loads(r.stdout)
    hosts = {h["name"]: h for h in st["hosts"]}
    assert st["state"] == "up" and st["backend"] == "netns"
    assert hosts["admin"]["addresses"] == {"eth0": "192.168.10.10/24", "eth1": "203.0.113.10/24"}
    assert hosts["admin"]["daemons"] == {"chronyd": "active", "named": "active"}
    assert hosts["k8s-node2"]["daemons"] == {"chronyd": "active", "named": "inactive"}


def test_second_up_says_already_up_and_changes_nothing(netns_lab, state_dir) -> None:
    be = netns_lab("twice")
    before = be.journal()
    r = cli("up", "--backend", "netns", "--name", be.lab.name)
    assert r.returncode == 2 and "already up" in r.stderr
    assert be.journal() == before and be.is_up()


def test_two_labs_side_by_side(netns_lab) -> None:
    a, b = netns_lab("side"), netns_lab("side")
    for be in (a, b):
        assert sh(be, "k8s-node1", "dig +short +time=2 google.com").stdout.strip()
    a.down()
    assert b.is_up() and sh(b, "admin", "systemctl is-active named").returncode == 0


def test_bare_lab_has_stock_configs(netns_lab) -> None:
    be = netns_lab("bare", bare=True)
    conf = sh(be, "admin", "cat /etc/chrony.conf").stdout.decode()
    assert "pool 2.rocky.pool.ntp.org iburst" in conf and "allow 192.168.10.0/24" not in conf.replace("#allow", "")
    assert sh(be, "admin", "test -e /etc/chrony.bak").returncode != 0
    assert sh(be, "admin", "systemctl is-active chronyd").returncode == 0
    assert sh(be, "admin", "systemctl is-active named").returncode != 0


def test_down_after_sigkilled_up_leaves_nothing(state_dir) -> None:
    name = lab_name("kill")
    try:
        _kill_and_clean(name, state_dir)
    finally:
        cli("down", "--name", name)  # whatever happened above, leave nothing behind


def _kill_and_clean(name: str, state_dir) -> None:
    interrupted = 0
    for delay in (0.0, 0.1, 0.25):
        p = subprocess.Popen([sys.executable, "-m", "airgaplab", "up", "--backend", "netns", "--name", name],
                             cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # kill once the lab has started to exist (its namespaces appear), then after a further delay
        assert retry.until(lambda p=p: lab_traces(name)["netns"] or p.poll() is not None, timeout=30, interval=0.01)
        time.sleep(delay)
        p.send_signal(signal.SIGKILL)
        p.wait()
        r = cli("up", "--backend", "netns", "--name", name)
        assert r.returncode == 2, r.stderr
        if "interrupted" in r.stderr:
            interrupted += 1
        else:  # the kill came after `up` had finished
            assert "already up" in r.stderr, r.stderr
        r = cli("down", "--name", name)
        assert r.returncode == 0, r.stderr
        assert lab_traces(name) == {"netns": [], "mounts": []}
        assert not (state_dir / name).exists()
    assert interrupted >= 1, "no kill landed while `up` was running"
    assert root_ns_lab_addresses() == []


def test_unsafe_internal_network_is_refused(tmp_path, state_dir) -> None:
    import yaml

    from airgaplab.paths import default_lab_file

    # a public range, and a documentation range (the simulated internet's): both refused, with one message
    for net in ("8.8.8", "198.51.100"):
        data = yaml.safe_load(default_lab_file().read_text())
        data["network"]["internal"] = f"{net}.0/24"
        for h, last in zip(data["hosts"], (10, 11, 12), strict=True):
            h["ip"] = f"{net}.{last}"
        data["ntp"]["allow"] = [f"{net}.0/24"]
        spec = tmp_path / "public.yaml"
        spec.write_text(yaml.safe_dump(data))
        r = cli("up", "--spec", str(spec), "--backend", "netns")
        assert r.returncode == 2 and "is not a private (RFC 1918) range" in r.stderr, r.stderr
        assert "use e.g. 192.168.10.0/24" in r.stderr and len(r.stderr.strip().splitlines()) == 1
        assert not state_dir.exists() or not any(state_dir.iterdir())


def test_shell_is_a_shell_on_the_host(netns_lab, state_dir) -> None:
    be = netns_lab("shell")
    r = subprocess.run([sys.executable, "-m", "airgaplab", "shell", "--name", be.lab.name, "k8s-node2"],
                       input="hostname; cat /etc/resolv.conf; systemctl is-active chronyd; exit 3\n",
                       capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert r.returncode == 3
    assert "k8s-node2" in r.stdout and "nameserver 192.168.10.10" in r.stdout and "active" in r.stdout


def test_without_root_one_clear_line(monkeypatch) -> None:
    from airgaplab.errors import UserError
    from airgaplab.paths import default_lab_file
    from airgaplab.spec import load_spec

    monkeypatch.setattr("os.geteuid", lambda: 1000)
    with pytest.raises(UserError, match="needs root") as err:
        NetnsBackend(load_spec(default_lab_file())).up()
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("forwarders", [[], ["8.8.8.8"]], ids=["none", "one"])
def test_lab_comes_up_with_no_or_one_forwarder(forwarders: list[str], state_dir: Path) -> None:
    from airgaplab.paths import default_lab_file
    from airgaplab.spec import load_spec

    spec = load_spec(default_lab_file())
    dns = spec.dns.model_copy(update={"forwarders": forwarders})  # type: ignore[union-attr]
    be = NetnsBackend(spec.model_copy(update={"name": lab_name("fwd"), "dns": dns}))
    try:
        be.up()
        # without forwarders admin iterates from the simulated root; with one, it forwards to its stand-in
        assert retry.until(lambda: b"198.51.100." in sh(be, "k8s-node1", "dig +short +time=2 google.com").stdout, timeout=15)
    finally:
        be.down()
