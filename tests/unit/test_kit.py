"""The lab's own chrony and BIND (kit.py): which packages are fetched, from which manager, into which cache; and
the daemons' checkers read what the host will load (a root-key include becomes the trust anchor it holds)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from airgaplab import kit
from airgaplab.lab.family import FAMILIES
from airgaplab.lab.render import files_for
from airgaplab.lab.specfile import load_spec
from airgaplab.paths import default_lab_file
from airgaplab.services.dns import checker as dnschecker

SIMULATED = """NOTE: This is only a simulation!
Inst libuv1t64 (1.50.0-2 Debian:13.2/stable [amd64])
Inst adduser (3.152 Debian:13.2/stable [all])
Inst bind9-libs (1:9.20.30-1~deb13u1 Debian:13.2/stable [amd64])
Inst libjemalloc2 (5.3.0-3 Debian:13.2/stable [amd64])
Inst iproute2 (6.15.0-1 Debian:13.2/stable [amd64])
Remv systemd-timesyncd [257.9-1~deb13u1]
Inst chrony (4.6.1-3+deb13u2 Debian:13.2/stable [amd64])
"""


def test_apt_fetches_the_daemons_and_the_libraries_an_install_would_add_nothing_else() -> None:
    """adduser, iproute2 (and the removal of systemd-timesyncd) belong to an install, which never happens."""
    plan = kit.apt_plan(SIMULATED, kit.PACKAGES["apt"])
    assert plan[:len(kit.PACKAGES["apt"])] == list(kit.PACKAGES["apt"])
    assert set(plan) - set(kit.PACKAGES["apt"]) == {"libuv1t64", "libjemalloc2"}
    assert not {"adduser", "iproute2", "systemd-timesyncd"} & set(plan)


@pytest.mark.parametrize(("release", "manager"), [
    ({"ID": "debian"}, "apt"), ({"ID": "ubuntu", "ID_LIKE": "debian"}, "apt"), ({"ID": "fedora"}, "dnf"),
    ({"ID": "rocky", "ID_LIKE": "rhel centos fedora"}, "dnf"), ({"ID": "almalinux", "ID_LIKE": "rhel"}, "dnf"),
    ({"ID": "arch"}, None)])
def test_the_kit_comes_from_the_machines_own_package_manager(release: dict[str, str], manager: str | None) -> None:
    assert kit.manager(release) == manager


def test_one_kit_per_release_and_architecture(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("AIRGAPLAB_KIT", raising=False)
    twelve, thirteen = (kit.default_dir({"ID": "debian", "VERSION_ID": v}) for v in ("12", "13"))
    assert twelve != thirteen and twelve.parent == Path("/var/cache/airgaplab/kit")
    assert twelve.name.startswith("debian-12-")
    monkeypatch.setenv("AIRGAPLAB_KIT", str(tmp_path))
    assert kit.default_dir() == tmp_path and kit.cached() is None  # nothing fetched there: not ready


def test_a_half_fetched_kit_is_not_ready(tmp_path: Path) -> None:
    (tmp_path / "usr" / "sbin").mkdir(parents=True)
    assert not kit.Kit(tmp_path).ready
    (tmp_path / kit.MANIFEST).write_text('{"packages": {"chrony": "4.6"}, "libdirs": ["usr/lib/x86_64-linux-gnu"]}')
    for daemon, exits in (("named", 0), ("chronyd", 127)):  # 127: as the loader ends a program missing a library
        (tmp_path / "usr" / "sbin" / daemon).write_text(f"#!/bin/sh\nexit {exits}\n")
        (tmp_path / "usr" / "sbin" / daemon).chmod(0o755)
    assert not kit.Kit(tmp_path).ready  # fetched, but a library it counted on has gone from the machine: again
    (tmp_path / "usr" / "sbin" / "chronyd").write_text("#!/bin/sh\nexit 0\n")
    (tmp_path / kit.MANIFEST).touch()  # as a fetch anew writes it
    os.utime(tmp_path / kit.MANIFEST, (1, 1))
    got = kit.Kit(tmp_path)
    assert got.ready and got.versions == {"chrony": "4.6"}
    assert got.env()["LD_LIBRARY_PATH"] == str(tmp_path / "usr/lib/x86_64-linux-gnu")


def test_named_checkconf_reads_the_root_key_include_as_the_trust_anchor_it_holds(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """BIND 9.20 refuses `dnssec-validation yes` without trust anchors: stripping the include of Rocky's
    /etc/named.root.key made every lab fail on Debian 13 ("requires configured 'trust-anchors'")."""
    seen: list[str] = []

    class Done:
        returncode, stdout, stderr = 0, "", ""

    def checker(argv: list[str]) -> Done:
        seen.append(Path(argv[-1]).read_text())
        return Done()

    monkeypatch.setattr(dnschecker, "run_checker", checker)
    fam = FAMILIES["rocky10"]
    spec = load_spec(default_lab_file())
    text = files_for(spec, spec.host("admin"), fam=fam)[fam.named_conf]
    assert f'include "{fam.root_key}";' in text and "dnssec-validation yes" in text
    assert dnschecker.named_checkconf(text, tmp_path, fam) is None
    assert "trust-anchors {" in seen[0] and dnschecker.ROOT_KSK_2017 in seen[0]
    assert "include" not in seen[0]  # the other stock files (zones, crypto policy) are not checked here
