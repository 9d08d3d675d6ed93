"""doctor and the backends agree on what a machine needs."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from airgaplab.diagnosis import Diagnosis
from airgaplab.errors import UserError
from airgaplab.lab.specfile import load_spec
from airgaplab.paths import default_lab_file
from tests.unit.conftest import cli


def test_doctor_and_up_need_the_same_tools(monkeypatch: pytest.MonkeyPatch) -> None:
    """One list: doctor cannot pass while `up` refuses for a missing tool (e.g. nft)."""
    import shutil

    from airgaplab.backends.netns import doctor as ndoctor
    from airgaplab.backends.netns.backend import NetnsBackend

    real = shutil.which
    monkeypatch.setattr(shutil, "which", lambda t, *a, **k: None if t == "nft" else real(t, *a, **k))
    spec = load_spec(default_lab_file())
    tools = {f.check: f for f in ndoctor.findings(spec)}["iproute2, nftables, util-linux"]
    assert not tools.ok and "nftables" in tools.detail
    monkeypatch.setattr("os.geteuid", lambda: 0)
    with pytest.raises(UserError, match="missing on this machine: nft"):
        NetnsBackend(spec).preflight()


BLOCKERS = [Diagnosis("root", False, "uid 1000", "run as root (sudo)"),
            Diagnosis("overlayfs", False, "not in /proc/filesystems", "modprobe overlay"),
            Diagnosis("memory", False, "low", "close something", blocking=False),
            Diagnosis("PID and time namespaces", True, "Linux 6.1", "")]


def test_dry_run_names_every_finding_up_would_stop_on_and_fails(monkeypatch: pytest.MonkeyPatch,
                                                               state_dir: Path) -> None:
    """`up --dry-run` said 0 and named the hypervisor alone while `up` stopped on six findings."""
    monkeypatch.setattr("airgaplab.cli.doctor.findings", lambda backend, spec: BLOCKERS)
    r = cli("up", "--backend", "netns", "--dry-run")
    assert r.returncode == 1, r
    said = json.loads(r.stdout)
    assert said["backend"] == "netns"
    assert [(x["check"], x["fix"]) for x in said["up_would_stop_on"]] == [("root", "run as root (sudo)"),
                                                                         ("overlayfs", "modprobe overlay")]
    assert "run as root (sudo)" in r.stderr and "modprobe overlay" in r.stderr and "close something" not in r.stderr
    assert not state_dir.exists() or not any(state_dir.iterdir())  # nothing created


def test_dry_run_passes_when_nothing_blocks(monkeypatch: pytest.MonkeyPatch, state_dir: Path) -> None:
    monkeypatch.setattr("airgaplab.cli.doctor.findings", lambda backend, spec: BLOCKERS[2:])
    r = cli("up", "--backend", "netns", "--dry-run")
    assert r.returncode == 0 and json.loads(r.stdout)["up_would_stop_on"] == [], r


def test_doctors_fixes_print_the_real_commands() -> None:
    """The table's markup ate `[vm]`: `pip install -e '.'` is another command."""
    from rich.console import Console

    from airgaplab.backends.vagrant.libvirt import virt
    from airgaplab.cli.doctor import doctor_table

    console = Console(width=400, record=True, file=io.StringIO())
    found = [Diagnosis("libvirt binding", False, "no module [libvirt]", virt.INSTALL),
             Diagnosis("x", False, "[bold]y[/]", "[red]z[/]")]
    console.print(doctor_table("vagrant", "test", found))
    text = console.export_text()
    assert "pip install -e '.[vm]'" in text and "[bold]y[/]" in text and "[red]z[/]" in text, text
