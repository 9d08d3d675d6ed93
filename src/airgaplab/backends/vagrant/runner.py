"""vagrant as a lab runs it: through python-vagrant, with the lab's plan, dot dir and Vagrantfile root of its own,
inside the private hypervisor's namespace when there is one.

Each lab has a root of its own (`<state>/vagrant-root/Vagrantfile`, one line loading the checkout's): Vagrant's
machine index knows a machine by its name and its Vagrantfile's path, so two labs from one checkout — a class's
seats, side by side — would be one `admin` to it, and the second `vagrant up` fails on the first one's lock.
"""

from __future__ import annotations

import os
import shlex
import shutil
from typing import TYPE_CHECKING, Any

from airgaplab.backends.vagrant.hypervisor import HV
from airgaplab.paths import project_root

if TYPE_CHECKING:
    from pathlib import Path

    from airgaplab.backends.vagrant.backend import VagrantBackend


def root(be: VagrantBackend) -> Path:
    """The lab's Vagrantfile root (written when first asked for)."""
    d = be.state.dir / "vagrant-root"
    if not (d / "Vagrantfile").exists():
        d.mkdir(parents=True, exist_ok=True)
        (d / "Vagrantfile").write_text(f"# airgaplab: lab {be.spec.name}'s own root (runner.py says why)\n"
                                       f"load {str(project_root() / 'Vagrantfile')!r}\n")
    return d


def env(be: VagrantBackend) -> dict[str, str]:
    return {**os.environ, "AIRGAPLAB_LAB": be.spec.name, "AIRGAPLAB_PLAN": str(be.plan_path),
            "VAGRANT_DOTFILE_PATH": str(be.state.dir / "vagrant"), "VAGRANT_DEFAULT_PROVIDER": "libvirt",
            "VAGRANT_CHECKPOINT_DISABLE": "1",
            # entering the hypervisor's mount namespace resets the working directory
            "VAGRANT_CWD": str(root(be))}


def exe(be: VagrantBackend) -> str:
    """vagrant itself, or a one-line wrapper that runs it inside the private hypervisor's namespace."""
    real = shutil.which("vagrant") or "vagrant"
    if not be.hv.private:
        return real
    wrapper = be.state.dir / "bin" / "vagrant"
    if not wrapper.exists():
        wrapper.parent.mkdir(parents=True, exist_ok=True)
        wrapper.write_text("#!/bin/sh\nexec " + shlex.join(be.hv.wrap([real])) + ' "$@"\n')
        wrapper.chmod(0o755)
    return str(wrapper)


def vagrant(be: VagrantBackend) -> Any:
    import vagrant as python_vagrant

    v = python_vagrant.Vagrant(  # type: ignore[no-untyped-call]  # python-vagrant ships no annotations
        root=str(root(be)), env=env(be), quiet_stdout=False, quiet_stderr=False)
    v._vagrant_exe = exe(be)  # python-vagrant has no public way to name the executable
    return v


def commands(be: VagrantBackend) -> list[str]:
    """The exact vagrant commands `up` and `down` run (shown by --dry-run)."""
    assigned = f"AIRGAPLAB_PLAN={be.plan_path} VAGRANT_DOTFILE_PATH={be.state.dir / 'vagrant'}"
    where = f"(inside the private hypervisor's namespace agl.{be.spec.name}.{HV}) " if be.hv.private else ""
    cwd = be.state.dir / "vagrant-root"
    return [
        f"{where}cd {cwd} && {assigned} vagrant up --provider=libvirt --no-provision",
        f"{where}cd {cwd} && {assigned} vagrant destroy --force",
    ]
