"""Bad input at scale (hypothesis): mutated lab specs, CLI argument lists, and the config files a student
edits inside the lab that the harness parses. Every spec renders or is refused with one line and exit 2
before anything is created; every argument list ends in a line, never a traceback; a garbled config is
something the suite can report, never a crash.

Examples: `HYPOTHESIS_PROFILE=ci` (the default: a fixed seed, a bounded number — 1000, fewer for the tests whose
examples run the CLI, so that `make unit` takes a minute on a slow machine) or `nightly` (at random, each test for
HYPOTHESIS_NIGHTLY_SECONDS, 120 by default).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from airgaplab.paths import default_lab_file
from airgaplab.probes import chrony, facts
from airgaplab.report import html
from tests.unit.conftest import cli, examples, within_time

REFERENCE: dict[str, Any] = yaml.safe_load(default_lab_file().read_text())
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-(2**40), 2**40), st.floats(allow_nan=True),
                    st.text(max_size=30), st.sampled_from(["192.168.10.300", "0.0.0.0/0", "::1", "admin", "",
                                                           "k8s-node1", "ntp-server", "dns-client", "-1", "1e9"]))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                      st.dictionaries(st.text(max_size=10), inner, max_size=4)),
                      max_leaves=8)
ONE_LINE = dict(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                      HealthCheck.filter_too_much], deadline=None)


def test_at_night_each_generated_test_draws_for_its_time_only(monkeypatch) -> None:
    from tests.unit import conftest

    assert within_time("any") or not conftest.NIGHTLY  # CI: a fixed count, never cut short
    monkeypatch.setattr(conftest, "NIGHTLY", True)
    monkeypatch.setattr(conftest, "NIGHTLY_SECONDS", 0.2)
    assert conftest.within_time("night-test")
    clock = [conftest.time.monotonic()]
    monkeypatch.setattr(conftest.time, "monotonic", lambda: clock[0])
    assert conftest.within_time("night-test")
    clock[0] += 0.3
    assert not conftest.within_time("night-test") and conftest.within_time("another-test")


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in the spec a value sits (mapping keys and list indexes)."""
    found = [prefix] if prefix else []
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
    for k, v in items:
        found += paths(v, (*prefix, k))
    return found


PLACES = paths(REFERENCE)


@st.composite
def mutated_specs(draw: st.DrawFn) -> str:
    """The reference spec with one to four places changed: a value replaced, a key dropped, a host doubled —
    or, now and then, text that is not a mapping at all."""
    if draw(st.integers(0, 19)) == 0:
        return draw(st.text(max_size=200))
    spec = copy.deepcopy(REFERENCE)
    for _ in range(draw(st.integers(1, 4))):
        place = draw(st.sampled_from(PLACES))
        parent: Any = spec
        try:
            for k in place[:-1]:
                parent = parent[k]
            how = draw(st.sampled_from(["replace", "drop", "double"]))
            if how == "replace":
                parent[place[-1]] = draw(VALUES)
            elif how == "drop" and isinstance(parent, dict):
                parent.pop(place[-1], None)
            elif how == "drop" and isinstance(parent, list) and place[-1] < len(parent):
                parent.pop(place[-1])
            elif isinstance(parent, list) and place[-1] < len(parent):
                parent.append(copy.deepcopy(parent[place[-1]]))
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change took this place away
    return yaml.safe_dump(spec, allow_unicode=True)


def assert_one_line_refusal_or_success(r: Any, what: str) -> None:
    assert "Traceback" not in r.stdout + r.stderr, f"{what}: a traceback\n{r.stderr[-2000:]}"
    assert r.returncode in (0, 2), f"{what}: exit {r.returncode}\n{r.stdout[-500:]}{r.stderr[-500:]}"
    if r.returncode == 2:
        assert r.stderr.strip() and r.stderr.strip().count("\n") == 0, f"{what}: not one line:\n{r.stderr}"


@settings(**ONE_LINE, max_examples=examples(150))  # two CLI runs each: about 30 ms, 80 ms on a slow machine
@given(text=mutated_specs())
def test_a_mutated_spec_renders_or_is_refused_in_one_line(text: str, tmp_path: Path, state_dir: Path) -> None:
    assume(within_time("test_a_mutated_spec_renders_or_is_refused_in_one_line"))
    f = tmp_path / "lab.yaml"
    f.write_text(text)
    rendered = cli("render", "--spec", str(f))
    assert_one_line_refusal_or_success(rendered, f"render of\n{text}")
    event("spec rendered" if rendered.returncode == 0 else "spec refused")
    if rendered.returncode == 0:
        assert "/etc/" in rendered.stdout, rendered.stdout[:500]
    # `up` judges the spec before it creates anything (the lab's name is free, so nothing else stops it
    # first): a refused spec leaves no state behind. An accepted one is not brought up here.
    if rendered.returncode == 2:
        up = cli("up", "--spec", str(f), "--name", "gen", "--backend", "netns")
        assert_one_line_refusal_or_success(up, f"up of\n{text}")
        assert up.returncode == 2 and not (state_dir / "gen").exists(), up.stderr


