"""The VM base step on a box like Rocky 10's: predictable NIC names, no NetworkManager profile on disk for the
management NIC, no `hostname`, `tar` or `cmp` — the step's decisions, with NetworkManager's and systemd's
commands standing in (each records how it was called). `make test-vm` runs the step on such a box for real."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.helpers import ROOT

INTERNAL_MAC = "52:54:00:aa:bb:cc"
MGMT_MAC = "52:54:00:11:22:33"
RECORD = 'echo "$(basename "$0") $*" >> "$CALLS"\n'
FAKES = {
    # `connection show --active` answers what the scenario says; everything else is recorded and succeeds
    "nmcli": RECORD + 'case "$*" in *"connection show --active"*) printf "%s\\n" "$ACTIVE" ;; esac\n',
    "hostnamectl": RECORD,
    "systemctl": RECORD + "exit 1\n",  # nothing is active (no firewalld)
    # what a minimal EL10 image need not have: the step must never call them
    "hostname": 'echo "hostname was called" >&2; exit 99\n',
    "tar": 'echo "tar was called" >&2; exit 99\n',
    "cmp": 'echo "cmp was called" >&2; exit 99\n',
}


def base_step(tmp_path: Path, active: str) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    bin_dir, sys_net, rendered = tmp_path / "bin", tmp_path / "sys-net", tmp_path / "rendered"
    for d in (bin_dir, rendered / "etc"):
        d.mkdir(parents=True)
    for name, body in FAKES.items():
        (bin_dir / name).write_text("#!/bin/sh\n" + body)
        (bin_dir / name).chmod(0o755)
    for dev, mac, nic in (("lo", "00:00:00:00:00:00", False), ("ens5", MGMT_MAC, True), ("ens6", INTERNAL_MAC, True)):
        (sys_net / dev).mkdir(parents=True)
        (sys_net / dev / "address").write_text(mac + "\n")
        if nic:
            (sys_net / dev / "device").mkdir()
    (rendered / "etc/hosts.airgaplab").write_text("# BEGIN airgaplab\n192.168.10.11\tk8s-node1\n# END airgaplab\n")
    (tmp_path / "hosts").write_text("127.0.0.1\tlocalhost\n")
    env = {"PATH": f"{bin_dir}:{os.environ['PATH']}", "CALLS": str(tmp_path / "calls"), "ACTIVE": active,
           "SYS_NET": str(sys_net), "ETC_HOSTS": str(tmp_path / "hosts"), "RENDERED": str(rendered),
           "HARDENING": "0", "INTERNAL_NET": "192.168.10.0/24", "HOST_NAME": "k8s-node1-test",
           "INTERNAL_IP": "192.168.10.11", "INTERNAL_PREFIX": "24", "INTERNAL_MAC": INTERNAL_MAC.upper()}
    r = subprocess.run(["bash", str(ROOT / "provision/steps/base.sh")], env=env, capture_output=True, text=True,
                       timeout=60)
    calls = (tmp_path / "calls").read_text().splitlines() if (tmp_path / "calls").exists() else []
    return r, calls


@pytest.mark.parametrize(("active", "expected"), [
    # NetworkManager's in-memory "Wired connection 1" (the box shipped no profile): kept on disk, same profile
    ("uuid-1:ens5:", "nmcli connection modify uuid-1 connection.id management connection.autoconnect yes"),
    # no connection at all on the management NIC: one of the lab's own, DHCP
    ("", "nmcli connection add type ethernet con-name management ifname ens5 ipv4.method auto"),
])
def test_a_management_nic_without_a_profile_on_disk_gets_one(tmp_path: Path, active: str, expected: str) -> None:
    r, calls = base_step(tmp_path, active)
    assert r.returncode == 0, r.stderr + r.stdout
    assert expected in calls and "'management'" in r.stdout
    assert not [c for c in calls if "management" in c and "ens6" in c]  # the internal NIC is not management's


def test_a_profile_on_disk_is_left_alone_and_no_missing_tool_is_called(tmp_path: Path) -> None:
    r, calls = base_step(tmp_path, "uuid-1:ens5:/etc/NetworkManager/system-connections/Wired.nmconnection")
    assert r.returncode == 0, r.stderr + r.stdout
    assert not [c for c in calls if "management" in c]
    assert "hostnamectl set-hostname k8s-node1-test" in calls  # not `hostname`, which exits 99 here
    internal = next(c for c in calls if "con-name internal" in c)
    assert "ifname ens6" in internal and "ipv4.addresses 192.168.10.11/24" in internal  # found by MAC, any name
    assert "192.168.10.11\tk8s-node1" in (tmp_path / "hosts").read_text()
    again, _ = base_step(tmp_path / "again", "uuid-1:ens5:/etc/x.nmconnection")
    assert again.returncode == 0 and "was called" not in again.stderr
