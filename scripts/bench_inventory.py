#!/usr/bin/env python3
"""The suite over ssh against the same suite through the netns backend (figures, not pass/fail): `make bench`,
`scripts/bench_inventory.py [--runs N]`.

One netns lab whose hosts each run OpenSSH's sshd (tests/lab/sshd.py): the conformance suite with `--lab NAME`
(the backend's own transport: nsenter) and with `--inventory FILE` (ssh, one multiplexed connection per host,
through a ProxyCommand into the lab's LAN), each `--runs` times, healthy. Printed: the median of each, their
ratio, what reaching the hosts and reading the network's values costs (`connect`), and the machine's load.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from airgaplab.backends.lifecycle import throwaway
from airgaplab.backends.netns.backend import NetnsBackend
from airgaplab.inventory.network import connect
from airgaplab.inventory.targets import load
from airgaplab.lab.specfile import load_spec
from airgaplab.paths import default_lab_file
from tests.lab import sshd


def suite(*target: str) -> float:
    t = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "tests/conformance",
                           *target], cwd=ROOT, capture_output=True, text=True)
    took = time.monotonic() - t
    if proc.returncode != 0:
        sys.exit(f"the suite failed ({' '.join(target)}): {proc.stdout[-1500:]}")
    return took


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-inv-") as tmp:
        os.environ["AIRGAPLAB_STATE"] = str(Path(tmp) / "state")
        be = NetnsBackend(load_spec(default_lab_file()).model_copy(update={"name": "bench-inv"}))
        with throwaway(be):
            key = Path(tmp) / "id"
            authorized = sshd.keypair(key)
            for h in be.spec.host_names:
                sshd.start_sshd(be, h, authorized, Path(tmp))
            inv = sshd.inventory(be, Path(tmp), key)
            suite("--lab", be.spec.name)  # the first run waits for the nodes' sync: not timed
            t = time.monotonic()
            connect(load(str(inv))).close()
            connect_s = time.monotonic() - t
            direct = [suite("--lab", be.spec.name) for _ in range(args.runs)]
            over_ssh = [suite("--inventory", str(inv)) for _ in range(args.runs)]
    d, s = statistics.median(direct), statistics.median(over_ssh)
    load1, load5, _ = os.getloadavg()
    print(f"suite, netns transport (--lab):   {d:6.1f} s  (median of {args.runs}: "
          f"{', '.join(f'{x:.1f}' for x in direct)})")
    print(f"suite, over ssh (--inventory):    {s:6.1f} s  (median of {args.runs}: "
          f"{', '.join(f'{x:.1f}' for x in over_ssh)})")
    print(f"ratio ssh / netns:                {s / d:6.2f}")
    print(f"connect (reach 3 hosts, read the network's values): {connect_s:.2f} s")
    print(f"load average: {load1:.2f} (1 min), {load5:.2f} (5 min) on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