# commands that need no lab, or refuse at once without one (the state dir is empty): never up/nightly/shell/exec
SAFE_COMMANDS = ["render", "status", "down", "drill", "check", "solve", "fault", "report", "box", "doctor", "reset",
                 "state"]
WORDS = st.one_of(
    st.sampled_from(["--name", "--spec", "--host", "--nodes", "--show", "--reset", "--hint", "--sync-timeout", "--os",
                     "--help", "-h", "--drill", "--backend", "1", "0", "-3", "99", "all", "admin", "k8s-node1",
                     "internet-down", "restart", "nodes-lose-time", "/nonexistent", "rocky10", "x" * 300, ""]),
    st.text(max_size=12))


@settings(**ONE_LINE, max_examples=examples(300))  # one CLI run each: about 11 ms, 30 ms on a slow machine
@given(command=st.sampled_from(SAFE_COMMANDS), args=st.lists(WORDS, max_size=5))
def test_any_argument_list_ends_in_a_line_never_a_traceback(command: str, args: list[str], state_dir: Path) -> None:
    assume(within_time("test_any_argument_list_ends_in_a_line_never_a_traceback"))
    if "--help" in args or "-h" in args:
        args = [a for a in args if a not in ("--help", "-h")]  # help is exit 0 and pages long: shown elsewhere
    if command == "doctor" or (command == "box" and args[:1] == ["build"]):
        args = ["--no-such-option"]  # doctor probes this machine; box build builds: only their refusals here
    r = cli(command, *args)
    event(f"exit {r.returncode}")
    assert "Traceback" not in r.stdout + r.stderr, f"airgaplab {command} {args}: a traceback\n{r.stderr[-2000:]}"
    assert r.returncode in (0, 1, 2), f"airgaplab {command} {args}: exit {r.returncode}"
    if r.returncode == 2:
        assert r.stderr.strip().count("\n") == 0, f"airgaplab {command} {args}: not one line:\n{r.stderr}"
    assert not list(state_dir.glob("*/journal.json")), f"airgaplab {command} {args} created a lab"


CONFIG_LINES = st.one_of(
    st.sampled_from(["server 192.168.10.10 iburst", "allow 192.168.10.0/24", "alow 192.168.10.0/24", "local stratum",
                     "options {", "};", "allow-query { localhost; 192.168.10.0/24 };", "forwarders {", "8.8.8.8;",
                     "/* unclosed", "// comment", "# comment", "[main]", "dns=none", "dns = none # x", "nameserver",
                     "nameserver 192.168.10.10", "= =", "[", "recursion yes", "\x00", "\t", "allow-query {{ }};"]),
    st.text(max_size=40))
CONFIGS = st.lists(CONFIG_LINES, max_size=12).map("\n".join)


@settings(**ONE_LINE)
@given(text=CONFIGS)
def test_garbled_configs_are_findings_not_crashes(text: str) -> None:
    assume(within_time("test_garbled_configs_are_findings_not_crashes"))
    lines = facts.directives(text)
    assert all(line and line == line.strip() for line in lines)
    for option in ("allow-query", "allow-recursion", "forwarders", "listen-on"):
        got = facts.named_option(text, option)
        assert got is None or all(isinstance(x, str) and x for x in got)
        facts.acl_meaning(got or [])
    facts.named_value(text, "recursion")
    merged = facts.networkmanager_main("### /etc/NetworkManager/conf.d/x.conf\n" + text)
    assert all(isinstance(v, tuple) for v in merged.values())
    assert all(ns for ns in facts.nameservers(text))


@settings(**ONE_LINE)
@given(text=st.lists(st.lists(st.text(max_size=12), max_size=15).map(",".join), max_size=5).map("\n".join))
def test_whatever_chronyc_prints_is_parsed_or_set_aside(text: str) -> None:
    assume(within_time("test_whatever_chronyc_prints_is_parsed_or_set_aside"))
    srcs = chrony.sources(text)  # a row chrony would not print is skipped, not a crash
    assert all(isinstance(s.reach, int) for s in srcs)
    chrony.clients(text)
    chrony.traffic(text)


@settings(**ONE_LINE)
@given(evidence=st.dictionaries(st.text(max_size=20), st.text(max_size=200), max_size=4),
       observed=st.text(max_size=200))
def test_the_report_page_escapes_whatever_a_host_printed(evidence: dict[str, str], observed: str) -> None:
    assume(within_time("test_the_report_page_escapes_whatever_a_host_printed"))
    code = str(html._code(observed))
    assert "<script" not in code.lower() or "&lt;script" in code.lower()
    for text in evidence.values():
        assert "<" not in str(html._code(text)).replace("<code>", "").replace("</code>", "")
