"""What a failed VM lab leaves to read before `down` removes it (AIRGAPLAB_EVIDENCE: the nightly run's
artifact)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

from airgaplab.backends.vagrant import plan as vplan
from airgaplab.errors import LabError

if TYPE_CHECKING:
    from airgaplab.backends.vagrant.backend import VagrantBackend


def keep(be: VagrantBackend, dest: Path) -> list[str]:
    """The plan, vagrant's log, and each guest's console (private hypervisor) or journal (reachable guests)."""
    kept = []
    for name in ("plan.json", "vagrant-up.log", "journal.json"):
        if (be.state.dir / name).exists():
            shutil.copyfile(be.state.dir / name, dest / name)
            kept.append(name)
    for h in be.spec.hosts:
        log = vplan.console_log(be.spec, h.name)
        if log and be.hv.is_up():
            r = subprocess.run(be.hv.wrap(["cat", log]), capture_output=True, timeout=30)
            if r.returncode == 0:
                (dest / f"{h.name}-console.log").write_bytes(r.stdout)
                kept.append(f"{h.name}-console.log")
        try:
            j = be.transport.exec(h.name, ["journalctl", "-b", "--no-pager", "-n", "500"], timeout=30)
        except (subprocess.TimeoutExpired, LabError):
            continue
        if j.returncode == 0:
            (dest / f"{h.name}-journal.log").write_bytes(j.stdout)
            kept.append(f"{h.name}-journal.log")
    return kept
