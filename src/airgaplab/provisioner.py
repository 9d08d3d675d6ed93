"""Provisioning, the same on every backend: stage the rendered files and the steps, run the steps.

It drives a backend only through `put_many` and `exec`, so netns hosts and VMs
get byte-identical steps (provision/steps/*.sh) and files rendered for their
OS family. Servers first (the nodes' iburst must find a provisioned admin),
then the nodes in parallel.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from airgaplab import render
from airgaplab.backends.base import Backend
from airgaplab.errors import LabError
from airgaplab.paths import provision_dir
from airgaplab.spec import Host

STEPS_DIR = "/var/lib/airgaplab/steps"
# Steps that must wait for the servers: a node's chrony iburst has to find admin's provisioned chronyd
# (missed, it retries only at the normal poll interval).
AFTER_SERVERS = ("ntp-client",)


@dataclass
class Plan:
    """What a backend adds to the common provisioning: extra files, a first step, step environment."""

    first_steps: list[str] = field(default_factory=list)  # e.g. ["base"] on VMs
    env: Callable[[Host], dict[str, str]] = lambda _h: {}
    extra_files: Callable[[Host], dict[str, bytes]] = lambda _h: {}


def _steps_files() -> dict[str, bytes]:
    return {f"{STEPS_DIR}/{p.name}": p.read_bytes() for p in sorted((provision_dir() / "steps").glob("*.sh"))}


def steps_for(host: Host, plan: Plan) -> list[str]:
    return [*plan.first_steps, *render.steps_for(host)]


def provision_host(be: Backend, host: Host, plan: Plan, steps: list[str] | None = None) -> None:
    """Stage the host's files and run its steps (default: all of them, in order)."""
    files = {render.STAGE_DIR + p: c.encode() for p, c in render.files_for(be.lab, host, be.family).items()}
    be.put_many(host.name, {**_steps_files(), **files, **plan.extra_files(host)})
    env = [f"{k}={v}" for k, v in {**be.family.step_env(), **plan.env(host)}.items()]
    for step in steps_for(host, plan) if steps is None else steps:
        proc = be.exec(host.name, ["env", *env, "bash", f"{STEPS_DIR}/{step}.sh"], timeout=600)
        if proc.returncode != 0:
            out = (proc.stdout + proc.stderr).decode(errors="replace").strip().splitlines()[-8:]
            cmd = shlex.join(["bash", f"{STEPS_DIR}/{step}.sh"])
            raise LabError(f"{host.name}: provision step {step} failed (exit {proc.returncode}; `{cmd}`):\n"
                           + "\n".join(out))


def provision(be: Backend, plan: Plan, hosts: list[Host] | None = None) -> None:
    """The servers one by one while the other hosts run the steps that need no server (in parallel, at most 8
    at a time); then the other hosts' AFTER_SERVERS steps."""
    hosts = be.lab.hosts if hosts is None else hosts
    servers = [h for h in hosts if h.is_server]
    others = {h.name: h for h in hosts if not h.is_server}
    early = {n: [s for s in steps_for(h, plan) if s not in AFTER_SERVERS] for n, h in others.items()}
    late = {n: [s for s in steps_for(h, plan) if s in AFTER_SERVERS] for n, h in others.items()}
    if others:
        be.progress(f"provision {len(others)} node(s): {', '.join(next(iter(early.values()))) or 'files'}")
    with ThreadPoolExecutor(max_workers=1) as side:
        first = side.submit(parallel, list(others), lambda n: provision_host(be, others[n], plan, early[n]))
        try:
            for h in servers:
                be.progress(f"provision {h.name}: {', '.join(steps_for(h, plan))}")
                provision_host(be, h, plan)
        finally:
            first.result()
    if any(late.values()):
        be.progress(f"provision {len(others)} node(s): {', '.join(next(iter(late.values())))}")
        parallel(list(others), lambda n: provision_host(be, others[n], plan, late[n]))


def parallel(names: list[str], fn: Callable[[str], None]) -> None:
    with ThreadPoolExecutor(max_workers=min(8, max(1, len(names)))) as pool:
        for f in [pool.submit(fn, n) for n in names]:
            f.result()
