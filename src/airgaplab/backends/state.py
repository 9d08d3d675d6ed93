"""A lab's own directory and everything recorded in it, in one place.

    st = LabState("lab")
    st.dir                     # .lab/lab/ (AIRGAPLAB_STATE moves the root)
    st.journal()               # what `up` created (None: no complete record)
    st.faults(), st.drill()    # what is in effect, as the fault and drill modules recorded it
    st.remove()                # `down`'s last step

Nothing else builds a path under a lab's state directory: backends take their sub-directories from
`st.dir`, and faults, drills and the lifecycle read and write through here.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

from airgaplab.backends.journal import Journal
from airgaplab.paths import state_root


class LabState:
    def __init__(self, lab_name: str) -> None:
        self.lab_name = lab_name

    @property
    def dir(self) -> Path:
        return state_root() / self.lab_name

    def exists(self) -> bool:
        return self.dir.exists()

    # --- the journal: what `up` created ------------------------------------------------
    @property
    def journal_path(self) -> Path:
        return self.dir / "state.json"

    def journal(self) -> Journal | None:
        return Journal.load(self.journal_path)

    def begin(self, backend: str, spec: dict[str, Any], bare: bool) -> Journal:
        """The lab starts to exist: its directory and a journal, saved before anything is created."""
        self.dir.mkdir(parents=True)
        journal = Journal(self.journal_path, lab_name=self.lab_name, backend=backend, spec=spec, bare=bare)
        journal.save()
        return journal

    # --- what is in effect: faults and the drill -------------------------------------------
    def faults(self) -> list[dict[str, Any]]:
        data = self._read_json("faults.json", [])
        return data if isinstance(data, list) else []

    def record_faults(self, faults: list[dict[str, Any]]) -> None:
        self._write_json("faults.json", faults)

    def drill(self) -> str | None:
        """The name of the drill applied and not reset since."""
        try:
            return (self.dir / "drill").read_text().strip() or None
        except OSError:
            return None

    def record_drill(self, name: str | None) -> None:
        marker = self.dir / "drill"
        if name is None:
            marker.unlink(missing_ok=True)
        elif self.dir.is_dir():
            marker.write_text(name + "\n")

    # --- saved states (airgaplab.states) ----------------------------------------------------
    @property
    def states_dir(self) -> Path:
        return self.dir / "states"

    def saved_states(self) -> list[str]:
        """The states saved for this lab, oldest first."""
        found = [p for p in self.states_dir.glob("*/meta.json")] if self.states_dir.is_dir() else []
        return [p.parent.name for p in sorted(found, key=lambda p: p.stat().st_mtime)]

    # --- down ----------------------------------------------------------------------
    def remove(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)

    # ---------------------------------------------------------------------------------
    def _read_json(self, name: str, default: Any) -> Any:
        try:
            return json.loads((self.dir / name).read_text())
        except (OSError, ValueError):
            return default

    def _write_json(self, name: str, data: Any) -> None:
        if not self.dir.is_dir():  # the lab went down meanwhile: nothing to record
            return
        tmp = self.dir / f".{name}.tmp"
        tmp.write_text(json.dumps(data, indent=1))
        os.replace(tmp, self.dir / name)
