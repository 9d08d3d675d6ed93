"""testinfra hosts that run their commands through a lab backend's `exec` verb."""

from __future__ import annotations

from typing import Any

import testinfra.host
from testinfra.backend import base

from airgaplab.backends.base import Backend


class LabHostBackend(base.BaseBackend):
    """testinfra backend: `host.run(...)` becomes `lab.exec(host, ["sh", "-c", ...])`."""

    NAME = "airgaplab"

    def __init__(self, lab: Backend, host: str, **kwargs: Any) -> None:
        super().__init__(host, **kwargs)
        self.lab = lab

    def run(self, command: str, *args: str, **kwargs: Any) -> base.CommandResult:
        cmd = self.get_command(command, *args)
        proc = self.lab.exec(self.hostname, ["sh", "-c", cmd])
        return self.result(proc.returncode, self.encode(cmd), proc.stdout, proc.stderr)


def lab_host(lab: Backend, host: str) -> testinfra.host.Host:
    return testinfra.host.Host(LabHostBackend(lab, host))
