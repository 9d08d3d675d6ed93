"""Provision steps: idempotent (a second run changes no file) and the first backup is never overwritten."""

from __future__ import annotations

from airgaplab.lab import provisioner, render

WATCHED = "/etc/chrony.conf /etc/chrony.bak /etc/named.conf /etc/named.bak /etc/resolv.conf " \
          "/etc/NetworkManager/conf.d/99-dns-none.conf"


def snapshot(be, host: str) -> str:
    cmd = f"for f in {WATCHED}; do [ -e $f ] && stat -c '%n %s %Y %a %U:%G' $f && sha256sum $f; done; true"
    return be.transport.exec(host, ["sh", "-c", cmd]).stdout.decode()


def daemon_pids(be, host: str) -> str:
    pids = "cat /run/chrony/chronyd.pid /run/named/named.pid 2>/dev/null"
    return be.transport.exec(host, ["sh", "-c", pids]).stdout.decode()


def step(be, host: str) -> None:
    """The host's steps run again, as provisioning runs them."""
    provisioner.provision_host(be.transport, be.spec, be.family, be.spec.host(host), be.provision_plan())


def test_second_run_changes_nothing(lab) -> None:
    be = lab
    for host in ("admin", "k8s-node1"):
        before, pids = snapshot(be, host), daemon_pids(be, host)
        assert "/etc/chrony.conf" in before
        step(be, host)
        assert snapshot(be, host) == before, host
        assert daemon_pids(be, host) == pids, f"{host}: a no-op run restarted a daemon"


def test_first_backup_is_kept(lab) -> None:
    tx = lab.transport
    original = tx.exec("admin", ["cat", "/etc/chrony.bak"]).stdout
    assert b"pool 2.rocky.pool.ntp.org" in original
    tx.exec("admin", ["sh", "-c", "echo '# edited by hand' >> /etc/chrony.conf"])
    step(lab, "admin")
    assert tx.exec("admin", ["cat", "/etc/chrony.bak"]).stdout == original
    assert b"edited by hand" not in tx.exec("admin", ["cat", "/etc/chrony.conf"]).stdout


def test_invalid_config_is_not_restarted(lab) -> None:
    be, tx = lab, lab.transport
    pid = daemon_pids(be, "admin")
    tx.put("admin", render.STAGE_DIR + "/etc/named.conf", b"options { this is not bind; };\n")
    r = tx.exec("admin", ["bash", f"{provisioner.STEPS_DIR}/dns-server.sh"])  # as staged on the host
    assert r.returncode != 0 and b"named-checkconf rejects" in r.stderr
    assert b"this is not bind" not in tx.exec("admin", ["cat", "/etc/named.conf"]).stdout
    assert daemon_pids(be, "admin") == pid
