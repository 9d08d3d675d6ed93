"""What a backend may offer beyond its labs, as the CLI reaches it through the registry (backends.boxes,
backends.stand_in_hosts) without naming the backend: a module of the backend's fills each Protocol."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple, Protocol

from airgaplab.backends.base import Progress


class Boxes(Protocol):
    """Guest images built here from distribution packages (`airgaplab box`)."""

    def ensure(self, os_name: str, progress: Progress, mirror: str | None = None) -> str:
        """The box's name for `os_name`, built and added when missing."""
        ...

    def file_of(self, os_name: str, mirror: str | None = None) -> Path:
        """Where the box for `os_name` is cached; UserError (one line) for an OS no box is built for."""
        ...

    def cache_dir(self) -> Path: ...

    def cached(self) -> list[dict[str, object]]:
        """Boxes in the cache and added: name, file, size_mb, added."""
        ...

    def remove(self, os_name: str, keep: str | None = None) -> list[str]: ...


class StandInRow(NamedTuple):
    name: str
    up: bool
    uri: str  # the URI a class places seats by
    guests: list[str]


class StandInHosts(Protocol):
    """Hypervisor hosts of this machine standing in for other machines' (`airgaplab hypervisor`)."""

    def up(self, name: str, say: Progress, *, ssh: bool = False) -> str:
        """The host up; its URI. UserError (nothing created) for a bad or taken name."""
        ...

    def down(self, name: str) -> bool: ...

    def name_of(self, uri: str) -> str | None:
        """The stand-in host whose URI `uri` is, else None."""
        ...

    def listing(self) -> list[StandInRow]: ...
