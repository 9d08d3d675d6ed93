"""Choosing a backend, and finding the labs that are up."""

from __future__ import annotations

import os
import shutil
import subprocess

from airgaplab.backends.base import Backend, Progress, quiet
from airgaplab.backends.state import LabState
from airgaplab.errors import UserError
from airgaplab.paths import state_root
from airgaplab.spec import LabSpec, Vm

BACKENDS = ("netns", "vagrant")


PRIVATE_HYPERVISOR_TOOLS = ("libvirtd", "virsh", "qemu-system-x86_64", "dnsmasq", "iptables", "nft", "nsenter")


def private_hypervisor_missing() -> list[str]:
    """What a private hypervisor needs and this machine lacks (root and its tools)."""
    missing = [t for t in PRIVATE_HYPERVISOR_TOOLS if shutil.which(t) is None]
    return (["root"] if os.geteuid() != 0 else []) + missing


def vagrant_usable(spec: LabSpec | None = None) -> tuple[bool, str]:
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
    from airgaplab.backends.vagrant import libvirtd

    vm = spec.vm if spec else Vm()
    choice = libvirtd.choose(vm.hypervisor, vm.os)
    if choice.blocker:
        return False, f"{choice.why}: {choice.blocker}"
    if choice.kind == "system":
        where = "the system libvirtd"
    elif missing := private_hypervisor_missing():
        return False, f"no reachable libvirtd, and a private one needs {', '.join(missing)}"
    else:
        where = "a private libvirtd"
    if spec is not None:
        from airgaplab import box
        from airgaplab.backends.vagrant.plan import box_name

        name = box_name(spec)
        if libvirtd.box_is_local(spec.vm.os) and box.box_file(box.recipe(spec.vm.os)).exists():
            return True, f"vagrant + {where}, {spec.vm.os} box cached"
        if name not in box.vagrant_boxes():
            how = f"`airgaplab box build {spec.vm.os}`" if libvirtd.box_is_local(spec.vm.os) else "`vagrant box add` it"
            return False, f"the {spec.vm.os} box {name} is not cached ({how})"
    return True, f"vagrant + {where}"


def resolve_backend_name(name: str, spec: LabSpec | None = None) -> tuple[str, str]:
    """(backend, why) for --backend netns|vagrant|auto: vagrant on auto only where a VM lab can come up."""
    if name == "auto":
        ok, why = vagrant_usable(spec)
        return ("vagrant", why) if ok else ("netns", f"{why}: using the embedded netns backend")
    if name not in BACKENDS:
        raise UserError(f"--backend {name}: unknown backend — use netns, vagrant or auto")
    return name, "chosen with --backend"


def make_backend(name: str, spec: LabSpec, progress: Progress = quiet) -> Backend:
    if name == "netns":
        from airgaplab.backends.netns.backend import NetnsBackend

        return NetnsBackend(spec, progress)
    if name == "vagrant":
        from airgaplab.backends.vagrant.backend import VagrantBackend

        return VagrantBackend(spec, progress)
    raise UserError(f"--backend {name}: unknown backend — use netns, vagrant or auto")


def known_labs() -> list[str]:
    """The labs with a state directory here (up, or left half-created)."""
    root = state_root()
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if p.is_dir())


def _only_lab(name: str | None) -> str:
    labs = known_labs()
    if name is not None:
        return name
    if not labs:
        raise UserError("no lab is up — bring one up with `make lab-up` (or `airgaplab up`)")
    if len(labs) > 1:
        raise UserError(f"several labs are up ({', '.join(labs)}) — pick one with --name")
    return labs[0]


def open_lab(name: str | None, progress: Progress = quiet) -> Backend:
    """The backend of a lab that was brought up (from its recorded spec)."""
    name = _only_lab(name)
    journal = LabState(name).journal()
    if journal is None:
        if name in known_labs():  # a state dir without its record: an `up` killed at its very start
            return leftover_lab(name, progress)
        raise UserError(f"no lab named {name!r} is up — labs here: {', '.join(known_labs()) or 'none'}")
    return make_backend(journal.backend, LabSpec.model_validate(journal.spec), progress)


def leftover_lab(name: str, progress: Progress = quiet) -> Backend:
    """What `down` needs of a lab with no record: its name (its namespaces' prefix and state dir)."""
    from airgaplab.paths import default_lab_file
    from airgaplab.spec import load_spec

    return make_backend("netns", load_spec(default_lab_file()).model_copy(update={"name": name}), progress)


def lab_to_take_down(name: str | None, progress: Progress = quiet) -> Backend | None:
    """The lab `down` removes: the one named (recorded or not), the only one here, or None when none is."""
    if name is None and not known_labs():
        return None
    name = _only_lab(name)
    return open_lab(name, progress) if LabState(name).journal() else leftover_lab(name, progress)
