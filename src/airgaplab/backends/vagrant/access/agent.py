"""One long-lived root helper per VM, over its ssh connection: what the suite asks a VM costs a line on an
open pipe, not a new ssh session, sudo and shell (about 0.3 s each under software emulation) or a python3
start for every datagram relayed (about 0.5 s).

    agents = Agents(lambda host: ssh_argv(host, agent.COMMAND))
    agents.exec("admin", ["chronyc", "-n", "tracking"], timeout=30)   # a CompletedProcess, as subprocess.run
    agents.exchange("k8s-node1", "udp", "192.168.10.10", 53, query, timeout=2.0)
    agents.close()                                                  # before a revert, a reboot, `down`

A host's agents are a small pool (a second caller while one command runs gets an agent of its own). An
agent whose connection drops (a reboot, a revert) answers like ssh would, exit 255, and the next call
starts a new one.
"""

from __future__ import annotations

import base64
import json
import queue
import re
import shlex
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from airgaplab.backends import relay
from airgaplab.backends.vagrant.access import agent_loop
from airgaplab.lab.transport import Completed

LOST = 255  # ssh's exit code when the connection, not the command, failed
START_TIMEOUT_S = 120.0  # an emulated guest under load takes seconds to start python3
MARGIN_S = 30.0  # beyond a command's own timeout (which the agent enforces), the connection is presumed dead


def _source() -> str:
    """relay.py's exchange, then the loop, as one program for `python3 -c` (one __future__ import, first)."""
    parts = [re.sub(r"^from __future__ import annotations\n", "", Path(m.__file__ or "").read_text(), flags=re.M)
             for m in (relay, agent_loop)]
    return "from __future__ import annotations\n" + "\n".join(parts) + "\nserve(exchange)\n"


COMMAND = f"exec python3 -u -c {shlex.quote(_source())}"


class Agent:
    """One running loop: a request in, its answer out (None once the loop is gone)."""

    def __init__(self, argv: list[str]) -> None:
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.lines: queue.Queue[bytes | None] = queue.Queue()
        self.timed_out = False  # no answer within the wait: the connection hangs (a reverted guest's, say)
        threading.Thread(target=self._read, daemon=True).start()
        self.ready = self._answer(START_TIMEOUT_S) is not None

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def _answer(self, wait: float | None) -> dict[str, Any] | None:
        try:
            line = self.lines.get(timeout=wait)
        except queue.Empty:
            line, self.timed_out = None, True
        if line is None:
            self.stop()
            return None
        answer: dict[str, Any] = json.loads(line)
        return answer

    def ask(self, request: dict[str, Any], wait: float | None) -> dict[str, Any] | None:
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(json.dumps(request).encode() + b"\n")
            self.proc.stdin.flush()
        except OSError:  # the loop is gone: a broken pipe
            self.stop()
            return None
        return self._answer(wait)

    def why_gone(self) -> bytes:
        """What ssh (or python3) said on its way out."""
        self.stop()
        return self.proc.stderr.read() if self.proc.stderr else b""

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None


class Agents:
    """The agents of a lab's VMs; `launch(host)` is the argv that starts one there."""

    def __init__(self, launch: Callable[[str], list[str]]) -> None:
        self.launch = launch
        self.idle: dict[str, list[Agent]] = {}
        self.lock = threading.Lock()

    def _take(self, host: str) -> Agent:
        with self.lock:
            pool = self.idle.setdefault(host, [])
            while pool:
                agent = pool.pop()
                if agent.alive:
                    return agent
        return Agent(self.launch(host))

    def _give_back(self, host: str, agent: Agent) -> None:
        if agent.alive:
            with self.lock:
                self.idle.setdefault(host, []).append(agent)

    def _ask(self, host: str, request: dict[str, Any], wait: float | None) -> tuple[dict[str, Any] | None, Agent]:
        agent = self._take(host)
        answer = agent.ask(request, wait) if agent.ready else None
        self._give_back(host, agent)
        return answer, agent

    def exec(self, host: str, argv: list[str], *, input: bytes | None = None,
             timeout: float | None = 120) -> Completed:
        """argv as root on host, as subprocess.run over ssh would run it (TimeoutExpired past `timeout`)."""
        request = {"op": "exec", "argv": argv, "input": None if input is None else base64.b64encode(input).decode(),
                   "timeout": timeout}
        answer, agent = self._ask(host, request, None if timeout is None else timeout + MARGIN_S)
        if answer is None and agent.ready and agent.timed_out:
            raise subprocess.TimeoutExpired(argv, timeout or 0.0)
        if answer is None:
            return Completed(argv, LOST, b"", agent.why_gone() or f"{host}: the connection was lost".encode())
        out, err = base64.b64decode(answer["out"]), base64.b64decode(answer["err"])
        if answer.get("timeout"):
            raise subprocess.TimeoutExpired(argv, timeout or 0.0, out, err)
        return Completed(argv, int(answer["rc"]), out, err)

    def exchange(self, host: str, proto: str, server: str, port: int, payload: bytes, *, timeout: float,
                 source: str | None) -> bytes | None:
        """relay.exchange run on host: the reply, or None."""
        request = {"op": "exchange", "proto": proto, "server": server, "port": port, "payload": payload.hex(),
                   "timeout": timeout, "source": source}
        answer, _ = self._ask(host, request, timeout + MARGIN_S)
        return bytes.fromhex(answer["reply"]) if answer and answer["reply"] else None

    def close(self, hosts: list[str] | None = None) -> None:
        """Stop the idle agents of `hosts` (all by default); a busy one stops when its connection ends."""
        with self.lock:
            names = list(self.idle) if hosts is None else hosts
            gone = [a for h in names for a in self.idle.pop(h, [])]
        for agent in gone:
            agent.stop()
