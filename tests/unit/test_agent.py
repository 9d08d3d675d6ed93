"""The VM host agent's loop (vagrant/agent.py), run here by this machine's python3 in place of a VM's: a
command's exit code and output, its input, a timeout, a lost connection, a second caller. No VM needed."""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from airgaplab.backends.vagrant.access import agent


@pytest.fixture
def agents() -> Iterator[agent.Agents]:
    pool = agent.Agents(lambda host: ["python3", "-u", "-c", agent._source()])
    yield pool
    pool.close()


def test_a_command_answers_as_it_would_over_ssh(agents: agent.Agents) -> None:
    ok = agents.exec("h", ["sh", "-c", "echo out; echo err >&2; exit 3"])
    assert (ok.returncode, ok.stdout, ok.stderr) == (3, b"out\n", b"err\n")
    missing = agents.exec("h", ["no-such-command"])
    assert missing.returncode == 127 and b"not found" in missing.stderr


def test_input_and_output_keep_every_byte(agents: agent.Agents) -> None:
    data = bytes(range(256)) * 64
    assert agents.exec("h", ["cat"], input=data).stdout == data
    assert agents.exec("h", ["cat"]).stdout == b""  # no input: the loop's own stdin is not the command's


def test_a_timeout_raises_and_kills_what_the_command_started(agents: agent.Agents, tmp_path: Path) -> None:
    mark = tmp_path / "late"
    start = time.monotonic()
    with pytest.raises(subprocess.TimeoutExpired):
        agents.exec("h", ["sh", "-c", f"(sleep 1; touch {mark}) & sleep 30"], timeout=0.3)
    assert time.monotonic() - start < 5
    time.sleep(1.5)  # past when the background child would have written: it was killed with its session
    assert not mark.exists()
    assert agents.exec("h", ["true"]).returncode == 0  # the agent lives on


def test_a_lost_connection_answers_like_ssh_then_a_new_agent_starts(agents: agent.Agents) -> None:
    assert agents.exec("h", ["true"]).returncode == 0
    first = agents.idle["h"][0]
    first.proc.kill()  # what a revert or a reboot does to the connection
    first.proc.wait()
    assert agents.exec("h", ["echo", "back"]).stdout == b"back\n"
    assert agents.idle["h"][0] is not first


def test_a_connection_that_cannot_start_says_why() -> None:
    pool = agent.Agents(lambda host: ["sh", "-c", "echo 'ssh: connect to host h port 22: Connection refused' >&2; "
                                                  "exit 255"])
    got = pool.exec("h", ["true"])
    assert got.returncode == agent.LOST and b"Connection refused" in got.stderr


def test_a_second_caller_gets_an_agent_of_its_own(agents: agent.Agents) -> None:
    slow = threading.Thread(target=agents.exec, args=("h", ["sleep", "1.5"]))
    slow.start()
    time.sleep(0.5)
    start = time.monotonic()
    assert agents.exec("h", ["echo", "now"]).stdout == b"now\n"
    assert time.monotonic() - start < 1.0  # not queued behind the sleep
    slow.join()
    assert len(agents.idle["h"]) == 2
