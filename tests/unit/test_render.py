"""Rendering: for the default lab, the files say exactly what the reference configuration says."""

from __future__ import annotations

import pytest

from airgaplab.lab.render import files_for, steps_for
from airgaplab.lab.specfile import load_spec
from airgaplab.paths import default_lab_file
from airgaplab.probes.facts import directives, named_option, named_value

from .conftest import cli

# The reference configuration (the study notes), line by line.
ADMIN_CHRONY = ["server pool.ntp.org iburst", "server kr.pool.ntp.org iburst", "allow 192.168.10.0/24",
                "local stratum 10", "logdir /var/log/chrony"]
NODE_CHRONY = ["server 192.168.10.10 iburst", "logdir /var/log/chrony"]
NAMED_OPTIONS = {
    "listen-on": ["any"], "listen-on-v6": ["::1"], "allow-query": ["127.0.0.1", "192.168.10.0/24"],
    "allow-recursion": ["127.0.0.1", "192.168.10.0/24"], "forwarders": ["168.126.63.1", "8.8.8.8"],
}
NAMED_VALUES = {"recursion": "yes", "dnssec-validation": "yes", "directory": '"/var/named"',
                "pid-file": '"/run/named/named.pid"', "managed-keys-directory": '"/var/named/dynamic"'}
NAMED_INCLUDES = ['include "/etc/crypto-policies/back-ends/bind.config";', 'include "/etc/named.rfc1912.zones";',
                  'include "/etc/named.root.key";']


@pytest.fixture(scope="module")
def lab():
    return load_spec(default_lab_file())


def test_admin_chrony_conf(lab) -> None:
    assert directives(files_for(lab, lab.host("admin"))["/etc/chrony.conf"]) == ADMIN_CHRONY


@pytest.mark.parametrize("node", ["k8s-node1", "k8s-node2"])
def test_node_files(lab, node: str) -> None:
    files = files_for(lab, lab.host(node))
    assert directives(files["/etc/chrony.conf"]) == NODE_CHRONY
    assert directives(files["/etc/resolv.conf"]) == ["nameserver 192.168.10.10"]
    assert directives(files["/etc/NetworkManager/conf.d/99-dns-none.conf"]) == ["[main]", "dns=none"]
    assert set(files) == {"/etc/chrony.conf", "/etc/resolv.conf", "/etc/NetworkManager/conf.d/99-dns-none.conf"}
    assert steps_for(lab.host(node)) == ["dns-client", "ntp-client"]


def test_admin_named_conf(lab) -> None:
    files = files_for(lab, lab.host("admin"))
    conf = files["/etc/named.conf"]
    for opt, want in NAMED_OPTIONS.items():
        assert named_option(conf, opt) == want, opt
    for opt, want in NAMED_VALUES.items():
        assert named_value(conf, opt) == want, opt
    for inc in NAMED_INCLUDES:
        assert inc in conf
    assert 'zone "." IN {\n\ttype hint;\n\tfile "named.ca";' in conf
    assert directives(files["/etc/resolv.conf"]) == ["nameserver 192.168.10.10"]
    assert steps_for(lab.host("admin")) == ["dns-server", "ntp-server"]


def test_named_conf_forwards_to_the_notes_own_addresses(lab) -> None:
    conf = files_for(lab, lab.host("admin"))["/etc/named.conf"]
    assert named_option(conf, "forwarders") == ["168.126.63.1", "8.8.8.8"]
    assert "stands in" not in conf


def test_render_command_prints_every_file() -> None:
    r = cli("render")
    assert r.returncode == 0, r.stderr
    for path in ("admin:/etc/chrony.conf", "admin:/etc/named.conf", "k8s-node2:/etc/resolv.conf",
                 "k8s-node1:/etc/NetworkManager/conf.d/99-dns-none.conf"):
        assert path in r.stdout
    r = cli("render", "--host", "k8s-node9")
    assert r.returncode == 2 and "no host 'k8s-node9'" in r.stderr
