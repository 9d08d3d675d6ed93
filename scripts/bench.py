#!/usr/bin/env python3
"""Benchmarks (figures, not pass/fail): `make bench`, `scripts/bench.py [--nodes 2 50]`, `scripts/bench.py --vagrant`.

netns, for each lab size: wall time of `airgaplab up`; time from `up`'s start until every node has
converged as the suite requires (polled; chrony's own first `Selected source` log line comes earlier:
it is the node taking admin's local stratum 10, before admin has an upstream); time of `airgaplab down`.
For the default lab also the conformance suite run right after `up`, and its ratio to chrony's sync
time and to the convergence left when `up` returns; then the suite on a healthy lab and on the same lab
broken by the nodes-lose-time drill (NTP never converges), settled and right after chronyd restarted;
then `airgaplab reset` of that broken lab against `up`, and the suite right after the reset.

--vagrant (the VM lab, Debian 12 box, this machine's hypervisor choice): box
build cold (into a scratch cache; with --cold-box) and cached, `up` to
provisioned, every node `^*` admin, the suite, `check` (all steps), the
resilience family, a drill then `reset` (its ratio to `up`, how old the state
was, and the suite green after it), `down`.
"""

from __future__ import annotations

import argparse
import atexit
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from airgaplab import retry
from airgaplab.backends import open_lab
from airgaplab.backends.base import Backend
from airgaplab.backends.state import LabState
from airgaplab.probes import (
    chrony,
    facts,
)


def cli(*args: str) -> float:
    t = time.monotonic()
    subprocess.run([sys.executable, "-m", "airgaplab", *args], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return time.monotonic() - t


LOCAL_REFID = chrony.LOCAL_REFID


def run_suite(name: str, *args: str) -> tuple[float, str]:
    """Wall seconds of the conformance suite on lab `name` (interpreter start included), and its last line."""
    t = time.monotonic()
    r = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "tests/conformance",
                        "--lab", name, *args], cwd=ROOT, capture_output=True, text=True)
    return time.monotonic() - t, r.stdout.strip().splitlines()[-1]


def bench(nodes: int, suite: bool) -> dict[str, object]:
    name = f"bench-{nodes}"
    args = ["up", "--backend", "netns", "--name", name] + (["--nodes", str(nodes)] if nodes != 2 else [])
    t_up = cli(*args)
    t0 = time.monotonic() - t_up
    be = open_lab(name)
    phases = phase_split(name)
    synced = wait_synced(be, 120, interval=0.1)
    t_sync = time.monotonic() - t0
    log_sync = [facts.sync_seconds(be.transport, h.name) for h in be.spec.nodes_list]
    row: dict[str, object] = {
        "nodes": nodes, "up_s": t_up, "converged_s": t_sync if synced else None,
        "chrony_log_sync_max_s": max((x for x in log_sync if x is not None), default=None),
    }
    if suite:
        cli("down", "--name", name)
        t_up = cli(*args)
        row["suite_s"], row["suite_result"] = run_suite(name)
        be = open_lab(name)
        syncs = [facts.sync_seconds(be.transport, h.name) for h in be.spec.nodes_list]
        sync = max((x for x in syncs if x is not None), default=None)
        row["suite_over_sync"] = row["suite_s"] / sync if sync else None
        # what the suite must wait for once `up` returns: the rest of the lab's convergence
        if synced:
            row["suite_over_convergence"] = row["suite_s"] / (t_sync - t_up)
        row.update(broken_vs_healthy(be))
        row.update(reset_vs_up(name, t_up))
    row["down_s"] = cli("down", "--name", name)
    row["phases"] = phases
    return row


def phase_split(name: str) -> str:
    """`up`'s phases as its journal timed them: create (network, views, internet, boot), provision (servers,
    nodes' early steps alongside, nodes' late steps), settle."""
    journal = LabState(name).journal()
    timings = journal.timings if journal else {}
    return ",".join(f"{k.removeprefix('phase.').removesuffix('_s')}:{v:.2f}" for k, v in timings.items()
                    if k.startswith("phase."))


