"""The suite's session state: the lab it runs against (found, or brought up and taken down), the budget of
waiting time its waits share, and the outcomes it records — one per pytest run, in the config's stash."""

from __future__ import annotations

import os
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import pytest

from airgaplab import retry
from airgaplab.backends.base import Backend
from airgaplab.suite.outcomes import Outcome

NO_LAB = "no lab is up: run `make lab-up`, or pass --lab-up"
DEFAULT_SYNC_TIMEOUT = 30.0
CONVERGING = "not synchronized"  # requirements of this kind wait for chrony; they run last, after the rest
T = TypeVar("T")


@dataclass
class State:
    backend: Backend | None = None
    error: str | None = None
    cleanup: ExitStack = field(default_factory=ExitStack)
    waits: retry.Budget | None = None
    outcomes: list[Outcome] = field(default_factory=list)
    node_names: list[str] = field(default_factory=list)
    evidence: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)  # (requirement group, host) → evidence
    resolved: bool = False
    running: pytest.Item | None = None  # the test being run (what a wait of the session's `converge` is for)


STATE_KEY = pytest.StashKey[State]()


def state(config: pytest.Config) -> State:
    return config.stash[STATE_KEY]


def throwaway_lab(config: pytest.Config, st: State, backend_name: str) -> Backend:
    from airgaplab.backends import make_backend
    from airgaplab.backends.lifecycle import throwaway
    from airgaplab.lab.specfile import load_spec, with_vm_options
    from airgaplab.paths import default_lab_file

    spec = load_spec(Path(config.getoption("airgaplab_spec") or default_lab_file()))
    spec = with_vm_options(spec, config.getoption("airgaplab_os"), None)
    name = config.getoption("airgaplab_lab") or f"suite-{os.getpid()}"
    be = make_backend(backend_name, spec.model_copy(update={"name": name}))
    st.cleanup.enter_context(throwaway(be))
    return be


def existing_network(config: pytest.Config, st: State, source: str) -> Backend:
    """The hosts of an inventory, observed only: no lab of the harness's, no faults."""
    from airgaplab.errors import UserError
    from airgaplab.inventory.network import connect
    from airgaplab.inventory.targets import load

    if config.getoption("airgaplab_lab_up") or config.getoption("airgaplab_lab"):
        raise UserError("--inventory judges the hosts it lists: drop --lab/--lab-up")
    if config.getoption("airgaplab_resilience") or "resilience" in (config.getoption("markexpr", "") or ""):
        raise UserError("--inventory runs read-only, and the resilience requirements inject faults (a daemon "
                        "killed, a link cut): run them on a lab of the harness's (`pytest --resilience`)")
    net = connect(load(source))
    st.cleanup.callback(net.close)
    return net


def resolve(config: pytest.Config) -> State:
    """Find (or bring up) the lab once, at collection time, so nodes can be parametrized."""
    st = state(config)
    if st.resolved:
        return st
    st.resolved = True
    from airgaplab.backends import open_lab
    from airgaplab.errors import LabError, UserError

    backend_name = config.getoption("airgaplab_lab_up")
    inventory = config.getoption("airgaplab_inventory", None)
    try:
        if inventory:
            be = existing_network(config, st, inventory)
        elif backend_name:
            be = throwaway_lab(config, st, backend_name)
        else:
            be = open_lab(config.getoption("airgaplab_lab"))
            if not be.is_up():
                raise UserError(f"lab {be.spec.name!r} is not (fully) up: run `make lab-down lab-up`, or pass --lab-up")
        st.backend = be
        st.node_names = [h.name for h in be.spec.nodes_list]
    except UserError as e:
        st.error = NO_LAB if "no lab is up" in str(e) else str(e).replace("with --name", "with `pytest --lab NAME`")
    except LabError as e:
        st.error = f"the lab did not come up: {e}"
    return st


def req_of(item: pytest.Item) -> str | None:
    m = item.get_closest_marker("req")
    return str(m.args[0]) if m else None


