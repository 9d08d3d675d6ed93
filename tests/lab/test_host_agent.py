"""The VM host agent's datagram relay, run by this machine's python3 in a network namespace of its own (a
VM's python3 runs the same program): a reply comes back whole, silence and a refusal are None."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from airgaplab import retry
from airgaplab.backends.vagrant.access import agent
from tests.helpers import needs_root

pytestmark = needs_root()
ECHO = ("import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('127.0.0.1', 5300))\n"
        "while True:\n    d, a = s.recvfrom(65535); s.sendto(d[::-1], a)")


@pytest.fixture
def agents() -> Iterator[agent.Agents]:
    # a namespace with only its loopback: nothing the relay sends can leave it
    pool = agent.Agents(lambda host: ["unshare", "--net", "sh", "-c",
                                      f"ip link set lo up && {agent.COMMAND}"])
    yield pool
    pool.close()


def test_the_relay_returns_the_reply_whole_and_none_for_silence(agents: agent.Agents) -> None:
    started = agents.exec("h", ["sh", "-c", f"python3 -c \"{ECHO}\" >/dev/null 2>&1 & echo $!"])
    payload = bytes(range(256)) * 8
    try:
        # the echo binds its port a moment after it starts
        got = retry.until(lambda: agents.exchange("h", "udp", "127.0.0.1", 5300, payload, timeout=0.5, source=None),
                          timeout=10)
        assert got.value == payload[::-1]
        assert agents.exchange("h", "udp", "127.0.0.1", 5301, b"x", timeout=0.5, source=None) is None  # refused
        assert agents.exchange("h", "tcp-dns", "127.0.0.1", 5300, b"x", timeout=0.5, source=None) is None
    finally:
        agents.exec("h", ["kill", started.stdout.decode().strip()])
