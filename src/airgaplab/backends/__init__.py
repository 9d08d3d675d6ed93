"""Choosing a backend, and finding the labs that are up."""

from __future__ import annotations

import shutil
import subprocess

from airgaplab.backends.base import Backend, Progress, _quiet
from airgaplab.errors import UserError
from airgaplab.paths import state_root
from airgaplab.spec import Lab

BACKENDS = ("netns", "vagrant")


def vagrant_usable() -> tuple[bool, str]:
    """vagrant + the vagrant-libvirt plugin + a reachable libvirtd, or why not."""
    if shutil.which("vagrant") is None:
        return False, "no vagrant"
    try:
        plugins = subprocess.run(["vagrant", "plugin", "list"], capture_output=True, text=True, timeout=60).stdout
    except (OSError, subprocess.TimeoutExpired):
        return False, "vagrant does not answer"
    if "vagrant-libvirt" not in plugins:
        return False, "no vagrant-libvirt plugin"
    if shutil.which("virsh") is None:
        return False, "no virsh (libvirt-clients)"
    ok = subprocess.run(["virsh", "-c", "qemu:///system", "version"], capture_output=True, timeout=30).returncode == 0
    return (True, "vagrant + libvirt") if ok else (False, "libvirtd not reachable at qemu:///system")


def resolve_backend_name(name: str) -> tuple[str, str]:
    """(backend, why) for --backend netns|vagrant|auto."""
    if name == "auto":
        ok, why = vagrant_usable()
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
