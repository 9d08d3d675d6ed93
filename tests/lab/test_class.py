"""A class on this machine: three netns seats side by side, each passing its suite on its own; one seat reset,
solved and reached over the class's ssh gateway while the others stay as they were; `class down` leaving
nothing, also after a SIGKILLed `class up`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from airgaplab import retry
from airgaplab.backends import open_lab
from airgaplab.classroom import gateway
from tests.helpers import ROOT, cli, footprint, lab_traces, root_ns_lab_addresses, suite, unchanged
from tests.lab.browser import _status, board_served, free_port

SEATS = ("seat-01", "seat-02", "seat-03")
MARK = "/etc/airgaplab-seat"  # a file of each seat's admin saying which seat it is


def gateway_ssh(seat: str, port: int, asked: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """What a participant does with the key handed over: ssh to the gateway, asking for `asked`."""
    return subprocess.run(["ssh", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o",
                           "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-i", str(gateway.key_path(seat)),
                           "-p", str(port), "root@127.0.0.1", *([asked] if asked else [])],
                          input=stdin, capture_output=True, text=True, timeout=60)


def status() -> dict[str, dict]:
    r = cli("class", "status", "--json", timeout=600)
    assert r.returncode == 0, r.stderr
    return {s["seat"]: s for s in json.loads(r.stdout)["seats"]}


def nothing_left() -> None:
    assert all(lab_traces(s) == {"netns": [], "mounts": []} for s in SEATS)
    assert gateway._pid() is None and not gateway.gateway_dir().exists()
    assert root_ns_lab_addresses() == []


def test_a_class_of_three_netns_seats(state_root: Path, tmp_path: Path, one_class_at_a_time: None) -> None:
    port = free_port()
    up = cli("class", "up", "--seats", "3", "--gateway-port", str(port), timeout=600)
    try:
        assert up.returncode == 0, up.stdout + up.stderr
        assert f"ssh -i {gateway.key_path('seat-02')} -p {port} -t root@127.0.0.1 admin" in up.stdout

        # every seat's suite passes on its own (side by side)
        with ThreadPoolExecutor(len(SEATS)) as pool:
            runs = dict(zip(SEATS, pool.map(lambda s: suite(s, tmp_path / f"{s}.json"), SEATS), strict=True))
        for seat, (outcomes, out) in runs.items():
            assert outcomes and all(o["outcome"] in ("PASS", "SKIP") for o in outcomes), f"{seat}: {out[-2000:]}"

        labs = {s: open_lab(s) for s in SEATS}
        for seat, be in labs.items():
            be.transport.put_many("admin", {MARK: f"{seat}\n".encode()})
        others = {s: footprint(labs[s]) for s in ("seat-01", "seat-03")}

        # one seat reset to bare: the others as they were, and status sees seat 2 at step 1
        r = cli("class", "reset", "seat-02", "bare", timeout=300)
        assert r.returncode == 0 and "seat-02 is back to state bare" in r.stdout, r.stdout + r.stderr
        for s, before in others.items():
            unchanged(before, footprint(labs[s]), f"`class reset seat-02 bare` on {s}")
        seen = status()
        assert seen["seat-02"]["step"] == 1 and not seen["seat-02"]["steps"][0]["passing"], seen["seat-02"]
        assert seen["seat-01"]["step"] == seen["seat-03"]["step"] == 5

        r = cli("class", "solve", "2", "--to", "4", timeout=600)
        assert r.returncode == 0, r.stdout + r.stderr
        seen = status()
        assert seen["seat-02"]["step"] == 5 and all(s["passing"] for s in seen["seat-02"]["steps"]), seen["seat-02"]

        # the gateway: seat 2's key lands on seat 2's admin, and on nothing else
        labs["seat-02"].transport.put_many("admin", {MARK: b"seat-02\n"})  # `reset bare` took the marker away
        got = gateway_ssh("seat-02", port, "", "hostname; cat /etc/airgaplab-seat\n")
        assert got.returncode == 0 and "admin\nseat-02\n" in got.stdout, got.stdout + got.stderr
        got = gateway_ssh("seat-02", port, "k8s-node1", "hostname\n")
        assert got.returncode == 0 and got.stdout.strip().endswith("k8s-node1"), got.stdout + got.stderr
        for asked in ("bash", "seat-01 admin", "admin; id", "seat-01"):
            refused = gateway_ssh("seat-02", port, asked, "id\n")
            assert refused.returncode == 2 and "offers a shell on admin, k8s-node1, k8s-node2 only" in refused.stderr
            assert "uid=" not in refused.stdout, asked
        forwarded = subprocess.run(["ssh", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o",
                                    "UserKnownHostsFile=/dev/null", "-i", str(gateway.key_path("seat-02")),
                                    "-p", str(port), "-W", "127.0.0.1:22", "root@127.0.0.1"],
                                   capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
        assert forwarded.returncode != 0 and "forwarding failed" in forwarded.stderr, forwarded.stderr
    finally:
        down = cli("class", "down", timeout=300)
    assert down.returncode == 0 and "3 seat(s) taken down" in down.stdout, down.stdout + down.stderr
    nothing_left()
    again = cli("class", "down")
    assert again.returncode == 0 and "no class is up" in again.stdout, again.stdout


def test_class_down_after_a_sigkilled_class_up_leaves_nothing(state_root: Path, one_class_at_a_time: None) -> None:
    p = subprocess.Popen([sys.executable, "-m", "airgaplab", "class", "up", "--seats", "2", "--gateway-port",
                          str(free_port())], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         start_new_session=True)
    try:
        assert retry.until(lambda: lab_traces("seat-02")["netns"] or p.poll() is not None, timeout=60, interval=0.02)
    finally:
        os.killpg(p.pid, signal.SIGKILL)
        p.wait()
    assert lab_traces("seat-02")["netns"], "the kill came before the seats existed: nothing was tested"
    down = cli("class", "down", timeout=300)
    assert down.returncode == 0, down.stdout + down.stderr
    nothing_left()


def test_seat_names_another_state_dir_has_up_are_refused(state_root: Path, tmp_path: Path,
                                                         one_class_at_a_time: None) -> None:
    """A lab's name is the machine's (its namespaces), a state dir is not: a class, or a lab, of a second state
    dir would take the first one's namespaces. Both are refused in one line, nothing created."""
    other = {"AIRGAPLAB_STATE": str(tmp_path / "other")}
    assert cli("up", "--backend", "netns", "--name", "seat-02", env=other).returncode == 0
    try:
        r = cli("class", "up", "--seats", "3")
        assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
        assert "labs named seat-02 of another state dir are up on this machine" in r.stderr, r.stderr
        assert not (state_root / ".class").exists() and lab_traces("seat-01")["netns"] == []
        r = cli("up", "--backend", "netns", "--name", "seat-02")
        assert r.returncode == 2 and "of another state dir is up on this machine" in r.stderr, r.stderr
        assert not (state_root / "seat-02").exists()
        assert cli("status", "--name", "seat-02", env=other).returncode == 0  # the other lab as it was
    finally:
        assert cli("down", "--name", "seat-02", env=other).returncode == 0
    assert lab_traces("seat-02") == {"netns": [], "mounts": []}


