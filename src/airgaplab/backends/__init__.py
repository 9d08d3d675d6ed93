"""Choosing a backend, and finding the labs that are up."""

from __future__ import annotations

import os
import shutil
import subprocess

from airgaplab.backends.base import Backend, Progress, _quiet
from airgaplab.errors import UserError
from airgaplab.paths import state_root
from airgaplab.spec import Lab

BACKENDS = ("netns", "vagrant")


PRIVATE_HYPERVISOR_TOOLS = ("libvirtd", "virsh", "qemu-system-x86_64", "dnsmasq", "iptables", "nft", "nsenter")


def private_hypervisor_missing() -> list[str]:
    """What a private hypervisor needs and this machine lacks (root and its tools)."""
    missing = [t for t in PRIVATE_HYPERVISOR_TOOLS if shutil.which(t) is None]
    return (["root"] if os.geteuid() != 0 else []) + missing


def vagrant_usable(lab: Lab | None = None) -> tuple[bool, str]:
    """Can a VM lab really come up here: vagrant + vagrant-libvirt, a hypervisor, and the box at hand? Or why not."""
    if shutil.which("vagrant") is None:
        return False, "no vagrant"
    try:
        plugins = subprocess.run(["vagrant", "plugin", "list"], capture_output=True, text=True, timeout=60,
                                 cwd="/").stdout
    except (OSError, subprocess.TimeoutExpired):
        return False, "vagrant does not answer"
    if "vagrant-libvirt" not in plugins:
        return False, "no vagrant-libvirt plugin"
    from airgaplab.backends.vagrant.backend import system_libvirt_reachable

    if system_libvirt_reachable():
        where = "the system libvirtd"
    elif missing := private_hypervisor_missing():
        return False, f"no reachable libvirtd, and a private one needs {', '.join(missing)}"
    else:
        where = "a private libvirtd"
    if lab is not None:
        from airgaplab import box
        from airgaplab.backends.vagrant.plan import box_name

        name = box_name(lab)
        if lab.vm.os != "rocky10" and box.box_file(box.recipe(lab.vm.os)).exists():
            return True, f"vagrant + {where}, {lab.vm.os} box cached"
        if name not in box.vagrant_boxes():
            how = "`vagrant box add` it" if lab.vm.os == "rocky10" else f"`airgaplab box build {lab.vm.os}`"
            return False, f"the {lab.vm.os} box {name} is not cached ({how})"
    return True, f"vagrant + {where}"


def resolve_backend_name(name: str, lab: Lab | None = None) -> tuple[str, str]:
    """(backend, why) for --backend netns|vagrant|auto: vagrant on auto only where a VM lab can come up."""
    if name == "auto":
        ok, why = vagrant_usable(lab)
        return ("vagrant", why) if ok else ("netns", f"{why}: using the embedded netns backend")
    if name not in BACKENDS:
        raise UserError(f"--backend {name}: unknown backend — use netns, vagrant or auto")
    return name, "chosen with --backend"


def make_backend(name: str, lab: Lab, progress: Progress = _quiet) -> Backend:
    if name == "netns":
        from airgaplab.backends.netns.backend import NetnsBackend

        return NetnsBackend(lab, progress)
    if name == "vagrant":
        from airgaplab.backends.vagrant.backend import VagrantBackend

        return VagrantBackend(lab, progress)
    raise UserError(f"--backend {name}: unknown backend — use netns, vagrant or auto")


def known_labs() -> list[str]:
    root = state_root()
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / "state.json").exists() or p.is_dir())


def open_lab(name: str | None, progress: Progress = _quiet) -> Backend:
    """The backend of a lab that was brought up (from its recorded spec)."""
    from airgaplab.backends.journal import Journal

    labs = known_labs()
    if name is None:
        if not labs:
            raise UserError("no lab is up — bring one up with `make lab-up` (or `airgaplab up`)")
        if len(labs) > 1:
            raise UserError(f"several labs are up ({', '.join(labs)}) — pick one with --name")
        name = labs[0]
    journal = Journal.load(state_root() / name / "state.json")
    if journal is None:
        if name in labs:  # a state dir without its record: an `up` killed at its very start
            # down() needs only the lab's name (its namespaces' prefix and state dir)
            from airgaplab.paths import default_lab_file
            from airgaplab.spec import load_spec

            return make_backend("netns", load_spec(default_lab_file()).model_copy(update={"name": name}), progress)
        raise UserError(f"no lab named {name!r} is up — labs here: {', '.join(labs) or 'none'}")
    lab = Lab.model_validate(journal.spec)
    return make_backend(journal.backend, lab, progress)
