"""Which libvirtd the VMs run on: the machine's own (system), or a private one airgaplab starts.

A system libvirtd that is installed but not running is named, with the command
that starts it — never silently replaced by a private hypervisor, whose only
way out is the simulated internet: a box published on the real internet (Rocky
Linux 10's), and the packages its admin installs (`dnf install bind`), cannot
be had there. Only a box built on this machine (debian12) runs on a private
hypervisor.

    >>> choose("auto", "rocky10")
    Choice(kind='system', why='the system libvirtd is installed but not running ...', blocker='...')
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from airgaplab.backends.vagrant.libvirt.virt import SYSTEM_URI, Virt
from airgaplab.lab.family import family

UNIT_DIRS = (Path("/etc/systemd/system"), Path("/usr/lib/systemd/system"), Path("/lib/systemd/system"))
# monolithic libvirtd (Debian, Ubuntu, Fedora) or the modular daemons (EL9/EL10's default)
START = {
    "libvirtd": "systemctl enable --now libvirtd",
    "virtqemud": "systemctl enable --now virtqemud.socket virtnetworkd.socket virtstoraged.socket",
}


@dataclass(frozen=True)
class SystemLibvirtd:
    state: str  # running | stopped (installed, not answering) | absent
    start: str  # the command that starts it ("" when absent)


@dataclass(frozen=True)
class Choice:
    kind: str  # system | private
    why: str
    blocker: str = ""  # non-empty: the VM lab cannot come up on this choice, and what to do


def _installed(units: tuple[Path, ...] = UNIT_DIRS, which: Callable[[str], str | None] = shutil.which) -> str | None:
    for daemon in START:
        if any((d / f"{daemon}.service").exists() for d in units) or which(daemon):
            return daemon
    return None


def reachable() -> bool:
    """Whether the system libvirtd answers (through libvirt's binding: without it, no VM lab anyway)."""
    return Virt.answers(SYSTEM_URI)


def system_libvirtd() -> SystemLibvirtd:
    daemon = _installed()
    if reachable():
        return SystemLibvirtd("running", START[daemon or "libvirtd"])
    return SystemLibvirtd("stopped", START[daemon]) if daemon else SystemLibvirtd("absent", "")


def box_is_local(os_name: str) -> bool:
    """Whether airgaplab builds os_name's box on this machine (so nothing must come from the real internet)."""
    return family(os_name).box_built_here


def choose(setting: str, os_name: str, system: SystemLibvirtd | None = None) -> Choice:
    """vm.hypervisor (auto | system | private) decided for a guest OS, with why, and what blocks it if anything."""
    system = system or system_libvirtd()
    local = box_is_local(os_name)
    offline = (f"a private hypervisor reaches only the simulated internet, and the {os_name} box and admin's "
               "packages come from the real one")
    if setting == "private":
        return Choice("private", "vm.hypervisor: private", "" if local else f"{offline} — use the system libvirtd "
                      "(vm.hypervisor: system), or --os debian12")
    if setting == "system" or system.state == "running" or (system.state == "stopped" and not local):
        if system.state == "running":
            return Choice("system", "the system libvirtd (qemu:///system)")
        if system.state == "stopped":
            return Choice("system", "the system libvirtd is installed but not running",
                          f"start it: `{system.start}`")
        return Choice("system", "vm.hypervisor: system, but no libvirtd is installed",
                      "install it: `make deps-vm`, then `systemctl enable --now libvirtd`")
    if system.state == "stopped":
        return Choice("private", f"the system libvirtd is installed but not running (`{system.start}` would "
                      f"start it); the {os_name} box is built here, so a private libvirtd in the lab's namespace serves")
    if not local:
        return Choice("private", "no system libvirtd", f"{offline} — install and start libvirtd "
                      "(`make deps-vm`, then `systemctl enable --now libvirtd`)")
    return Choice("private", "no system libvirtd: a private libvirtd in the lab's own namespace")
