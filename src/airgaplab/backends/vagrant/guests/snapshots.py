"""Saved lab states on VMs: a libvirt snapshot of each VM with its memory (internal, in the VM's qcow2), taken,
reverted and deleted side by side through libvirt's binding. After a save (the VMs stood still while their
memory was written) and after a revert (they wake with the saved moment's clock) the guests' clocks are wrong:
clock.py sets them."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

from airgaplab.backends.base import Progress
from airgaplab.backends.vagrant.libvirt.host import LibvirtHost
from airgaplab.lab import provisioner


class Snapshots:
    """The saved states of the VMs `domains` (host name → libvirt domain) on `hv`, recorded under `states_dir`;
    `hang_up` ends the shared connections to hosts before they are reverted.

        Snapshots(hv, {"admin": "lab-admin"}, states_dir, hang_up, print).save("bare")
    """

    def __init__(self, hv: LibvirtHost, domains: dict[str, str], states_dir: Path,
                 hang_up: Callable[[list[str]], None], progress: Progress) -> None:
        self.hv, self.domains, self.states_dir = hv, domains, states_dir
        self.hang_up, self.progress = hang_up, progress

    def save(self, name: str) -> None:
        self.progress(f"saving state {name}: a snapshot of each VM, memory included")
        with self.hv.virt() as v:
            provisioner.parallel(list(self.domains), lambda host: v.snapshot_create(self.domains[host], name))
        meta = self.states_dir / name / "meta.json"
        meta.parent.mkdir(parents=True, exist_ok=True)
        meta.write_text(json.dumps({"name": name, "saved": time.time(), "hosts": list(self.domains)}))

    def restore(self, name: str) -> None:
        # the shared ssh connections end first: a reverted guest holds them as they were when saved, and a
        # connection whose two ends disagree only hangs
        self.hang_up(list(self.domains))
        self.progress(f"reverting every VM to {name} (memory included: nothing boots)")
        with self.hv.virt() as v:
            provisioner.parallel(list(self.domains), lambda host: v.snapshot_revert(self.domains[host], name))

    def delete(self, name: str) -> None:
        with self.hv.virt() as v:
            for domain in self.domains.values():
                v.snapshot_delete(domain, name)
