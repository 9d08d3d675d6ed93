"""A study group's session, mistakes included: the notes typed by hand on a bare lab, with the slips a
trial group made, and `airgaplab check STEP` after each move. At every mistake the grader's line for the
step names the symptom that leads to it (and only that step's business); once repaired, the step passes.

Each transcript is a list of moves: (hosts, what is typed there, the step checked, what its lines must say).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from airgaplab.backends.base import Backend
from airgaplab.exercise import steps as exercise

NOTES = Path(__file__).parent / "notes"
PASSES = None


@dataclass(frozen=True)
class Expect:
    """A failing line of the step: requirement, host, and words its `seen:` line must hold (and must not)."""

    req: str
    host: str
    says: tuple[str, ...]
    not_says: tuple[str, ...] = ()


@dataclass(frozen=True)
class Move:
    hosts: str  # "admin" or "nodes"
    typed: str
    step: int
    expect: Expect | tuple[Expect, ...] | None  # None: the step passes


def typed(script: str, *changes: tuple[str, str]) -> str:
    """A notes script as the student typed it: with their changes (exact text → their text)."""
    text = (NOTES / script).read_text()
    for exact, theirs in changes:
        assert exact in text, f"{script} has no {exact!r}"
        text = text.replace(exact, theirs)
    return text


NODE = "k8s-node1"
NTP_SESSION = [
    # the stock host: chronyd runs, serves no one, and step 1's lines speak of admin only
    Move("admin", "systemctl status chronyd --no-pager", 1, (
        Expect("NTP-SRV-1", "admin", ("chronyd runs, but nothing listens on udp/123",), ("Is chronyd running",)),
        Expect("NTP-SRV-4", NODE, ("asked admin 192.168.10.10 for the time", "no answer", "denies NTP to 192.168.10.11"),
               ("k8s-node1's chronyd",)))),
    # step 1 with a typo: chronyd does not start
    Move("admin", typed("1-admin-ntp.sh", ("allow 192.168.10.0/24", "alow 192.168.10.0/24")), 1,
         Expect("NTP-SRV-1", "admin", ("chronyd is not running", "last start failed", "systemctl status chronyd"))),
    # the typo repaired in the file, chronyd not started again: still down
    Move("admin", "sed -i 's/^alow /allow /' /etc/chrony.conf", 1,
         Expect("NTP-SRV-4", NODE, ("admin's chronyd is not running",), ("k8s-node1's chronyd",))),
    Move("admin", "systemctl restart chronyd", 1, PASSES),
    # step 2 typed without its restart: the file is right, the running chronyd is not
    Move("nodes", typed("2-node-ntp.sh", ("systemctl restart chronyd.service", "")), 2,
         Expect("NTP-CLI-2", NODE, ("does not follow admin", "restart it"))),
    Move("nodes", "systemctl restart chronyd", 2, PASSES),
]

DNS_SESSION = [
    # a `;` missing: named-checkconf (as the notes run it) says where, named does not start
    Move("admin", typed("3-admin-dns.sh", ("recursion yes;", "recursion yes")), 3,
         Expect("DNS-SRV-1", "admin", ("`named-checkconf /etc/named.conf` reports", "/etc/named.conf:"))),
    # repaired, but allow-query left with localhost only: the nodes are refused
    Move("admin", "sed -i 's/^recursion yes /recursion yes; /; s/^allow-query .*/allow-query { localhost; };/' "
                  "/etc/named.conf && systemctl restart named", 3,
         (Expect("DNS-SRV-3", "lab", ("airgaplab-grader asked 192.168.10.10 `localhost A`", "got REFUSED",
                                      "expected NOERROR"),
                 (" ,",)),
          # BIND's `localhost` is every address of admin's own: its outside address is let in
          Expect("DNS-SRV-3", "admin", ("admin itself, asking from its outside address", "got NOERROR",
                                        "expected REFUSED"), (" ,",)))),
    # allow-query repaired in the file, named not restarted
    Move("admin", "sed -i 's/^allow-query .*/allow-query { 127.0.0.1; 192.168.10.0\\/24; };/' /etc/named.conf", 3,
         Expect("DNS-SRV-3", "lab", ("got REFUSED", "changed", "after its named started", "restart it"))),
    Move("admin", "systemctl restart named", 3, PASSES),
    # step 4 without restarting NetworkManager: the drop-in is not read, the next `connection up` rewrites
    Move("nodes", typed("4-node-dns.sh", ("systemctl restart NetworkManager", "")), 4,
         Expect("DNS-CLI-2", NODE, ("rewrote /etc/resolv.conf", "has not read it"))),
    # a drop-in of another name works as well as the notes' one, once NetworkManager reads it
    Move("nodes", "rm /etc/NetworkManager/conf.d/99-dns-none.conf && printf '[main]\\ndns=none\\n' > "
                  "/etc/NetworkManager/conf.d/dns.conf && systemctl restart NetworkManager && "
                  "echo 'nameserver 192.168.10.10' > /etc/resolv.conf", 4, PASSES),
]


def play(be: Backend, session: list[Move]) -> None:
    nodes = [h.name for h in be.spec.nodes_list]
    for i, move in enumerate(session, 1):
        for host in nodes if move.hosts == "nodes" else [move.hosts]:
            be.transport.exec(host, ["bash"], input=move.typed.encode(), timeout=120)  # typos and all: no -e
        got = exercise.grade(be, exercise.step(str(move.step)))
        failing = {(g.req, g.host): g.observed for g in got if g.outcome.failed}
        where = f"move {i} (step {move.step})"
        if move.expect is None:
            assert not failing, f"{where}: the step should pass now; failing: {failing}"
            continue
        for e in move.expect if isinstance(move.expect, tuple) else (move.expect,):
            assert (e.req, e.host) in failing, f"{where}: expected {e.req} on {e.host} to fail; failing: {failing}"
            seen = failing[(e.req, e.host)]
            missing = [w for w in e.says if w not in seen]
            assert not missing, f"{where}: {e.req} {e.host} says {seen!r}, without {missing}"
            wrong = [w for w in e.not_says if w in seen]
            assert not wrong, f"{where}: {e.req} {e.host} says {seen!r}, with {wrong}"
        # the step's lines speak of the step: no line of another step is graded here
        others = {r for r, _ in failing if exercise.step(str(move.step)).number != _step_of(r)}
        assert not others, f"{where}: step {move.step} graded {others}"


def _step_of(req: str) -> int:
    from airgaplab.suite.catalog import requirement

    return requirement(req).step


@pytest.mark.parametrize("session", ["ntp", "dns"])
def test_a_students_session_with_mistakes_is_graded_step_by_step(session: str, netns_lab) -> None:
    be = netns_lab(f"st{session}", bare=True)
    if session == "dns":  # the time steps done right, by the reference solution
        for n in ("1", "2"):
            exercise.solve(be, exercise.step(n))
    play(be, NTP_SESSION if session == "ntp" else DNS_SESSION)
