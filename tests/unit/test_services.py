"""The lab's services as modules: the registry, the spec's services and roles, `up --services`, and what the rest
of the lab asks of a service going through its module (files, steps, checks, catalog, tests, drills, exercise)."""

from __future__ import annotations

from pathlib import Path

import pytest

from airgaplab.errors import UserError
from airgaplab.exercise import drills
from airgaplab.exercise import steps as exercise
from airgaplab.lab import render
from airgaplab.lab.family import FAMILIES, family
from airgaplab.lab.specfile import load_spec, with_services
from airgaplab.paths import default_lab_file
from airgaplab.services import names, registry
from airgaplab.suite.catalog import catalog

from .conftest import cli
from .test_spec import mutate, parse_spec


@pytest.fixture
def lab():
    return load_spec(default_lab_file())


def test_every_service_is_a_module_holding_what_the_lab_knows_of_it() -> None:
    for s in registry.every():
        assert s.roles == (f"{s.name}-server", f"{s.name}-client")
        assert (s.home / "steps" / f"{s.server_role}.sh").is_file() and (s.home / "steps" / f"{s.client_role}.sh").is_file()
        assert s.catalog_file.is_file() and any(s.conformance_dir.glob("test_*.py"))
        assert s.exercise and all(e.role in s.roles for e in s.exercise)
        assert {d.name for d in s.drills()} <= set(drills.of([s.name]))
        for fam in FAMILIES.values():  # a daemon's unit and config on each family: the module's, not a guess
            assert not s.daemon or (s.unit(fam) and s.config(fam))
            assert all(c.path for c in s.checks(fam))


def test_a_default_lab_has_the_notes_services_in_the_notes_order(lab) -> None:
    assert lab.services is None and lab.service_names == ["ntp", "dns"] == list(names.DEFAULT)
    assert [s.name for s in registry.of(lab)] == ["ntp", "dns"]
    assert registry.daemons(lab) == ("named", "chronyd")  # admin's chronyd resolves its upstreams through named
    assert render.steps_for(lab.host("admin")) == ["dns-server", "ntp-server"]
    assert [(s.number, s.name) for s in exercise.of(lab)] == [(1, "ntp-server"), (2, "ntp-clients"),
                                                              (3, "dns-server"), (4, "dns-clients")]
    assert exercise.of(lab) == exercise.STEPS


def test_files_and_environment_come_from_each_service(lab) -> None:
    fam = family("debian12")
    admin = render.files_for(lab, lab.host("admin"), fam)
    assert list(admin)[:2] == [fam.chrony_conf, fam.named_conf]
    env = render.step_env(lab, fam)
    assert env["PKG_INSTALL"] == fam.install and env["CHRONY_SERVICE"] == "chrony" and env["NAMED_CONF"] == fam.named_conf
    staged = render.step_scripts()
    assert {"lib.sh", "base.sh", "chrony-lib.sh", "ntp-server.sh", "dns-client.sh"} <= set(staged)


def test_a_lab_of_one_service_renders_grades_and_teaches_that_service_only(lab) -> None:
    ntp_only = with_services(lab, "ntp")
    assert ntp_only.service_names == ["ntp"] and ntp_only.host("admin").roles == ["ntp-server"]
    assert all(h.roles == ["ntp-client"] for h in ntp_only.nodes_list)
    assert set(render.files_for(ntp_only, ntp_only.host("admin"))) == {"/etc/chrony.conf"}
    assert [s.name for s in exercise.of(ntp_only)] == ["ntp-server", "ntp-clients"]
    dns_only = with_services(lab, "dns")
    assert [s.number for s in exercise.of(dns_only)] == [3, 4]  # a step keeps its number in every lab
    assert exercise.step("dns-server", exercise.of(dns_only)).number == 3
    with pytest.raises(UserError, match="no exercise step '1'"):
        exercise.step("1", exercise.of(dns_only))
    assert with_services(dns_only, "ntp,dns").service_names == ["ntp", "dns"]  # roles placed again: admin serves


@pytest.mark.parametrize(("services", "words"), [("ntp,bgp", "no service 'bgp' — airgaplab knows ntp, dns"),
                                                 (",", "no service ','")])
def test_services_that_do_not_exist_are_one_line(lab, services: str, words: str) -> None:
    with pytest.raises(UserError) as err:
        with_services(lab, services)
    assert str(err.value).startswith(f"--services {services}: ") and words in str(err.value)
    assert "\n" not in str(err.value)


