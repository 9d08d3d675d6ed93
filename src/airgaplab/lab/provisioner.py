"""Provisioning, the same on every backend: stage the rendered files and the steps, run the steps.

It touches hosts only through a host transport (`put_many` and `run`), so netns
hosts and VMs get byte-identical steps (provision/steps/*.sh and each service's) and files rendered
for their OS family. Servers first (the nodes' iburst must find a provisioned
admin), then the nodes in parallel.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TypeVar

from airgaplab.lab import render
from airgaplab.lab.family import Family
from airgaplab.lab.spec import Host, LabSpec
from airgaplab.lab.transport import Transport

T = TypeVar("T")
STEPS_DIR = "/var/lib/airgaplab/steps"


@dataclass
class Plan:
    """What a backend adds to the common provisioning: extra files, a first step, step environment."""

    first_steps: list[str] = field(default_factory=list)  # e.g. ["base"] on VMs
    env: Callable[[Host], dict[str, str]] = lambda _h: {}
    extra_files: Callable[[Host], dict[str, bytes]] = lambda _h: {}


def _steps_files() -> dict[str, bytes]:
    return {f"{STEPS_DIR}/{name}": data for name, data in render.step_scripts().items()}


def steps_for(host: Host, plan: Plan) -> list[str]:
    return [*plan.first_steps, *render.steps_for(host)]


def provision_host(tx: Transport, spec: LabSpec, fam: Family, host: Host, plan: Plan,
                   steps: list[str] | None = None, *, stage: bool = True, env: dict[str, str] | None = None) -> str:
    """Stage the host's files (unless `stage` is False: already staged) and run its steps (default: all of
    them, in order), with `env` added to their environment (PLAN_ONLY=1: only say what they would run); what
    the steps printed."""
    if stage and steps_for(host, plan):  # a host with nothing to run gets nothing (a bare host shows no answers)
        files = {render.STAGE_DIR + p: c.encode() for p, c in render.files_for(spec, host, fam).items()}
        tx.put_many(host.name, {**_steps_files(), **files, **plan.extra_files(host)})
    steps = steps_for(host, plan) if steps is None else steps
    assigned = [f"{k}={v}" for k, v in {**render.step_env(spec, fam), **plan.env(host), **(env or {})}.items()]
    said = []
    for step in steps:
        script = f"{STEPS_DIR}/{step}.sh"
        said.append(tx.run(host.name, ["env", *assigned, "bash", script], what=f"provision step {step} "
                           f"(`bash {script}`)", timeout=600, lines=8).stdout.decode(errors="replace"))
    return "".join(said)


def provision(tx: Transport, spec: LabSpec, fam: Family, plan: Plan, hosts: list[Host] | None = None,
              progress: Callable[[str], None] = lambda _m: None, timings: dict[str, float] | None = None) -> None:
    """The servers one by one while the other hosts run the steps that need no server (in parallel, at most 8
    at a time); then the steps of the other hosts that wait for the servers (their files are staged by then). `timings` gets
    each phase's seconds."""
    timings = {} if timings is None else timings
    t0 = time.monotonic()
    hosts = spec.hosts if hosts is None else hosts
    servers = [h for h in hosts if h.is_server]
    others = {h.name: h for h in hosts if not h.is_server}
    waits = render.after_servers()  # e.g. a node's chrony iburst has to find admin's provisioned chronyd
    early = {n: [s for s in steps_for(h, plan) if s not in waits] for n, h in others.items()}
    late = {n: [s for s in steps_for(h, plan) if s in waits] for n, h in others.items()}

    def run(h: Host, steps: list[str] | None = None, stage: bool = True) -> None:
        provision_host(tx, spec, fam, h, plan, steps, stage=stage)

    def early_steps() -> None:
        parallel(list(others), lambda n: run(others[n], early[n]))
        timings["phase.provision.nodes_early_s"] = round(time.monotonic() - t0, 3)

    if any(early.values()):
        progress(f"provision {len(others)} node(s): {', '.join(next(iter(early.values())))}")
    with ThreadPoolExecutor(max_workers=1) as side:
        first = side.submit(early_steps)
        try:
            for h in servers:
                if steps_for(h, plan):
                    progress(f"provision {h.name}: {', '.join(steps_for(h, plan))}")
                run(h)
            timings["phase.provision.servers_s"] = round(time.monotonic() - t0, 3)
        finally:
            first.result()
    if any(late.values()):
        t1 = time.monotonic()
        progress(f"provision {len(others)} node(s): {', '.join(next(iter(late.values())))}")
        parallel(list(others), lambda n: run(others[n], late[n], stage=False))
        timings["phase.provision.nodes_late_s"] = round(time.monotonic() - t1, 3)


def parallel(names: list[str], fn: Callable[[str], None]) -> None:
    """fn(name) for each name, at most 8 at a time; the first error is raised once all have ended."""
    with ThreadPoolExecutor(max_workers=min(8, max(1, len(names)))) as pool:
        for f in [pool.submit(fn, n) for n in names]:
            f.result()


def shares(items: list[T]) -> list[list[T]]:
    """`items` in two shares for two processes side by side (this machine's cores are few), or one share when
    they are few (eight or less): a second process would cost more than it saves."""
    return [items[i::2] for i in range(2)] if len(items) > 8 else [items]