@pytest.mark.parametrize(("args", "says"), [
    (["--seats", "0"], "a class has 1 to 99 seats"),
    # refused before anything connects: no name is looked up, no packet leaves
    (["--seats", "2", "--backend", "vagrant", "--host", "qemu+tcp://kvm1/system"],
     "VM seats run on this machine's libvirtd (qemu:///system), on another machine's over ssh"),
    (["--seats", "2", "--host", "qemu+ssh://a/system"], "netns seats run on this machine"),
    (["--seats", "99999"], "a class has 1 to 99 seats"),
])
def test_class_up_refuses_in_one_line_and_creates_nothing(state_root: Path, args: list[str], says: str,
                                                          one_class_at_a_time: None) -> None:
    r = cli("class", "up", *args)
    assert r.returncode == 2 and says in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert not (state_root / ".class").exists() and lab_traces("seat-01")["netns"] == []


def test_what_one_seat_types_leaves_every_other_seat_the_board_and_the_gateway(
        state_root: Path, tmp_path: Path, one_class_at_a_time: None) -> None:
    """A member's root shell in seat 2, reached as members reach it (the gateway): `killall named`, `pkill chronyd`,
    `kill -9 -1`, then `reboot`. Seats 1 and 3 keep every daemon (same PIDs), the board and the gateway keep
    running and answering, and the grader still grades every seat (seat 2 as it now is)."""
    port = free_port()
    up = cli("class", "up", "--seats", "3", "--gateway-port", str(port), timeout=600)
    try:
        assert up.returncode == 0, up.stdout + up.stderr
        with board_served() as (board, board_url):
            labs = {s: open_lab(s) for s in SEATS}
            gateway_pid = gateway._pid()

            def daemons(seat: str) -> dict[str, str]:
                be = labs[seat]
                return {f"{h} {d}": be.transport.exec(h, ["pidof", d]).stdout.decode().strip()
                        for h in be.spec.host_names for d in ("chronyd", "named")}

            others = {s: daemons(s) for s in ("seat-01", "seat-03")}
            typed = gateway_ssh("seat-02", port, "admin", "killall named; pkill chronyd; kill -9 -1; echo typed\n")
            assert "typed" in typed.stdout, typed.stdout + typed.stderr
            assert not any(daemons("seat-02")[f"admin {d}"] for d in ("chronyd", "named")), daemons("seat-02")
            boots = labs["seat-02"].boots.state("k8s-node1")[1]
            rebooted = gateway_ssh("seat-02", port, "k8s-node1", "reboot; sleep 20; echo survived\n")
            assert "survived" not in rebooted.stdout and "closed by remote host" in rebooted.stderr, rebooted
            assert retry.until(lambda: labs["seat-02"].boots.state("k8s-node1") == ("up", boots + 1), timeout=30)

            for s, before in others.items():
                assert daemons(s) == before, f"what seat-02 typed reached {s}: {before} → {daemons(s)}"
            assert gateway._pid() == gateway_pid and gateway_pid is not None, "the gateway did not survive"
            assert board.poll() is None and _status(board_url) != 0, "the board did not survive"
            seen = status()  # the grader: every seat graded, seat 2's admin as the member left it
            assert seen["seat-01"]["step"] == seen["seat-03"]["step"] == 5, seen
            assert seen["seat-02"]["step"] == 1, seen["seat-02"]
    finally:
        down = cli("class", "down", timeout=300)
    assert down.returncode == 0, down.stdout + down.stderr
    nothing_left()
