"""A netns lab as another backend's edge on the simulated internet (backends.internet.InternetEdge): a VM lab's
private hypervisor runs libvirtd inside its one host, `hv`."""

from __future__ import annotations

from airgaplab.backends.base import Progress
from airgaplab.backends.netns.backend import NetnsBackend
from airgaplab.lab.spec import LabSpec


class EdgeLab:
    """One netns lab, not sealed: vagrant in hv writes the checkout's .vagrant/ and reads the machine's boxes
    and keys."""

    def __init__(self, spec: LabSpec, progress: Progress, *, state_name: str) -> None:
        self.lab = NetnsBackend(spec, progress, sealed=False)
        self.lab.state.lab_name = state_name  # inside the other lab's state dir: one lab, one `down`
        self.transport = self.lab.transport
        self.world = self.lab.world

    def up(self) -> None:
        self.lab.up()

    def down(self) -> bool:
        return self.lab.down()

    def is_up(self) -> bool:
        return self.lab.is_up()

    def enter(self, host: str) -> list[str]:
        return self.lab.view(host).nsenter()

    def login_env(self, host: str) -> list[str]:
        return self.lab.view(host).env()

    @property
    def isp_resolver(self) -> str:
        return self.lab.inet.isp_resolver

    @property
    def forwarders(self) -> dict[str, str]:
        return self.lab.inet.forwarders
