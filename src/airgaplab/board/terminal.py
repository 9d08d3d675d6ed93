"""A seat's host in a pseudo-terminal, bridged to a websocket: what the member types goes to the host's shell
(`airgaplab shell --name LAB HOST`, the same shell the ssh gateway opens), what it prints comes back.

Binary frames carry the terminal's bytes both ways; a text frame from the page is a resize,
`{"cols": 120, "rows": 30}`. The shell gets SIGHUP, as over ssh, when the page goes away.
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
from contextlib import suppress

from starlette.websockets import WebSocket, WebSocketDisconnect

from airgaplab import retry

READ_SIZE = 65536


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


async def bridge(ws: WebSocket, argv: list[str]) -> None:
    """Until either side ends: the page's keys to the shell, the shell's output to the page."""
    pid, fd = spawn(argv)
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

    tasks = [asyncio.create_task(to_page()), asyncio.create_task(from_page())]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    except WebSocketDisconnect:
        pass
    finally:
        for t in tasks:
            t.cancel()
        loop.remove_reader(fd)
        await asyncio.to_thread(hang_up, pid, fd)
