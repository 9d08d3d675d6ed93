"""`airgaplab doctor`: can this machine run the lab? Each finding says how to fix it.

The findings are each backend's own (backends/*/doctor.py), found through the registry:

    doctor.findings("vagrant", spec)      # [Diagnosis("vagrant", ok, detail, fix), ...]
"""

from __future__ import annotations

from airgaplab.backends import registered
from airgaplab.diagnosis import Diagnosis, blocking_failures
from airgaplab.lab.spec import LabSpec

__all__ = ["Diagnosis", "blocking_failures", "findings"]


def findings(backend: str, spec: LabSpec) -> list[Diagnosis]:
    return registered(backend).findings(spec)