def broken_vs_healthy(be: Backend) -> dict[str, object]:
    """The suite on a healthy lab and on the same lab broken by the nodes-lose-time drill (NTP never converges):
    both settled, and both right after chronyd restarted everywhere (the drill restarts it)."""
    name, row = be.spec.name, {}
    row["healthy_settled_s"], _ = run_suite(name)
    for h in be.spec.host_names:
        be.transport.exec(h, ["systemctl", "restart", "chronyd"])
    row["healthy_restarted_s"], _ = run_suite(name)
    cli("drill", "nodes-lose-time", "--name", name)
    row["broken_restarted_s"], row["broken_result"] = run_suite(name)
    node, admin = be.spec.nodes_list[0].name, be.spec.host("admin").ip
    retry.until(lambda: facts.unanswered(be.transport, node, admin), timeout=30)  # the nodes' iburst went unanswered
    row["broken_settled_s"], _ = run_suite(name)
    row["broken_over_healthy_settled"] = row["broken_settled_s"] / row["healthy_settled_s"]
    row["broken_over_healthy_restarted"] = row["broken_restarted_s"] / row["healthy_restarted_s"]
    return row


def reset_vs_up(name: str, t_up: float) -> dict[str, object]:
    """`airgaplab reset` (to the state `up` saved) on the lab the broken-vs-healthy run left broken, against
    `up`; then the suite right after it, from the reset's start (goal: reset/up <= 1.5)."""
    t_reset = cli("reset", "--name", name)
    suite_s, result = run_suite(name)
    return {"reset_s": t_reset, "reset_over_up": t_reset / t_up, "suite_green_after_reset_s": t_reset + suite_s,
            "suite_after_reset": result}


def wait_synced(be: Backend, timeout: float, interval: float = 1.0) -> bool:
    """Every node converged as the suite requires (NTP-CLI-2): `^*` admin, at admin's stratum + 1, with
    admin synchronized upstream (not serving its local stratum 10). Converged nodes are not asked again."""
    admin = be.spec.host("admin").ip
    pending = {h.name for h in be.spec.nodes_list}

    def converged(node: str) -> bool:
        tx = be.transport
        sel, a, n = facts.synced_source(tx, node), facts.tracking(tx, "admin"), facts.tracking(tx, node)
        return bool(sel and sel.name == admin and a and n and a.refid != LOCAL_REFID and n.stratum == a.stratum + 1)

    def all_synced() -> bool:
        pending.difference_update({n for n in pending if converged(n)})
        return not pending

    return retry.until(all_synced, timeout=timeout, interval=interval).ok


