#!/usr/bin/env python3
"""Benchmarks of the netns lab (figures, not pass/fail): `make bench` or `scripts/bench.py [--nodes 2 50]`.

For each lab size: wall time of `airgaplab up`, time until every node shows `^*`
admin (polled with chronyc, and from chrony's own `Selected source` log lines),
time of `airgaplab down`; for the default lab also the conformance suite run
right after `up`, and its ratio to chrony's sync time.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from airgaplab import facts  # noqa: E402
from airgaplab.backends import open_lab  # noqa: E402


def cli(*args: str) -> float:
    t = time.monotonic()
    subprocess.run([sys.executable, "-m", "airgaplab", *args], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return time.monotonic() - t


def bench(nodes: int, suite: bool) -> dict[str, object]:
    name = f"bench-{nodes}"
    args = ["up", "--backend", "netns", "--name", name] + (["--nodes", str(nodes)] if nodes != 2 else [])
    t_up = cli(*args)
    t0 = time.monotonic() - t_up
    be = open_lab(name)
    admin = be.lab.host("admin").ip
    pending = {h.name for h in be.lab.nodes_list}
    deadline = time.monotonic() + 120
    while pending and time.monotonic() < deadline:
        pending = {n for n in pending if not ((s := facts.synced_source(be, n)) and s.name == admin)}
        if pending:
            time.sleep(0.1)
    t_sync = time.monotonic() - t0
    log_sync = [facts.sync_seconds(be, h.name) for h in be.lab.nodes_list]
    row: dict[str, object] = {
        "nodes": nodes, "up_s": t_up, "all_synced_s": None if pending else t_sync,
        "chrony_log_sync_max_s": max((x for x in log_sync if x is not None), default=None),
    }
    if suite:
        cli("down", "--name", name)
        t_up = cli(*args)
        t = time.monotonic()
        r = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "tests/conformance",
                            "--lab", name], cwd=ROOT, capture_output=True, text=True)
        row["suite_s"] = time.monotonic() - t
        row["suite_result"] = r.stdout.strip().splitlines()[-1]
        be = open_lab(name)
        sync = max((x for h in be.lab.nodes_list if (x := facts.sync_seconds(be, h.name)) is not None), default=None)
        row["suite_run_chrony_sync_s"] = sync
        row["suite_over_sync"] = row["suite_s"] / sync if sync else None
    row["down_s"] = cli("down", "--name", name)
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nodes", type=int, nargs="+", default=[2, 50])
    opts = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("bench: needs root (the netns backend)")
    os.environ["AIRGAPLAB_STATE"] = tempfile.mkdtemp(prefix="airgaplab-bench-")
    print(f"machine: {os.cpu_count()} cores; {Path('/proc/loadavg').read_text().split()[0]} load")
    for n in opts.nodes:
        row = bench(n, suite=(n == 2))
        print("  ".join(f"{k}={v:.2f}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items()), flush=True)


if __name__ == "__main__":
    main()