def test_the_spec_names_its_services_and_a_role_of_another_is_refused() -> None:
    spec = parse_spec(mutate(lambda d: d.update(services=["dns", "ntp"])), "lab.yaml")
    assert spec.service_names == ["ntp", "dns"]  # the study's order, whatever the spec's
    with pytest.raises(UserError, match="admin has role ntp-server but services leaves ntp out"):
        parse_spec(mutate(lambda d: d.update(services=["dns"])), "lab.yaml")
    with pytest.raises(UserError, match="services: no service 'ldap'"):
        parse_spec(mutate(lambda d: d.update(services=["ldap"])), "lab.yaml")


def test_up_with_unknown_services_exits_2_and_creates_nothing(state_dir: Path) -> None:
    r = cli("up", "--backend", "netns", "--services", "ntp,dsn")
    assert r.returncode == 2 and "no service 'dsn'" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert not state_dir.exists() or not any(state_dir.iterdir())


def test_each_requirement_belongs_to_the_lab_or_one_service_and_names_a_step_of_it() -> None:
    steps = {n: s for n, s, _ in registry.exercise()}
    for rid, req in catalog().items():
        if req.service and req.step:  # a service's requirement grades a step of that service
            assert steps[req.step].name == req.service, f"{rid} grades step {req.step}, a step of another service"
    assert {r.service for r in catalog().values()} == {"", *names.NAMES}  # each catalog's, the lab's own ""
    assert list(catalog())[-1].split("-")[1] == "RES"  # the resilience ones last, as a run orders them


def test_no_role_is_named_outside_its_service() -> None:
    """A role is `<service>-server|client` (services.names): the rest of the lab asks a service for its roles."""
    import ast

    pkg = Path(registry.__file__).parents[1]
    roles = set(names.roles())
    found = [f"{p.relative_to(pkg)}:{n.lineno}" for p in pkg.rglob("*.py") if "services" not in p.relative_to(pkg).parts
             for n in ast.walk(ast.parse(p.read_text())) if isinstance(n, ast.Constant) and n.value in roles]
    assert not found, f"a role named outside its service's module: {found}"


def test_a_spec_with_no_services_section_for_a_service_it_names_is_one_line() -> None:
    with pytest.raises(UserError, match="dns: missing — a host has role dns-server"):
        parse_spec(mutate(lambda d: d.pop("dns")), "lab.yaml")


def test_a_requirement_is_judged_on_the_labs_own_services_and_state(lab) -> None:
    from airgaplab.services.gateway.section import Gateway

    req = catalog()
    closed = with_services(lab, "ntp,dns,gateway")
    opened = closed.model_copy(update={"gateway": Gateway(open=True)})
    assert not req["GW-2"].holds_on(lab) and not req["GW-1"].holds_on(lab)  # no gateway: none of its claims
    assert req["GW-2"].holds_on(closed) and not req["GW-1"].holds_on(closed)
    assert req["GW-1"].holds_on(opened) and not req["GW-2"].holds_on(opened)
    for rid in ("NET-1", "NTP-CLI-3", "DNS-CLI-4"):  # a node cut off: a claim of a closed lab only
        assert req[rid].holds_on(lab) and req[rid].holds_on(closed) and not req[rid].holds_on(opened)
    assert req["NTP-SRV-1"].holds_on(opened)


def test_the_gateway_chapter_comes_after_the_notes_steps_and_brings_its_own_drills(lab) -> None:
    gw = with_services(lab, "ntp,dns,gateway")
    assert [(s.number, s.name, s.roles) for s in exercise.of(gw)][-2:] == [
        (5, "gateway-open", ("gateway-server", "gateway-client")),
        (6, "gateway-closed", ("gateway-server", "gateway-client"))]
    assert "gateway-left-open" in drills.of(gw.service_names) and "gateway-left-open" not in drills.DRILLS
    assert gw.gateway is None  # left out: closed
    env = render.step_env(gw, family("rocky10"))
    assert env["GATEWAY_OPEN"] == "0" and env["GATEWAY_IP"] == "192.168.10.10"
    assert "masquerade" in render.files_for(gw, gw.host("admin"))["/etc/sysconfig/nftables.conf"]
