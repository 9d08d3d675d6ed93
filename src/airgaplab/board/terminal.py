"""A seat's host in a pseudo-terminal, bridged to a websocket: what the member types goes to the host's shell
(`airgaplab shell --name LAB HOST`, the same shell the ssh gateway opens), what it prints comes back.

Binary frames carry the terminal's bytes both ways; a text frame from the page is a resize,
`{"cols": 120, "rows": 30}`. The shell gets SIGHUP, as over ssh, when the page goes away.

The leader may watch a member's own terminal, read-only (`watch`): what the shell prints goes to the watchers
too, who get the last screenfuls first; what they type goes nowhere.
"""

from __future__ import annotations

import asyncio
import fcntl
import json
import os
import pty
import signal
import struct
import termios
from collections.abc import Coroutine
from contextlib import suppress
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect

from airgaplab import retry

READ_SIZE = 65536
KEPT = 65536  # what a watcher joining late is shown first: the last bytes the shell printed


class Shared:
    """One member's live terminal, as its watchers see it."""

    def __init__(self) -> None:
        self.recent = bytearray()
        self.watchers: set[asyncio.Queue[bytes | None]] = set()

    def printed(self, data: bytes | None) -> None:
        if data:
            self.recent += data
            del self.recent[:-KEPT]
        for q in self.watchers:
            q.put_nowait(data)


LIVE: dict[tuple[str, str], list[Shared]] = {}  # (seat, host) → its open terminals, the newest last


def spawn(argv: list[str]) -> tuple[int, int]:
    """The host's shell (`argv`: seats.shell_argv) in a new pseudo-terminal: (pid, the terminal's master fd)."""
    env = {**os.environ, "TERM": "xterm-256color"}
    pid, fd = pty.fork()
    if pid == 0:  # the child: a session of its own with the terminal as its controlling one (pty.fork did both)
        try:
            os.execvpe(argv[0], argv, env)
        finally:
            os._exit(127)
    return pid, fd


def resize(fd: int, cols: int, rows: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", max(1, rows), max(1, cols), 0, 0))


def hang_up(pid: int, fd: int) -> None:
    """The shell and what it started get SIGHUP (as when an ssh session drops), SIGKILL if they stay; reaped,
    the terminal closed."""
    for sig in (signal.SIGHUP, signal.SIGKILL):
        with suppress(ProcessLookupError):
            os.killpg(pid, sig)
        if retry.until(lambda: _reaped(pid), timeout=1.0):
            break
    os.close(fd)


def _reaped(pid: int) -> bool:
    try:
        return os.waitpid(pid, os.WNOHANG)[0] == pid
    except ChildProcessError:
        return True


async def bridge(ws: WebSocket, argv: list[str], key: tuple[str, str] | None = None) -> None:
    """Until either side ends: the page's keys to the shell, the shell's output to the page (and to whoever watches
    the terminal of `key`, (seat, host))."""
    pid, fd = spawn(argv)
    shared = Shared()
    if key:
        LIVE.setdefault(key, []).append(shared)
    loop = asyncio.get_running_loop()
    out: asyncio.Queue[bytes | None] = asyncio.Queue()

    def readable() -> None:
        try:
            data = os.read(fd, READ_SIZE)
        except OSError:  # EIO: the shell ended
            data = b""
        if not data:
            loop.remove_reader(fd)
        out.put_nowait(data or None)

    loop.add_reader(fd, readable)

    async def to_page() -> None:
        while (data := await out.get()) is not None:
            shared.printed(data)
            await ws.send_bytes(data)
        await ws.close(code=1000, reason="the shell ended")

    async def from_page() -> None:
        while True:
            msg = await ws.receive()
            if msg["type"] == "websocket.disconnect":
                return
            if msg.get("bytes"):
                os.write(fd, msg["bytes"])
            elif msg.get("text"):
                size = json.loads(msg["text"])
                resize(fd, int(size["cols"]), int(size["rows"]))

    try:
        await _either(to_page(), from_page())
    finally:
        loop.remove_reader(fd)
        shared.printed(None)
        if key and shared in LIVE.get(key, []):
            LIVE[key].remove(shared)
        await asyncio.to_thread(hang_up, pid, fd)


async def watch(ws: WebSocket, key: tuple[str, str]) -> None:
    """The member's newest terminal of `key`, read-only: its last screenfuls, then what it prints, until it ends."""
    if not LIVE.get(key):
        await ws.close(code=4404, reason=f"{key[0]} has no terminal on {key[1]} open now")
        return
    shared, q = LIVE[key][-1], asyncio.Queue[bytes | None]()
    shared.watchers.add(q)
    await ws.accept()

    async def to_page() -> None:
        await ws.send_bytes(bytes(shared.recent))
        while (data := await q.get()) is not None:
            await ws.send_bytes(data)
        await ws.close(code=1000, reason="the member's shell ended")

    async def ignore_keys() -> None:  # read-only: what the watcher types goes nowhere
        while (await ws.receive())["type"] != "websocket.disconnect":
            continue

    try:
        await _either(to_page(), ignore_keys())
    finally:
        shared.watchers.discard(q)


async def _either(*sides: Coroutine[Any, Any, None]) -> None:
    """Until one side of a bridge ends (the page gone, the shell ended); the other stopped then."""
    tasks = [asyncio.create_task(side) for side in sides]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    except WebSocketDisconnect:
        pass
    finally:
        for t in tasks:
            t.cancel()
