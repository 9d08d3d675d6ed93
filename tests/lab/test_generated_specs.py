"""Mutated lab specs brought up for real (hypothesis, a few examples: each is a netns lab): a spec `up`
accepts comes up and goes down leaving nothing; one it refuses leaves nothing either. The unit tier tries
a thousand more against `render` and `up`'s refusal (tests/unit/test_generated_input.py)."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, event, given, settings

from tests.helpers import cli, lab_name, lab_traces, root_ns_lab_addresses
from tests.unit.test_generated_input import mutated_specs


@settings(max_examples=12, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(text=mutated_specs())
def test_a_mutated_spec_comes_up_and_goes_down_or_is_refused_leaving_nothing(text: str, tmp_path: Path,
                                                                             own_state: Path) -> None:
    f = tmp_path / "lab.yaml"
    f.write_text(text)
    name = lab_name("gen")
    up = cli("up", "--spec", str(f), "--name", name, "--backend", "netns", timeout=300)
    try:
        event("came up" if up.returncode == 0 else "refused")
        assert "Traceback" not in up.stdout + up.stderr, up.stderr[-2000:]
        assert up.returncode in (0, 2), f"exit {up.returncode}:\n{up.stdout[-1000:]}{up.stderr[-1000:]}\n{text}"
        if up.returncode == 2:
            assert up.stderr.strip().count("\n") == 0, up.stderr
            assert lab_traces(name) == {"netns": [], "mounts": []}
    finally:
        down = cli("down", "--name", name, timeout=300)
    assert down.returncode == 0, down.stderr
    assert lab_traces(name) == {"netns": [], "mounts": []} and not root_ns_lab_addresses()
