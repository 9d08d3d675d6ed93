"""The host agent's loop, run as root by a VM's own python3 (standard library only).

agent.py starts it over the host's ssh connection, after relay.py's source in the same `python3 -c`, and
then talks to it in JSON lines on its stdin and stdout, one request at a time:

    → {"op": "exec", "argv": ["chronyc", "-n", "tracking"], "input": null, "timeout": 30}
    ← {"rc": 0, "out": "<base64>", "err": "<base64>"}             (or {"timeout": true, ...})
    → {"op": "exchange", "proto": "udp", "server": "192.168.10.10", "port": 123, "payload": "<hex>", ...}
    ← {"reply": "<hex>"}                                          (or {"reply": null}: no answer)

A command runs as `sh -c` would run it over ssh (same environment, 127 when it is not found), in a
session of its own that a timeout kills whole.
"""

from __future__ import annotations

import base64
import json
import os
import shlex
import signal
import subprocess
import sys
from collections.abc import Callable
from typing import Any

Exchange = Callable[[str, str, int, bytes, float, "str | None"], "bytes | None"]


def run(argv: list[str], data: bytes | None, timeout: float | None) -> dict[str, Any]:
    """One command, as `sudo sh -c` over ssh ran it; its exit code and output, base64-encoded."""
    proc = subprocess.Popen(["sh", "-c", shlex.join(argv)], stdin=subprocess.PIPE if data is not None
                            else subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)  # the loop's stdin is the protocol: no command reads it
    try:
        out, err = proc.communicate(data, timeout=timeout)
        answer: dict[str, Any] = {"rc": proc.returncode}
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the command and whatever it started
        out, err = proc.communicate()
        answer = {"timeout": True}
    return {**answer, "out": base64.b64encode(out).decode(), "err": base64.b64encode(err).decode()}


def serve(exchange: Exchange) -> None:
    """Answer requests until stdin ends (the ssh connection closed, or the suite's process exited)."""
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        req = json.loads(line)
        if req["op"] == "exec":
            data = None if req["input"] is None else base64.b64decode(req["input"])
            answer = run(req["argv"], data, req["timeout"])
        else:
            reply = exchange(req["proto"], req["server"], req["port"], bytes.fromhex(req["payload"]),
                             req["timeout"], req["source"])
            answer = {"reply": None if reply is None else reply.hex()}
        print(json.dumps(answer), flush=True)
