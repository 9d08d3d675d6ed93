"""Saved lab states on VMs: a libvirt snapshot of each VM with its memory (internal, in the VM's qcow2), taken,
reverted and deleted side by side. After a revert the guests' clocks are wrong: clock.py sets them."""

from __future__ import annotations

import json
import subprocess
import time
from typing import TYPE_CHECKING

from airgaplab.errors import LabError
from airgaplab.lab import provisioner

if TYPE_CHECKING:
    from airgaplab.backends.vagrant.backend import VagrantBackend


def virsh(be: VagrantBackend, *args: str) -> subprocess.CompletedProcess[str]:
    argv = be.hv.wrap(["virsh", "-c", "qemu:///system", *args])
    return subprocess.run(argv, capture_output=True, text=True, timeout=900)


def save(be: VagrantBackend, name: str) -> None:
    def snapshot(host: str) -> None:
        virsh(be, "snapshot-delete", "--domain", be.domain(host), "--snapshotname", name)  # a re-save
        r = virsh(be, "snapshot-create-as", "--domain", be.domain(host), "--name", name, "--atomic")
        if r.returncode != 0:
            raise LabError(f"{host}: `virsh snapshot-create-as` failed: {r.stderr.strip()}")

    be.progress(f"saving state {name}: a snapshot of each VM, memory included")
    provisioner.parallel(be.spec.host_names, snapshot)
    meta = be.state.states_dir / name / "meta.json"
    meta.parent.mkdir(parents=True, exist_ok=True)
    meta.write_text(json.dumps({"name": name, "saved": time.time(), "hosts": be.spec.host_names}))


def restore(be: VagrantBackend, name: str) -> None:
    def revert(host: str) -> None:
        r = virsh(be, "snapshot-revert", "--domain", be.domain(host), "--snapshotname", name, "--running", "--force")
        if r.returncode != 0:
            raise LabError(f"{host}: `virsh snapshot-revert` failed: {r.stderr.strip()}")

    # the shared ssh connections end first: a reverted guest holds them as they were when saved, and a
    # connection whose two ends disagree only hangs
    be.hang_up(be.spec.host_names)
    be.progress(f"reverting every VM to {name} (memory included: nothing boots)")
    provisioner.parallel(be.spec.host_names, revert)


def delete(be: VagrantBackend, name: str) -> None:
    for host in be.spec.host_names:
        virsh(be, "snapshot-delete", "--domain", be.domain(host), "--snapshotname", name)
