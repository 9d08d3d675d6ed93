#!/usr/bin/env python3
"""The grader on a broken lab against a healthy one (figures, not pass/fail): `make bench`,
`scripts/bench_grader.py [--only NAME ...]`.

On one netns lab: `airgaplab check` (every step) and the conformance suite, healthy — settled, and right
after chronyd (and named) restarted everywhere (a student checks right after restarting what they changed:
admin's chronyd then selects its upstream again, which any check waits for); then for every drill and for the mistakes
a study group makes (below), the same two broken, each as a ratio to the healthy figure of the same kind
(restarted when the break restarts admin's chronyd, else settled). The goal: a broken lab fails about as fast as
a healthy one passes (worst ratio <= 2). Between cases the lab is made healthy again (not timed). Last, the way
back after an outage: `fault clear` then `check`, against a healthy check (goal <= 2).
"""

from __future__ import annotations

import argparse
import atexit
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from airgaplab.backends import open_lab
from airgaplab.backends.base import Backend
from airgaplab.exercise import (
    drills,
    heal,
)

NODE = "k8s-node1"
# (name, [(host, shell command as a student would type it)]): mistakes seen in a study group's trial
MISTAKES: list[tuple[str, list[tuple[str, str]]]] = [
    ("chrony-typo-dead", [("admin", "sed -i 's/^allow /alow /' /etc/chrony.conf; systemctl restart chronyd")]),
    ("allow-other-subnet", [("admin", "sed -i 's#^allow .*#allow 10.20.0.0/24#' /etc/chrony.conf && "
                                      "systemctl restart chronyd")]),
    ("allow-query-localhost", [("admin", "sed -i 's/allow-query .*/allow-query { localhost; };/' /etc/named.conf && "
                                         "systemctl restart named")]),
    ("named-conf-semicolon", [("admin", "sed -i 's/recursion yes;/recursion yes/' /etc/named.conf; "
                                        "systemctl restart named")]),
    ("node-chrony-not-restarted", [(NODE, "cp /etc/chrony.conf /root/c && sed -i 's/^server .*/pool 2.rocky.pool.ntp.org "
                                          "iburst/' /etc/chrony.conf && systemctl restart chronyd && "
                                          "cp /root/c /etc/chrony.conf && rm /root/c")]),
    ("nm-not-restarted", [(NODE, "f=/etc/NetworkManager/conf.d/99-dns-none.conf; cp $f /root/d && rm $f && "
                                 "systemctl restart NetworkManager && nmcli connection up eth0 >/dev/null && "
                                 "cp /root/d $f && rm /root/d")]),
]


def timed(argv: list[str]) -> tuple[float, int]:
    t = time.monotonic()
    r = subprocess.run(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.monotonic() - t, r.returncode


def measure(name: str, before: Callable[[], object] = lambda: None) -> tuple[float, float, int]:
    """(seconds of `airgaplab check`, seconds of the suite, checks' exit status); `before` runs before each."""
    before()
    check_s, rc = timed([sys.executable, "-m", "airgaplab", "check", "--name", name])
    before()
    suite_s, _ = timed([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "tests/conformance",
                        "--lab", name])
    return check_s, suite_s, rc


def break_by_hand(be: Backend, steps: list[tuple[str, str]]) -> None:
    for host, cmd in steps:
        be.transport.exec(host, ["sh", "-c", cmd], timeout=60)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", nargs="*", default=None, help="only these drills and mistakes")
    opts = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("bench_grader: needs root (namespaces)")
    os.environ["AIRGAPLAB_STATE"] = tempfile.mkdtemp(prefix="airgaplab-bench-")
    atexit.register(shutil.rmtree, os.environ["AIRGAPLAB_STATE"], True)  # the labs are down by then
    name = "bench-grader"
    subprocess.run([sys.executable, "-m", "airgaplab", "up", "--backend", "netns", "--name", name], cwd=ROOT,
                   check=True, stdout=subprocess.DEVNULL)
    try:
        be = open_lab(name)
        heal.make_healthy(be)
        settled = measure(name)[:2]

        def restart_all() -> None:
            heal.make_healthy(be)
            for host in be.spec.host_names:
                be.transport.exec(host, ["sh", "-c", "systemctl restart chronyd; systemctl try-restart named"])

        restarted = measure(name, restart_all)[:2]
        heal.make_healthy(be)
        print(f"healthy settled: check_s={settled[0]:.2f} suite_s={settled[1]:.2f}; right after restarts: "
              f"check_s={restarted[0]:.2f} suite_s={restarted[1]:.2f}", flush=True)
        cases: list[tuple[str, object]] = [(f"drill {d}", d) for d in drills.DRILLS] + \
                                          [(f"mistake {m}", steps) for m, steps in MISTAKES]
        worst = 0.0
        for label, what in cases:
            if opts.only is not None and label.split()[1] not in opts.only:
                continue
            if isinstance(what, str):
                d = drills.apply(be, what)
                restarts = any("restart chronyd" in cmd for h, cmd in d.steps if h == drills.ADMIN)
            else:
                break_by_hand(be, what)  # type: ignore[arg-type]  # the MISTAKES rows
                restarts = any("restart chronyd" in cmd for h, cmd in what if h == "admin")  # type: ignore[attr-defined]
            check_ok, suite_ok = restarted if restarts else settled
            check_s, suite_s, rc = measure(name)
            ratio = max(check_s / check_ok, suite_s / suite_ok)
            worst = max(worst, ratio)
            print(f"{label}: check_s={check_s:.2f} ({check_s / check_ok:.2f}x) suite_s={suite_s:.2f} "
                  f"({suite_s / suite_ok:.2f}x, vs {'restarted' if restarts else 'settled'}) check_exit={rc}",
                  flush=True)
            heal.make_healthy(be, within=60)
        print(f"worst broken/healthy ratio: {worst:.2f} (goal <= 2)", flush=True)
        # the way back after an outage: internet-down, admin's chronyd restarted while cut off, `fault clear`,
        # then `check` at once — the student's wait is clear + check, against a healthy settled check
        fault = [sys.executable, "-m", "airgaplab", "fault"]
        for verb in (["internet-down"], ["restart", "admin", "chronyd"]):
            subprocess.run([*fault, *verb, "--name", name], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        clear_s, _ = timed([*fault, "clear", "--name", name])
        check_s, rc = timed([sys.executable, "-m", "airgaplab", "check", "--name", name])
        print(f"after fault clear: clear_s={clear_s:.2f} check_s={check_s:.2f} check_exit={rc}; "
              f"(clear + check) / healthy check = {(clear_s + check_s) / settled[0]:.2f}x (goal <= 2)", flush=True)
    finally:
        subprocess.run([sys.executable, "-m", "airgaplab", "down", "--name", name], cwd=ROOT,
                       stdout=subprocess.DEVNULL)


if __name__ == "__main__":
    main()