def bench_vagrant(os_name: str, cold_box: bool) -> dict[str, object]:
    from airgaplab.backends.vagrant.guests import box

    row: dict[str, object] = {"os": os_name}
    recipe = box.recipe(os_name)
    if cold_box or not box.box_file(recipe).exists():
        # into the real cache when it lacks the box, else into a scratch one (the cached box stays)
        scratch = None if not box.box_file(recipe).exists() else tempfile.mkdtemp(prefix="bench-", dir=box.cache_dir())
        if scratch:
            os.environ["AIRGAPLAB_BOX_CACHE"] = scratch
        t = time.monotonic()
        built = box.build(recipe, lambda _m: None)
        row["box_cold_s"] = time.monotonic() - t
        row["box_mib"] = built.stat().st_size >> 20
        if scratch:
            shutil.rmtree(scratch)
            del os.environ["AIRGAPLAB_BOX_CACHE"]
    t = time.monotonic()
    box.ensure(os_name, lambda _m: None)
    row["box_cached_s"] = time.monotonic() - t
    name = "bench-vm"
    t0 = time.monotonic()
    cli("up", "--backend", "vagrant", "--os", os_name, "--name", name)
    row["up_s"] = time.monotonic() - t0
    be = open_lab(name)
    journal = LabState(name).journal()
    if journal:
        row["booted_s"] = journal.timings.get("booted_s")
    row["all_synced_s"] = time.monotonic() - t0 if wait_synced(be, 300) else None
    row["suite_s"], row["suite_result"] = run_suite(name)
    row["check_s"] = cli("check", "--name", name)  # every step, as a study group runs it
    row["resilience_s"], row["resilience_result"] = run_suite(name, "-m", "resilience", "--resilience")
    # a drill, then `reset` to the state `up` saved (snapshots with memory, clocks set: minutes behind by
    # now), then the suite
    cli("drill", "nodes-lose-time", "--name", name)
    row["vm_state_age_at_reset_s"] = time.monotonic() - t0 - float(row["up_s"])  # type: ignore[arg-type]
    row.update({f"vm_{k}": v for k, v in reset_vs_up(name, float(row["up_s"])).items()})  # type: ignore[arg-type]
    row["down_s"] = cli("down", "--name", name)
    return row


def services_up(services: str, rounds: int = 3) -> dict[str, object]:
    """`up` of the default lab against one with `services` (the study's later chapters on the same hosts), each
    `rounds` times in turn (a machine's speed drifts: the median of each, and their ratio)."""
    times: dict[str, list[float]] = {"default": [], services: []}
    for i in range(rounds):
        for label, extra in (("default", []), (services, ["--services", services])):
            name = f"bench-svc-{i}"
            times[label].append(cli("up", "--backend", "netns", "--name", name, *extra))
            cli("down", "--name", name)
    med = {k: statistics.median(v) for k, v in times.items()}
    return {"default_up_s": med["default"], f"up_s[{services}]": med[services],
            "ratio": med[services] / med["default"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nodes", type=int, nargs="+", default=[2, 100])
    ap.add_argument("--vagrant", action="store_true", help="benchmark the VM lab instead (minutes)")
    ap.add_argument("--os", default="debian12", help="with --vagrant: the guests' OS")
    ap.add_argument("--cold-box", action="store_true", help="with --vagrant: also build the box from scratch")
    opts = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("bench: needs root (namespaces, and the private hypervisor)")
    os.environ["AIRGAPLAB_STATE"] = tempfile.mkdtemp(prefix="airgaplab-bench-")
    atexit.register(shutil.rmtree, os.environ["AIRGAPLAB_STATE"], True)  # the labs are down by then
    print(f"machine: {os.cpu_count()} cores; {Path('/proc/loadavg').read_text().split()[0]} load")
    if opts.vagrant:
        row = bench_vagrant(opts.os, opts.cold_box)
        print("  ".join(f"{k}={v:.2f}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items()), flush=True)
        return
    up_down: dict[int, tuple[float, float]] = {}
    for n in opts.nodes:
        row = bench(n, suite=(n == 2))
        up_down[n] = (float(row["up_s"]), float(row["down_s"]))  # type: ignore[arg-type]  # figures, not objects
        print("  ".join(f"{k}={v:.2f}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items()), flush=True)
    row = services_up("ntp,dns,gateway")  # a lab with the gateway chapter beside the notes' default
    print("services: " + "  ".join(f"{k}={v:.2f}" for k, v in row.items() if isinstance(v, float)), flush=True)
    # scale, as ratios within this run (goals: 100-node up <= 5x a 2-node up, its down <= 1.5x a 2-node up)
    small, big = min(up_down), max(up_down)
    if big != small:
        up_small = up_down[small][0]
        print(f"scale: up_{big}_over_up_{small}={up_down[big][0] / up_small:.2f}  "
              f"down_{big}_over_up_{small}={up_down[big][1] / up_small:.2f}", flush=True)


if __name__ == "__main__":
    main()
