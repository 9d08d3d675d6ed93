"""chrony.conf read as the grader says it: a symptom for each thing that is off, never the notes' own line."""

from __future__ import annotations

import pytest

from airgaplab.probes.chronyconf import client_symptoms, server_symptoms

ADMIN = "192.168.10.10"
STEP1 = ["server pool.ntp.org iburst", "server kr.pool.ntp.org iburst", "allow 192.168.10.0/24", "local stratum 10",
         "logdir /var/log/chrony"]


def server(lines: list[str], followed: str | None = None) -> list[str]:
    return server_symptoms(lines, upstream=["pool.ntp.org", "kr.pool.ntp.org"], internal="192.168.10.0/24",
                           local_stratum=10, logdir="/var/log/chrony", followed=followed)


def test_the_notes_own_files_have_no_symptom() -> None:
    assert server(STEP1) == []
    assert client_symptoms([f"server {ADMIN} iburst", "logdir /var/log/chrony"], ADMIN) == []


def test_admin_alone_without_iburst_is_told_as_its_first_poll() -> None:
    said = client_symptoms([f"server {ADMIN}"], ADMIN)
    assert said == [f"the node asks {ADMIN} without `iburst`: the first poll comes after 64 s, not within seconds"]
    assert not any("not admin alone" in s for s in said)


@pytest.mark.parametrize(("lines", "says"), [
    ([], "the node does not ask admin (192.168.10.10) for time: it names no time source"),
    (["pool 2.rocky.pool.ntp.org iburst"], "it asks 2.rocky.pool.ntp.org"),
    ([f"server {ADMIN} iburst", "pool 2.rocky.pool.ntp.org iburst"], "the node also asks `pool 2.rocky.pool"),
    ([f"pool {ADMIN} iburst"], "names admin as a pool, not as a server"),
])
def test_a_nodes_sources_are_told_by_what_it_asks(lines: list[str], says: str) -> None:
    assert any(says in s for s in client_symptoms(lines, ADMIN)), client_symptoms(lines, ADMIN)


def test_a_too_wide_allow_and_a_leftover_pool_are_each_named() -> None:
    lines = [x for x in STEP1 if not x.startswith("allow")] + ["allow 192.168.10.0/16", "pool 2.rocky.pool.ntp.org iburst"]
    said = server(lines, followed="198.51.100.123")
    assert any("`allow 192.168.10.0/16` lets 65,536 addresses ask admin for time (192.168.0.0/16), not the internal "
               "network's 256" in s for s in said), said
    assert any("admin also asks 2.rocky.pool.ntp.org" in s and "it follows 198.51.100.123 now" in s for s in said), said
    assert len(said) == 2, said  # nothing else is off
    assert not any("192.168.10.0/24" in s and "allow 192.168.10.0/24" in s for s in said)  # never the notes' line


@pytest.mark.parametrize(("change", "says"), [
    (("allow 192.168.10.0/24", ""), "no `allow` line: admin answers no one"),
    (("allow 192.168.10.0/24", "allow 10.0.0.0/8"), "`allow 10.0.0.0/8` lets in addresses outside"),
    (("allow 192.168.10.0/24", "allow 192.168.10.0/25"), "lets in only part of the internal network"),
    (("allow 192.168.10.0/24", "allow"), "`allow` lets 4,294,967,296 addresses"),
    (("allow 192.168.10.0/24", "allow all"), "`allow all` lets 4,294,967,296 addresses"),
    (("local stratum 10", ""), "cut off from the internet, admin stops giving the nodes time"),
    (("local stratum 10", "local stratum 5"), "at another stratum than step 1 gives it"),
    (("server kr.pool.ntp.org iburst", "server kr.pool.ntp.org"), "admin asks kr.pool.ntp.org without `iburst`"),
    (("server kr.pool.ntp.org iburst", ""), "admin does not ask kr.pool.ntp.org for time"),
    (("logdir /var/log/chrony", ""), "no log directory /var/log/chrony"),
])
def test_each_setting_that_is_off_is_told_as_its_symptom(change: tuple[str, str], says: str) -> None:
    lines = [change[1] if x == change[0] else x for x in STEP1]
    said = server([x for x in lines if x])
    assert any(says in s for s in said), said
