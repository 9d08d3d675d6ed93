"""KVM or software emulation, decided by trying: a /dev/kvm that cannot start a guest counts as absent.

On some machines /dev/kvm exists but an ordinary guest kernel fails ("failed
to set MSR 0x10a") or hangs; SeaBIOS alone runs fine there, so the probe boots
a real kernel (the box's) until it panics for want of a root filesystem.

    >>> choose(Path("~/.cache/airgaplab/boxes/debian12-….vmlinuz"))
    Accel(driver='qemu', why='KVM could not start a guest kernel (...): software emulation')
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

PROBE_TIMEOUT_S = 20.0
BOOTED = ("Kernel panic", "VFS: Unable to mount root", "Run /init")


@dataclass(frozen=True)
class Accel:
    driver: str  # vagrant-libvirt's libvirt.driver: kvm | qemu
    why: str

    @property
    def emulated(self) -> bool:
        return self.driver == "qemu"


def _boots(kernel: Path, accel: str) -> tuple[bool, str]:
    argv = ["qemu-system-x86_64", "-accel", accel, "-m", "256", "-nodefaults", "-nographic", "-serial", "stdio",
            "-monitor", "none", "-no-reboot", "-kernel", str(kernel), "-append", "console=ttyS0 panic=-1"]
    if accel == "kvm":
        argv[3:3] = ["-cpu", "host"]
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=PROBE_TIMEOUT_S, errors="replace")
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
        if any(b in out for b in BOOTED):
            return True, "booted"
        return False, f"no kernel output within {PROBE_TIMEOUT_S:.0f} s (hangs)"
    out = proc.stdout + proc.stderr
    if any(b in out for b in BOOTED):
        return True, "booted"
    last = next((line for line in reversed(out.strip().splitlines()) if line.strip()), f"exit {proc.returncode}")
    return False, last.strip()[:120]


@functools.cache  # doctor and `up` ask in one run; a hanging KVM costs the probe's timeout once
def choose(kernel: Path | None) -> Accel:
    """kvm where it really starts a guest, else qemu (software emulation), with the reason."""
    if shutil.which("qemu-system-x86_64") is None:
        return Accel("qemu", "qemu-system-x86_64 missing (install qemu-system-x86)")
    if not os.path.exists("/dev/kvm"):
        return Accel("qemu", "no /dev/kvm: software emulation")
    if kernel is None or not kernel.exists():
        return Accel("qemu", "no guest kernel to try KVM with yet (build the box first): software emulation")
    ok, detail = _boots(kernel, "kvm")
    if ok:
        return Accel("kvm", "KVM started a guest kernel")
    return Accel("qemu", f"KVM could not start a guest kernel ({detail}): software emulation")
