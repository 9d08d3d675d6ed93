"""What `up` created, written before each thing is created so `down` can undo a killed `up`."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path


def machine_cpu_s() -> float:
    """CPU seconds this machine has been busy, all CPUs (/proc/stat's first line)."""
    with open("/proc/stat") as f:
        user, nice, system, _idle, _iowait, irq, softirq = map(int, f.readline().split()[1:8])
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


@dataclass
class Journal:
    path: Path
    lab_name: str = ""
    backend: str = "netns"
    spec: dict[str, object] = field(default_factory=dict)
    bare: bool = False
    netns: list[str] = field(default_factory=list)
    mounts: list[str] = field(default_factory=list)
    complete: bool = False
    timings: dict[str, float] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> Journal | None:
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            return None
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__ and k != "path"}
        return cls(path=path, **known)

    def save(self) -> None:
        data = {k: v for k, v in self.__dict__.items() if k != "path"}
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=1))
        os.replace(tmp, self.path)  # atomic: a SIGKILL never leaves half a journal

    def finish(self, t0: float) -> None:
        """`up` is complete: record how long it took (from monotonic t0) and when it ended."""
        self.timings["up_s"] = round(time.monotonic() - t0, 3)
        self.timings["up_done_epoch"] = time.time()
        self.complete = True
        self.save()

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        """Time a phase of `up` into timings["phase.<name>_s"], and the machine's CPU seconds in it (every
        process's: most of a phase's work is in programs it runs) into "phase.<name>_cpu_s"."""
        t0, c0 = time.monotonic(), machine_cpu_s()
        try:
            yield
        finally:
            self.timings[f"phase.{name}_s"] = round(time.monotonic() - t0, 3)
            self.timings[f"phase.{name}_cpu_s"] = round(machine_cpu_s() - c0, 3)

    def will_create_netns(self, names: list[str]) -> None:
        self.netns.extend(n for n in names if n not in self.netns)
        self.save()

    def will_mount(self, path: str) -> None:
        if path not in self.mounts:
            self.mounts.append(path)
            self.save()
