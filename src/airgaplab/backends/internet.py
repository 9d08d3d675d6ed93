"""The simulated internet as another backend can stand on it: a VM lab's private hypervisor is a host of its own on
it (`hv`, a lab of one host), whose only way out it is. The backend that carries it is named here, and loaded
through the registry like any backend — no backend imports another's modules.

    edge = internet_edge(spec_with_hv, progress, state_name="lab/edge")
    edge.up()
    subprocess.run([*edge.enter("hv"), "libvirtd", "-d"])
    edge.down()
"""

from __future__ import annotations

import importlib
from typing import Protocol

from airgaplab.backends.base import Progress
from airgaplab.lab.spec import LabSpec
from airgaplab.lab.transport import Transport
from airgaplab.lab.world import World

CARRIER = "airgaplab.backends.netns"  # the backend package whose labs carry the simulated internet (its `edgelab`)


class InternetEdge(Protocol):
    """A lab of one host on the simulated internet, as a hypervisor running inside that host uses it."""

    transport: Transport
    world: World

    def up(self) -> None: ...

    def down(self) -> bool: ...

    def is_up(self) -> bool: ...

    def enter(self, host: str) -> list[str]:
        """argv prefix running a command inside `host`: its network, its /etc, /var and /run."""
        ...

    def login_env(self, host: str) -> list[str]:
        """A root login's environment in `host`, as an `env -i` command line."""
        ...

    @property
    def isp_resolver(self) -> str:
        """The simulated internet's resolver for its hosts' own /etc/resolv.conf."""
        ...

    @property
    def forwarders(self) -> dict[str, str]:
        """The notes' forwarder addresses → their stand-ins on the simulated internet."""
        ...


def internet_edge(spec: LabSpec, progress: Progress, *, state_name: str) -> InternetEdge:
    """The edge lab of `spec` (one host, on the simulated internet), kept under the state dir `state_name`."""
    made: InternetEdge = importlib.import_module(f"{CARRIER}.edgelab").EdgeLab(spec, progress, state_name=state_name)
    return made
