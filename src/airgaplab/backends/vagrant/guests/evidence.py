"""What a failed VM lab leaves to read before `down` removes it (AIRGAPLAB_EVIDENCE: the nightly run's
artifact)."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

from airgaplab.backends.vagrant.guests import plan as vplan
from airgaplab.backends.vagrant.libvirt.host import LibvirtHost
from airgaplab.errors import LabError
from airgaplab.lab.spec import LabSpec
from airgaplab.lab.transport import Transport

# a guest's time as chronyd sees it, and chronyd's own log lines (the journal's last lines are mostly other units)
TIME = """echo "clock - this machine's: $(python3 -c "import time; print(round(time.time() - $1, 3))") s"
chronyc -n tracking; chronyc -n sources; chronyc -n sourcestats
journalctl -b --no-pager -u chrony -u chronyd | tail -n 100"""


def keep(dest: Path, *, state_dir: Path, spec: LabSpec, hv: LibvirtHost, tx: Transport) -> list[str]:
    """The plan, vagrant's log, and each guest's console (private hypervisor), journal and time (reachable
    guests: its clock against this machine's, chronyd's tracking, sources and log)."""
    kept = []
    for name in ("plan.json", "vagrant-up.log", "journal.json"):
        if (state_dir / name).exists():
            shutil.copyfile(state_dir / name, dest / name)
            kept.append(name)
    for h in spec.hosts:
        log = vplan.console_log(spec, h.name)
        if log and hv.is_up():
            r = subprocess.run(hv.wrap(["cat", log]), capture_output=True, timeout=30)
            if r.returncode == 0:
                (dest / f"{h.name}-console.log").write_bytes(r.stdout)
                kept.append(f"{h.name}-console.log")
        for name, argv in ((f"{h.name}-journal.log", ["journalctl", "-b", "--no-pager", "-n", "500"]),
                           (f"{h.name}-time.txt", ["sh", "-c", TIME, "time", f"{time.time():.3f}"])):
            try:
                r = tx.exec(h.name, argv, timeout=30)
            except (subprocess.TimeoutExpired, LabError):
                break
            if r.returncode == 0:
                (dest / name).write_bytes(r.stdout)
                kept.append(name)
    return kept
