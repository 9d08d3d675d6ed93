"""Provision steps: idempotent (a second run changes no file) and the first backup is never overwritten."""

from __future__ import annotations

import pytest

from airgaplab import provisioner, render

from .conftest import needs_root

pytestmark = [pytest.mark.lab, needs_root()]

WATCHED = "/etc/chrony.conf /etc/chrony.bak /etc/named.conf /etc/named.bak /etc/resolv.conf " \
          "/etc/NetworkManager/conf.d/99-dns-none.conf"


def snapshot(be, host: str) -> str:
    cmd = f"for f in {WATCHED}; do [ -e $f ] && stat -c '%n %s %Y %a %U:%G' $f && sha256sum $f; done; true"
    return be.exec(host, ["sh", "-c", cmd]).stdout.decode()


def daemon_pids(be, host: str) -> str:
    return be.exec(host, ["sh", "-c", "cat /run/chrony/chronyd.pid /run/named/named.pid 2>/dev/null"]).stdout.decode()


def test_second_run_changes_nothing(netns_lab) -> None:
    be = netns_lab("idem")
    for host in ("admin", "k8s-node1"):
        before, pids = snapshot(be, host), daemon_pids(be, host)
        assert "/etc/chrony.conf" in before
        provisioner.provision_host(be, be.lab.host(host), provisioner.Plan())
        assert snapshot(be, host) == before, host
        assert daemon_pids(be, host) == pids, f"{host}: a no-op run restarted a daemon"


def test_first_backup_is_kept(netns_lab) -> None:
    be = netns_lab("bak")
    original = be.exec("admin", ["cat", "/etc/chrony.bak"]).stdout
    assert b"pool 2.rocky.pool.ntp.org" in original
    be.exec("admin", ["sh", "-c", "echo '# edited by hand' >> /etc/chrony.conf"])
    provisioner.provision_host(be, be.lab.host("admin"), provisioner.Plan())
    assert be.exec("admin", ["cat", "/etc/chrony.bak"]).stdout == original
    assert b"edited by hand" not in be.exec("admin", ["cat", "/etc/chrony.conf"]).stdout


def test_invalid_config_is_not_restarted(netns_lab) -> None:
    be = netns_lab("valid")
    pid = daemon_pids(be, "admin")
    be.put("admin", render.STAGE_DIR + "/etc/named.conf", b"options { this is not bind; };\n")
    r = be.exec("admin", ["bash", render.step_path("dns-server")])
    assert r.returncode != 0 and b"named-checkconf rejects" in r.stderr
    assert b"this is not bind" not in be.exec("admin", ["cat", "/etc/named.conf"]).stdout
    assert daemon_pids(be, "admin") == pid
