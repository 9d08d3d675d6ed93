"""Saved lab states on VMs: a libvirt snapshot of each VM with its memory (internal, in the VM's qcow2), taken,
reverted and deleted side by side through libvirt's binding. After a save (the VMs stood still while their
memory was written) and after a revert (they wake with the saved moment's clock) the guests' clocks are wrong:
clock.py sets them."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING

from airgaplab.lab import provisioner

if TYPE_CHECKING:
    from airgaplab.backends.vagrant.backend import VagrantBackend


def save(be: VagrantBackend, name: str) -> None:
    be.progress(f"saving state {name}: a snapshot of each VM, memory included")
    with be.hv.virt() as v:
        provisioner.parallel(be.spec.host_names, lambda host: v.snapshot_create(be.domain(host), name))
    meta = be.state.states_dir / name / "meta.json"
    meta.parent.mkdir(parents=True, exist_ok=True)
    meta.write_text(json.dumps({"name": name, "saved": time.time(), "hosts": be.spec.host_names}))


def restore(be: VagrantBackend, name: str) -> None:
    # the shared ssh connections end first: a reverted guest holds them as they were when saved, and a
    # connection whose two ends disagree only hangs
    be.hang_up(be.spec.host_names)
    be.progress(f"reverting every VM to {name} (memory included: nothing boots)")
    with be.hv.virt() as v:
        provisioner.parallel(be.spec.host_names, lambda host: v.snapshot_revert(be.domain(host), name))


def delete(be: VagrantBackend, name: str) -> None:
    with be.hv.virt() as v:
        for host in be.spec.host_names:
            v.snapshot_delete(be.domain(host), name)
