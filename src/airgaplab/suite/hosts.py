"""testinfra hosts that run their commands through a lab's host transport."""

from __future__ import annotations

from typing import Any

import testinfra.host
from testinfra.backend import base

from airgaplab.lab.transport import Transport


class LabHostBackend(base.BaseBackend):
    """testinfra backend: `host.run(...)` becomes `tx.exec(host, ["sh", "-c", ...])`."""

    NAME = "airgaplab"

    def __init__(self, tx: Transport, host: str, **kwargs: Any) -> None:
        super().__init__(host, **kwargs)
        self.tx = tx

    def run(self, command: str, *args: str, **kwargs: Any) -> base.CommandResult:
        cmd = self.get_command(command, *args)
        proc = self.tx.exec(self.hostname, ["sh", "-c", cmd])
        return self.result(proc.returncode, self.encode(cmd), proc.stdout, proc.stderr)


def lab_host(tx: Transport, host: str) -> testinfra.host.Host:
    return testinfra.host.Host(LabHostBackend(tx, host))
