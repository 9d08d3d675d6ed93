"""The CLI's consoles and its progress lines."""

from __future__ import annotations

import time

from rich.console import Console

out = Console()
err = Console(stderr=True)


class Steps:
    """Progress lines: each step prints with its duration when the next one starts."""

    def __init__(self) -> None:
        self.t0 = time.monotonic()
        self.last: tuple[str, float] | None = None
        self.status = out.status("", spinner="dots")

    def __call__(self, msg: str) -> None:
        self._close()
        self.last = (msg, time.monotonic())
        self.status.update(f"{msg} …")

    def _close(self) -> None:
        if self.last:
            msg, t = self.last
            out.print(f"[green]✓[/] {msg} [dim]({time.monotonic() - t:.1f} s)[/]")
            self.last = None

    def __enter__(self) -> Steps:
        self.status.start()
        return self

    def __exit__(self, exc_type: object, *_: object) -> None:
        self.status.stop()
        if exc_type is None:
            self._close()
        elif self.last:
            out.print(f"[red]✗[/] {self.last[0]}")
