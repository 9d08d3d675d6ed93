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
from pathlib import Path
from typing import Any

from airgaplab.backends.vagrant.libvirt.host import LibvirtHost
from airgaplab.paths import project_root


class VagrantRunner:
    """vagrant for the lab `lab` whose state dir is `state_dir`, on the libvirt host `hv`.

        runner = VagrantRunner("lab", state_dir, hv)
        runner.vagrant().up(provider="libvirt", provision=False)
    """

    def __init__(self, lab: str, state_dir: Path, hv: LibvirtHost) -> None:
        self.lab, self.dir, self.hv = lab, state_dir, hv

    @property
    def plan_path(self) -> Path:
        return self.dir / "plan.json"

    def root(self) -> Path:
        """The lab's Vagrantfile root (written when first asked for)."""
        d = self.dir / "vagrant-root"
        if not (d / "Vagrantfile").exists():
            d.mkdir(parents=True, exist_ok=True)
            (d / "Vagrantfile").write_text(f"# airgaplab: lab {self.lab}'s own root (runner.py says why)\n"
                                           f"load {str(project_root() / 'Vagrantfile')!r}\n")
        return d

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "AIRGAPLAB_LAB": self.lab, "AIRGAPLAB_PLAN": str(self.plan_path),
                "VAGRANT_DOTFILE_PATH": str(self.dir / "vagrant"), "VAGRANT_DEFAULT_PROVIDER": "libvirt",
                "VAGRANT_CHECKPOINT_DISABLE": "1",
                # entering the hypervisor's mount namespace resets the working directory
                "VAGRANT_CWD": str(self.root())}

    def exe(self) -> str:
        """vagrant itself, or a one-line wrapper that runs it where the host says (a private hypervisor's
        namespace)."""
        real = shutil.which("vagrant") or "vagrant"
        if self.hv.namespace() is None:
            return real
        wrapper = self.dir / "bin" / "vagrant"
        if not wrapper.exists():
            wrapper.parent.mkdir(parents=True, exist_ok=True)
            wrapper.write_text("#!/bin/sh\nexec " + shlex.join(self.hv.wrap([real])) + ' "$@"\n')
            wrapper.chmod(0o755)
        return str(wrapper)

    def vagrant(self) -> Any:
        import vagrant as python_vagrant

        v = python_vagrant.Vagrant(  # type: ignore[no-untyped-call]  # python-vagrant ships no annotations
            root=str(self.root()), env=self.env, quiet_stdout=False, quiet_stderr=False)
        v._vagrant_exe = self.exe()  # python-vagrant has no public way to name the executable
        return v

    def commands(self) -> list[str]:
        """The exact vagrant commands `up` and `down` run (shown by --dry-run)."""
        assigned = f"AIRGAPLAB_PLAN={self.plan_path} VAGRANT_DOTFILE_PATH={self.dir / 'vagrant'}"
        ns = self.hv.namespace()
        where = f"(inside the private hypervisor's namespace {ns}) " if ns else ""
        cwd = self.dir / "vagrant-root"
        return [
            f"{where}cd {cwd} && {assigned} vagrant up --provider=libvirt --no-provision",
            f"{where}cd {cwd} && {assigned} vagrant destroy --force",
        ]
