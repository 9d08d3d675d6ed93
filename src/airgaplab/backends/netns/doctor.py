"""doctor's findings for the embedded netns lab (root, the daemons' packages, overlayfs, the simulated internet's
ranges), and whether it can come up here (`usable`)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from airgaplab import kit
from airgaplab.backends.netns.syscalls import CLONE_NEWNS, has_boot_namespaces, setns
from airgaplab.diagnosis import Diagnosis, run
from airgaplab.lab.spec import LabSpec

# tool → the Debian package that has it: `up` refuses and `doctor` reports from this one list. chronyd, named and
# the BIND tools are not among them: the lab's own come unpacked into a cache (kit.py), not installed here.
REQUIRED_TOOLS = {
    "ip": "iproute2", "nsenter": "util-linux", "unshare": "util-linux", "mount": "mount", "tar": "tar",
    "nft": "nftables", "ping": "iputils-ping", "python3": "python3",
}
RPM_NAMES = {"iproute2": "iproute", "iputils-ping": "iputils", "mount": "util-linux"}  # where Fedora/EL differ


def missing_tools() -> dict[str, str]:
    """The tools the netns backend needs that this machine lacks, with their packages."""
    return {t: pkg for t, pkg in REQUIRED_TOOLS.items() if shutil.which(t) is None}


def install_command(packages: list[str]) -> str:
    """The command that installs Debian-named `packages` on this machine."""
    if kit.manager() == "dnf":
        return f"dnf install -y {' '.join(sorted({RPM_NAMES.get(p, p) for p in packages}))}"
    return f"apt-get install {' '.join(packages)}"


def usable(spec: LabSpec | None = None) -> tuple[bool, str]:
    """The embedded lab needs nothing `up` does not check itself (root, tools): it is where `auto` ends."""
    return True, "the embedded netns backend"


def findings(spec: LabSpec) -> list[Diagnosis]:
    from airgaplab.backends.netns.addressing import SIM_RANGES, machine_networks

    f = [Diagnosis("root", os.geteuid() == 0, "running as root" if os.geteuid() == 0 else f"uid {os.geteuid()}",
                 "run as root (sudo): namespaces and mounts need it")]
    missing = sorted(set(missing_tools().values()))
    f.append(Diagnosis("iproute2, nftables, util-linux", not missing,
                     "all present" if not missing else f"missing packages: {', '.join(missing)}",
                     f"make deps ({install_command(missing)})"))
    f.append(_kit_finding())
    has_overlay = "overlay" in Path("/proc/filesystems").read_text() or _modprobe_overlay()
    f.append(Diagnosis("overlayfs", has_overlay, "available" if has_overlay else "not in /proc/filesystems",
                     "modprobe overlay (hosts' /etc and /var are overlays)"))
    chroot = in_chroot()
    f.append(Diagnosis("a root of its own", not chroot, "a chroot" if chroot else "/ is PID 1's",
                     "run the lab in a container (the Containerfile: its own PID 1 and mount namespace), not a chroot: "
                     "a host entered by its mount namespace sees that namespace's root"))
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


def _kit_finding() -> Diagnosis:
    """The lab's own chrony and BIND: fetched, or fetchable by `up` (never a blocker while apt or dnf is here)."""
    fetched = kit.cached()
    if fetched is not None:
        return Diagnosis("the lab's own chrony and BIND", True, f"{fetched.summary} in {fetched.root}", "")
    how = kit.manager()
    return Diagnosis("the lab's own chrony and BIND", how is not None,
                     f"not fetched yet: `up` downloads them with {how} into {kit.default_dir()} (a few MB, once; "
                     "nothing is installed on this machine)" if how else "this machine has neither apt nor dnf",
                     "run the lab in the Containerfile's container (README)")




def in_chroot() -> bool:
    """/ is not this mount namespace's root (a chroot, as a bare root entered with chroot is): a host's view,
    entered by its mount namespace, would see the namespace's root — the machine's — not this one. Asked as the
    hosts are entered: a child joins this very mount namespace (which resets its root) and says what / is then.
    A container's / is its namespace's own (pivot_root). Not root: no answer (False)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        said = b""
        try:
            setns("/proc/self/ns/mnt", CLONE_NEWNS)
            st = os.stat("/")
            said = f"{st.st_dev}:{st.st_ino}".encode()
        except OSError:
            pass
        finally:
            os.write(write, said)
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as f:
        ns_root = f.read().decode()
    os.waitpid(pid, 0)
    mine = os.stat("/")
    return bool(ns_root) and ns_root != f"{mine.st_dev}:{mine.st_ino}"
