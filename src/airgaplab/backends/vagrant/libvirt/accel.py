"""The guests' accelerator and CPU, decided once by trying, and shown before they are used.

KVM counts only where it really runs a guest: on some machines /dev/kvm exists
but QEMU aborts on the host CPU's model ("failed to set MSR 0x10a") or hangs.
The probe boots nothing of a box's: 512 bytes of our own (cpuprobe.S) that
SeaBIOS loads, which print the guest CPU's CPUID words and leave through
isa-debug-exit — so the same probe tells whether KVM runs a guest *and* which
x86-64 level the guest CPU offers. EL10 (Rocky 10) is built for x86-64-v3 and
stops at boot without it ("Fatal glibc error: CPU does not support
x86-64-v3"); QEMU ≥ 7.2 implements AVX2 in software, so under emulation the
guests get libvirt's `maximum` CPU (QEMU's `-cpu max`), never qemu64.

    >>> choose("auto")
    GuestCpu(driver='qemu', cpu_mode='maximum', level=3, why='KVM could not run a guest (...): software emulation')
"""

from __future__ import annotations

import functools
import os
import re
import select
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from airgaplab.lab.family import FAMILIES

PROBE_TIMEOUT_S = 20.0
KVM_DEVICE = "/dev/kvm"
# cpuprobe.S assembled (GNU as + ld --oformat binary); padded to a boot sector below
CODE = bytes.fromhex(
    "fa31c08ed88ec08ed0bc007cbe847ce8480066b8010000000fa26689c8e84900"
    "e8420066b8070000006631c90fa26689d8e83500e82e0066b8010000800fa266"
    "89c8e82400b00ae80900baf400b010eef4ebfd52baf803ee5ac3ac84c07405e8"
    "f1ffebf6c3b020ebeab9080066c1c0046650240f04303c3976020407e8d4ff66"
    "58e2e9c341474c4350552000"
)
BOOT_SECTOR = CODE.ljust(510, b"\0") + b"\x55\xaa"
LINE = re.compile(r"AGLCPU ([0-9A-F]{8}) ([0-9A-F]{8}) ([0-9A-F]{8})")

# (register, bit) of each feature, by x86-64 psABI level; XSAVE stands for OSXSAVE, which only an OS sets
LEVELS: dict[int, dict[str, tuple[str, int]]] = {
    2: {"cx16": ("1.ecx", 13), "lahf_lm": ("ext.ecx", 0), "popcnt": ("1.ecx", 23), "sse3": ("1.ecx", 0),
        "sse4_1": ("1.ecx", 19), "sse4_2": ("1.ecx", 20), "ssse3": ("1.ecx", 9)},
    3: {"avx": ("1.ecx", 28), "avx2": ("7.ebx", 5), "bmi1": ("7.ebx", 3), "bmi2": ("7.ebx", 8),
        "f16c": ("1.ecx", 29), "fma": ("1.ecx", 12), "abm": ("ext.ecx", 5), "movbe": ("1.ecx", 22),
        "xsave": ("1.ecx", 26)},
}
MODES = {"kvm": "host-passthrough", "qemu": "maximum"}  # libvirt <cpu mode=…>: the host's CPU / QEMU's -cpu max
QEMU_CPU = {"kvm": "host", "qemu": "max"}


@dataclass(frozen=True)
class GuestCpu:
    """What the guests will run on: vagrant-libvirt's driver and cpu_mode, and the x86-64 level they get."""

    driver: str  # kvm | qemu (software emulation)
    cpu_mode: str  # host-passthrough | maximum
    level: int  # x86-64-vN the probed guest CPU offers (0: the probe did not run)
    why: str
    missing: tuple[str, ...] = ()  # the next level's features the guest CPU lacks

    @property
    def emulated(self) -> bool:
        return self.driver == "qemu"

    def line(self) -> str:
        """One line, as `up`, `up --dry-run` and doctor print it."""
        kind = "software emulation" if self.emulated else "KVM"
        cpu = f"x86-64-v{self.level}" if self.level else "x86-64 level unknown"
        return f"{kind}, guest CPU {self.cpu_mode} ({cpu}) — {self.why}"


def level_of(words: tuple[int, int, int]) -> tuple[int, tuple[str, ...]]:
    """The x86-64 level CPUID words (leaf 1 ecx, leaf 7 ebx, leaf 0x80000001 ecx) give, and what the next lacks."""
    regs = dict(zip(("1.ecx", "7.ebx", "ext.ecx"), words, strict=True))
    level = 1
    for n in sorted(LEVELS):
        lacking = tuple(f for f, (reg, bit) in LEVELS[n].items() if not regs[reg] >> bit & 1)
        if lacking:
            return level, lacking
        level = n
    return level, ()


def parse(out: str) -> tuple[int, int, int] | None:
    m = LINE.search(out)
    return (int(m.group(1), 16), int(m.group(2), 16), int(m.group(3), 16)) if m else None


