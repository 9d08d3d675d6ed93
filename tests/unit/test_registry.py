"""The registry hands out what a backend offers beyond its labs (boxes, stand-in hosts) as the Protocols of
backends.parts say, so the CLI can use them without naming the backend."""

from __future__ import annotations

import inspect
from typing import Any

import pytest

from airgaplab import backends
from airgaplab.backends.parts import Boxes, StandInHosts
from airgaplab.errors import UserError


def _members(protocol: type) -> dict[str, inspect.Signature]:
    return {name: inspect.signature(fn) for name, fn in vars(protocol).items()
            if callable(fn) and not name.startswith("_")}


@pytest.mark.parametrize(("get", "protocol"), [(backends.boxes, Boxes), (backends.stand_in_hosts, StandInHosts)])
def test_a_backends_part_fills_its_protocol(get: Any, protocol: type) -> None:
    part = get()
    for name, wanted in _members(protocol).items():
        got = inspect.signature(getattr(part, name))
        wanted_params = [p for p in wanted.parameters.values() if p.name != "self"]
        assert [(p.name, p.kind) for p in got.parameters.values()] == [(p.name, p.kind) for p in wanted_params], name


def test_no_backend_with_a_part_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(backends, "REGISTRY", {k: r for k, r in backends.REGISTRY.items() if not r.boxes})
    with pytest.raises(UserError, match="no backend here builds boxes"):
        backends.boxes()


def test_box_commands_refuse_an_unknown_os_in_one_line() -> None:
    with pytest.raises(UserError) as e:
        backends.boxes().file_of("plan9")
    assert "\n" not in str(e.value)
