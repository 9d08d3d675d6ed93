"""doctor's findings for the embedded netns lab (root, the daemons' packages, overlayfs, the simulated internet's
ranges), and whether it can come up here (`usable`)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from airgaplab.backends.netns.syscalls import has_boot_namespaces
from airgaplab.diagnosis import Diagnosis, run
from airgaplab.lab.spec import LabSpec

# tool → the Debian package that has it: `up` refuses and `doctor` reports from this one list
REQUIRED_TOOLS = {
    "ip": "iproute2", "nsenter": "util-linux", "unshare": "util-linux", "mount": "mount", "tar": "tar",
    "chronyd": "chrony", "chronyc": "chrony", "named": "bind9", "named-checkconf": "bind9-utils",
    "dnssec-keygen": "bind9-utils", "dnssec-signzone": "bind9-utils", "dnssec-dsfromkey": "bind9-utils",
    "dig": "bind9-dnsutils", "nft": "nftables", "ping": "iputils-ping", "python3": "python3",
}


def missing_tools() -> dict[str, str]:
    """The tools the netns backend needs that this machine lacks, with their packages."""
    return {t: pkg for t, pkg in REQUIRED_TOOLS.items() if shutil.which(t) is None}


def usable(spec: LabSpec | None = None) -> tuple[bool, str]:
    """The embedded lab needs nothing `up` does not check itself (root, tools): it is where `auto` ends."""
    return True, "the embedded netns backend"


def findings(spec: LabSpec) -> list[Diagnosis]:
    from airgaplab.backends.netns.addressing import SIM_RANGES, machine_networks

    f = [Diagnosis("root", os.geteuid() == 0, "running as root" if os.geteuid() == 0 else f"uid {os.geteuid()}",
                 "run as root (sudo): namespaces and mounts need it")]
    missing = set(missing_tools().values())
    f.append(Diagnosis("chronyd, named, dig, iproute2", not missing,
                     "all present" if not missing else f"missing packages: {', '.join(sorted(missing))}",
                     f"make deps (apt-get install {' '.join(sorted(missing))})"))
    has_overlay = "overlay" in Path("/proc/filesystems").read_text() or _modprobe_overlay()
    f.append(Diagnosis("overlayfs", has_overlay, "available" if has_overlay else "not in /proc/filesystems",
                     "modprobe overlay (hosts' /etc and /var are overlays)"))
    kernel = os.uname().release
    f.append(Diagnosis("PID and time namespaces", has_boot_namespaces(), f"Linux {kernel}",
                     "a kernel of Linux 5.6 or newer: each host boots with a PID 1 and a clock of its own"))
    clash = [f"{own} overlaps {r}" for own in machine_networks() for r in SIM_RANGES if own.overlaps(r)]
    f.append(Diagnosis("simulated internet ranges free", not clash, "; ".join(clash) or
                     ", ".join(str(r) for r in SIM_RANGES), "run the lab on a machine that is not itself on these ranges"))
    return f


def _modprobe_overlay() -> bool:
    p = run(["modprobe", "overlay"])
    return bool(p and p.returncode == 0) and "overlay" in Path("/proc/filesystems").read_text()