def qemu_binary() -> str | None:
    """QEMU for x86-64 guests: qemu-system-x86_64, or EL's /usr/libexec/qemu-kvm (KVM only, no emulation)."""
    return shutil.which("qemu-system-x86_64") or next((p for p in ("/usr/libexec/qemu-kvm",) if os.access(p, os.X_OK)),
                                                       None)


def probe(driver: str) -> tuple[tuple[int, int, int] | None, str]:
    """Boot the probe with the guests' accelerator and CPU: (CPUID words, or None and why not)."""
    qemu = qemu_binary()
    if qemu is None:
        return None, "no qemu-system-x86_64"
    with tempfile.NamedTemporaryFile(prefix="airgaplab-cpuprobe-", suffix=".img") as img:
        Path(img.name).write_bytes(BOOT_SECTOR)
        # no NIC (-nodefaults), nothing written back (snapshot=on); the probe halts once it has printed, and is
        # ended here then (isa-debug-exit would end it sooner, but EL's qemu-kvm leaves that device out)
        argv = [qemu, "-accel", "kvm" if driver == "kvm" else "tcg", "-cpu", QEMU_CPU[driver], "-m", "16",
                "-nodefaults", "-nographic", "-monitor", "none", "-serial", "stdio", "-no-reboot",
                "-drive", f"file={img.name},format=raw,if=ide,snapshot=on"]
        out = _output_until(argv, LINE, PROBE_TIMEOUT_S)
    words = parse(out.text)
    if words is not None:
        return words, "ran"
    if out.timed_out:
        return None, f"no answer within {PROBE_TIMEOUT_S:.0f} s (the guest hangs)"
    last = [line.strip() for line in out.text.splitlines() if line.strip() and "Assertion" not in line]
    return None, (last[-1] if last else f"exit {out.returncode}")[:120]


@dataclass(frozen=True)
class _Output:
    text: str
    timed_out: bool
    returncode: int | None


def _output_until(argv: list[str], wanted: re.Pattern[str], timeout: float) -> _Output:
    """What argv prints (stdout and stderr) until `wanted` shows, it exits, or `timeout` passes; then it is ended."""
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    text, timed_out = b"", False
    try:
        while not wanted.search(text.decode(errors="replace")):
            left = deadline - time.monotonic()
            if left <= 0:
                timed_out = True
                break
            ready, _, _ = select.select([proc.stdout], [], [], left)
            chunk = os.read(proc.stdout.fileno(), 4096) if ready else b""
            if ready and not chunk:
                break  # it exited
            text += chunk
    finally:
        proc.kill()
        proc.wait()
        proc.stdout.close()
    return _Output(text.decode(errors="replace"), timed_out, proc.returncode)


def _emulated(why: str) -> GuestCpu:
    words, detail = probe("qemu")
    if words is None:
        return GuestCpu("qemu", MODES["qemu"], 0, f"{why}; the emulated CPU probe failed: {detail}")
    level, missing = level_of(words)
    return GuestCpu("qemu", MODES["qemu"], level, why, missing)


# the highest x86-64 level a guest OS of the lab needs (EL10: v3): one decision for every OS, so the Debian box
# rehearses on the CPU Rocky Linux 10 gets
GUESTS_NEED = max(f.min_x86_64_level for f in FAMILIES.values())


@functools.cache  # doctor, --dry-run and `up` ask in one run: the probes run once (about 0.2 s each)
def choose(setting: str = "auto") -> GuestCpu:
    """The guests' accelerator and CPU for vm.accel = auto | kvm | qemu, with the reason."""
    if qemu_binary() is None:
        driver = "kvm" if setting == "kvm" else "qemu"
        return GuestCpu(driver, MODES[driver], 0, "qemu-system-x86_64 missing (install qemu-system-x86): nothing probed")
    if setting == "qemu":
        return _emulated("software emulation (vm.accel: qemu)")
    if not os.path.exists(KVM_DEVICE):
        if setting == "kvm":
            return GuestCpu("kvm", MODES["kvm"], 0, "vm.accel: kvm, but this machine has no /dev/kvm")
        return _emulated("no /dev/kvm: software emulation")
    words, detail = probe("kvm")
    if words is not None:
        level, missing = level_of(words)
        kvm = GuestCpu("kvm", MODES["kvm"], level, "KVM ran the probe guest with the host's CPU", missing)
        if level >= GUESTS_NEED or setting == "kvm":
            return kvm
        # a host CPU (often a VM's own, nested) that hides part of v3 from its guests: EL10 would stop at boot
        emulated = _emulated(f"KVM runs guests here, but with the host's CPU they get x86-64-v{level} (it lacks "
                             f"{', '.join(missing)}), below the v{GUESTS_NEED} a guest OS needs: software emulation")
        return emulated if emulated.level >= GUESTS_NEED else kvm
    if setting == "kvm":
        return GuestCpu("kvm", MODES["kvm"], 0, f"vm.accel: kvm, but KVM could not run a guest ({detail})")
    return _emulated(f"KVM could not run a guest ({detail}): software emulation")
