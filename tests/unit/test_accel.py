"""One decision of accelerator and guest CPU, shown before it is used: the probe, the decision on each kind of
machine for each guest OS, and the same answer from `up --dry-run`, `up` and doctor."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from airgaplab.backends.vagrant import doctor as vdoctor
from airgaplab.backends.vagrant.backend import VagrantBackend
from airgaplab.backends.vagrant.guests import plan as vplan
from airgaplab.backends.vagrant.libvirt import accel
from airgaplab.lab.family import FAMILIES
from airgaplab.lab.specfile import load_spec
from airgaplab.paths import default_lab_file
from airgaplab.suite.finding import unavailable

from .conftest import cli

SOURCE = Path(accel.__file__).with_name("cpuprobe.S")
# CPUID words (leaf 1 ecx, leaf 7 ebx, leaf 0x80000001 ecx) as the probe printed them on this machine
TCG_MAX = (0xF6D8320B, 0x01D843A9, 0x00000075)  # QEMU 7.2 `-cpu max` under TCG
QEMU64 = (0x80002001, 0x00000000, 0x00000005)  # `-cpu qemu64`: what the guests got before
NEHALEM = (0x0098E3BD, 0x00000000, 0x00000001)  # x86-64-v2, no AVX


def test_the_probe_is_cpuprobe_s_assembled(tmp_path: Path) -> None:
    if not (shutil.which("as") and shutil.which("ld")):
        unavailable("GNU as and ld (binutils) missing: the probe's source cannot be assembled again here")
    subprocess.run(["as", "--32", "-o", tmp_path / "p.o", SOURCE], check=True)
    subprocess.run(["ld", "-m", "elf_i386", "-Ttext", "0x7c00", "--oformat", "binary", "-o", tmp_path / "p.bin",
                    tmp_path / "p.o"], check=True)
    assert (tmp_path / "p.bin").read_bytes() == accel.BOOT_SECTOR


@pytest.mark.parametrize(("words", "level", "lacking"), [
    (TCG_MAX, 3, ()), (QEMU64, 1, ("popcnt", "sse4_1", "sse4_2", "ssse3")), (NEHALEM, 2, ("avx",)),
])
def test_cpuid_words_give_the_x86_64_level(words: tuple[int, int, int], level: int, lacking: tuple[str, ...]) -> None:
    got, missing = accel.level_of(words)
    assert got == level and set(lacking) <= set(missing)


def test_the_probe_line_is_read_from_seabios_noise() -> None:
    out = "\x1bcSeaBIOS (version 1.16.2)\nBooting from Hard Disk..AGLCPU F6D8320B 01D843A9 00000075\n"
    assert accel.parse(out) == TCG_MAX and accel.parse("SeaBIOS\nNo bootable device.") is None


MACHINES = {
    # what the probe answers on each kind of machine: KVM usable; /dev/kvm that cannot run a guest (here)
    "kvm-usable": (True, {"kvm": (TCG_MAX, "ran"), "qemu": (TCG_MAX, "ran")}),
    "kvm-unusable": (True, {"kvm": (None, "qemu-system-x86_64: error: failed to set MSR 0x10a to 0x69"),
                            "qemu": (TCG_MAX, "ran")}),
    "no-kvm": (False, {"qemu": (TCG_MAX, "ran")}),
    # KVM runs a guest, but the host CPU it passes through is below v3 (a nested VM hiding LZCNT, an old CPU)
    "kvm-below-v3": (True, {"kvm": (NEHALEM, "ran"), "qemu": (TCG_MAX, "ran")}),
}
EXPECTED = {"kvm-usable": ("kvm", "host-passthrough"), "kvm-unusable": ("qemu", "maximum"), "no-kvm": ("qemu", "maximum"),
            "kvm-below-v3": ("qemu", "maximum")}


@pytest.fixture
def machine(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    """A kind of machine, as the probe would find it (the decision's own logic, not the probe, is tested here)."""
    kind: str = request.param
    has_kvm, answers = MACHINES[kind]
    accel.choose.cache_clear()
    monkeypatch.setattr(accel, "qemu_binary", lambda: "/usr/bin/qemu-system-x86_64")
    (tmp_path / "kvm").touch()
    monkeypatch.setattr(accel, "KVM_DEVICE", str(tmp_path / ("kvm" if has_kvm else "no-kvm")))
    monkeypatch.setattr(accel, "probe", lambda driver: answers[driver])
    yield kind
    accel.choose.cache_clear()


@pytest.mark.parametrize("os_name", sorted(FAMILIES))
@pytest.mark.parametrize("machine", sorted(MACHINES), indirect=True)
def test_accelerator_and_guest_cpu_for_each_os_on_each_machine(machine: str, os_name: str, state_dir: Path) -> None:
    """A Rocky box brings its own kernel: the decision needs none of ours, and every guest gets x86-64-v3."""
    spec = load_spec(default_lab_file()).model_copy(update={"name": "acc"})
    spec = spec.model_copy(update={"vm": spec.vm.model_copy(update={"os": os_name})})
    shown = VagrantBackend(spec).dry_run()
    driver, mode = EXPECTED[machine]
    assert shown["decided"]["accel"] == driver and shown["decided"]["cpu_mode"] == mode  # type: ignore[index]
    assert shown["decided"]["guest_cpu"] == "x86-64-v3"  # type: ignore[index]
    plan = shown["plan"]
    assert plan["driver"] == driver and plan["cpu_mode"] == mode and "cpu_model" not in plan  # type: ignore[index]
    assert plan["boot_timeout"] == (900 if driver == "qemu" else 300)  # type: ignore[index]
    assert {m["cpus"] for m in plan["machines"]} == ({1} if driver == "qemu" else {2})  # type: ignore[index]
    # `up` decides the same: the spec it records carries the dry run's choice
    said: list[str] = []
    be = VagrantBackend(spec, said.append)
    assert be.resolved().vm.accel == driver and any(mode in line for line in said)


@pytest.mark.parametrize("machine", ["kvm-unusable"], indirect=True)
def test_doctor_speaks_of_the_guests_cpu(machine: str, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = load_spec(default_lab_file())
    found = vdoctor._guest_cpu_finding(spec)
    assert found.ok and "guest CPU maximum (x86-64-v3)" in found.detail and "software emulation" in found.detail
    monkeypatch.setattr(accel, "probe", lambda driver: (NEHALEM, "ran") if driver == "qemu" else (None, "no"))
    accel.choose.cache_clear()
    old = vdoctor._guest_cpu_finding(spec)  # an emulator without AVX2 (QEMU < 7.2): Rocky 10 would not boot
    assert not old.ok and old.blocking and "x86-64-v2" in old.detail and "avx2" in old.detail and "7.2" in old.fix
    debian = spec.model_copy(update={"vm": spec.vm.model_copy(update={"os": "debian12"})})
    assert vdoctor._guest_cpu_finding(debian).ok


def test_this_machine_dry_run_shows_what_doctor_says(state_dir: Path) -> None:
    """The real probe, here: `up --dry-run` for rocky10 and doctor give one accelerator and one guest CPU."""
    if accel.qemu_binary() is None:
        pytest.fail("qemu-system-x86_64 is not installed: run `make deps-vm`")
    accel.choose.cache_clear()
    r = cli("up", "--backend", "vagrant", "--os", "rocky10", "--dry-run")
    stops = json.loads(r.stdout)["up_would_stop_on"]  # rocky10 needs a running system libvirtd: here maybe none
    assert r.returncode == (1 if stops else 0), r.stderr
    decided = json.loads(r.stdout)["decided"]
    cpu = accel.choose("auto")
    assert (decided["accel"], decided["cpu_mode"], decided["guest_cpu"]) == (cpu.driver, cpu.cpu_mode,
                                                                          f"x86-64-v{cpu.level}")
    assert decided["guest_cpu"] == "x86-64-v3"  # QEMU ≥ 7.2 here, KVM or not
    found = {f.check: f for f in vdoctor.findings(load_spec(default_lab_file()))}
    assert found["guest CPU"].detail.startswith(("software emulation" if cpu.emulated else "KVM") +
                                                f", guest CPU {decided['cpu_mode']} ({decided['guest_cpu']})")
    assert vplan.build(load_spec(default_lab_file()), accel=cpu.driver)["cpu_mode"] == decided["cpu_mode"]
