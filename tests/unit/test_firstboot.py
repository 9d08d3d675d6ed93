"""The management NIC's DHCP profile at first boot (a box with no profile, like Rocky 10's): the plan hands
each VM a systemd credential whose tmpfiles.d line the real systemd-tmpfiles turns into NetworkManager's keyfile."""

from __future__ import annotations

import base64
import configparser
import shutil
import subprocess
from pathlib import Path

from airgaplab.backends.vagrant.guests import firstboot
from airgaplab.backends.vagrant.guests import plan as vplan
from airgaplab.lab.specfile import load_spec
from airgaplab.paths import default_lab_file
from airgaplab.suite.finding import unavailable

PREFIX = "io.systemd.credential.binary:tmpfiles.extra="


def test_every_vm_gets_a_profile_for_its_own_management_nic() -> None:
    spec = load_spec(default_lab_file())
    machines = vplan.build(spec)["machines"]
    macs = [m["management_network"]["mac"] for m in machines]  # type: ignore[index]
    internal = [m["mac"] for m in machines]  # type: ignore[index]
    assert len(set(macs + internal)) == 2 * len(machines)  # fixed per host and NIC, never shared
    for m, mgmt in zip(machines, macs, strict=True):
        (oem,) = m["smbios_oem_strings"]  # type: ignore[index]
        assert oem.startswith(PREFIX)
        line = base64.b64decode(oem.removeprefix(PREFIX)).decode()
        assert line.startswith(f"f~ {firstboot.PROFILE} 0600 root root - ")
        assert f"mac-address={mgmt.upper()}" in base64.b64decode(line.split()[-1]).decode()


def test_systemd_tmpfiles_writes_the_keyfile_once(tmp_path: Path) -> None:
    if shutil.which("systemd-tmpfiles") is None:
        unavailable("systemd-tmpfiles (systemd) missing: the credential's line cannot be processed here")
    conf = tmp_path / "extra.conf"
    conf.write_text(firstboot.tmpfiles_line("52:54:00:12:34:56"))
    root = tmp_path / "root"
    root.mkdir()
    subprocess.run(["systemd-tmpfiles", "--create", f"--root={root}", str(conf)], check=True, capture_output=True)
    keyfile = root / firstboot.PROFILE.lstrip("/")
    assert keyfile.stat().st_mode & 0o777 == 0o600  # NetworkManager ignores keyfiles others can read
    profile = configparser.ConfigParser()
    profile.read_string(keyfile.read_text())
    assert profile["connection"]["id"] == "management" and profile["ipv4"]["method"] == "auto"
    assert profile["ethernet"]["mac-address"] == "52:54:00:12:34:56".upper()
    keyfile.write_text("[connection]\nid=changed by the base step\n")  # later boots leave it as it is
    subprocess.run(["systemd-tmpfiles", "--create", f"--root={root}", str(conf)], check=True, capture_output=True)
    assert "changed by the base step" in keyfile.read_text()
