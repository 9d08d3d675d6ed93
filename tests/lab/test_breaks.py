"""The suite can fail: break one thing in a healthy lab, and exactly the expected requirements fail."""

from __future__ import annotations

from pathlib import Path

import pytest

from airgaplab.exercise import drills
from airgaplab.exercise.drills import DRILLS
from tests.helpers import cli, footprint, sent_to_admin, suite, unchanged


def run_suite(name: str, tmp_path: Path) -> tuple[list[dict], str]:
    return suite(name, tmp_path / "results.json", "--sync-timeout", "15", timeout=600)


@pytest.mark.parametrize("drill", sorted(DRILLS))
def test_drill_fails_exactly_its_requirements(drill: str, lab, tmp_path: Path) -> None:
    d = DRILLS[drill]
    drills.apply(lab, drill)
    before, sent = footprint(lab), sent_to_admin(lab)  # the grader leaves no trace, whatever the drill broke
    results, output = run_suite(lab.spec.name, tmp_path)
    after = footprint(lab)
    # a drill that restarts admin's chronyd empties its client log: a node's own chronyd polling admin during the
    # run comes back into it, and that is no trace of the grader's (whose requests come from its own address)
    polled = {ip for ip, n in sent_to_admin(lab).items() if n > sent.get(ip, 0)}
    after["chronyc clients"] = sorted(set(after["chronyc clients"]) - (polled - set(before["chronyc clients"])))
    unchanged(before, after, f"`pytest` under drill {drill}")
    failed = {(o["req"], o["host"]) for o in results if o["outcome"] in ("FAIL", "ERROR")}
    assert failed == d.expected(lab.spec), output[-3000:]
    # every failure says what was observed and what to check
    for o in results:
        if o["outcome"] == "FAIL":
            assert o["message"].startswith(o["req"]), o["message"]


@pytest.mark.parametrize("drill", ["one-node-can-get-out", "strangers-despite-right-file", "one-node-cannot-resolve"])
def test_drill_is_told_by_symptom_shown_in_status_and_reset_restores_the_lab(drill: str, lab,
                                                                              tmp_path: Path) -> None:
    name, d = lab.spec.name, DRILLS[drill]
    # by symptom; --show reveals what it breaks (words: the table wraps its cells)
    listing, shown = cli("drill").stdout, cli("drill", "--show").stdout
    revealing = {w.strip("`,;:") for w in d.what.split()} - set(listing.split()) - {""}
    assert revealing and all(w.strip("`,;:") in listing for w in d.symptom.split()[:3])
    assert all(w in shown for w in revealing), revealing
    applied = cli("drill", drill, "--name", name)
    assert applied.returncode == 0, applied.stderr
    for _, cmd in d.commands(lab.spec, lab.family):
        assert cmd[:30] not in applied.stdout  # what it did stays to be found
    assert f"drill active: {drill}" in cli("status", "--name", name).stdout
    reset = cli("drill", "--reset", "--name", name)
    assert reset.returncode == 0 and f"undid drill {drill}" in reset.stdout, reset.stdout + reset.stderr
    assert "drill active" not in cli("status", "--name", name).stdout
    results, output = run_suite(name, tmp_path)
    assert results and all(o["outcome"] == "PASS" for o in results), output[-3000:]


def test_status_tells_a_drill_repaired_by_hand_from_one_still_breaking(lab) -> None:
    name = lab.spec.name
    assert cli("drill", "dns-answers-strangers", "--name", name).returncode == 0
    shown = cli("status", "--name", name).stdout
    assert "drill active: dns-answers-strangers — still broken: DNS-SRV-3 on admin fail" in shown, shown
    # repaired by hand, as a student would: the reference named.conf back, named restarted
    lab.transport.run("admin", ["sh", "-c", "cp /var/lib/airgaplab/rendered/etc/named.conf /etc/named.conf && "
                                            "systemctl restart named"])
    shown = cli("status", "--name", name, "--json").stdout
    assert '"drill_state": "repaired"' in shown, shown
    assert "repaired: DNS-SRV-3 pass again" in cli("status", "--name", name).stdout


def test_the_strangers_drill_shows_what_its_symptom_says(lab) -> None:
    """Its symptom is what the obvious command shows: the outsider's `dig @admin localhost` is answered, while a
    recursive `dig google.com` stays REFUSED (allow-recursion is untouched) — not "admin answers anyone"."""
    from airgaplab.exercise import drills

    drills.apply(lab, "strangers-despite-right-file")
    outside, outsider = lab.world.outside_address("admin"), lab.world.outsider
    symptom = drills.DRILLS["strangers-despite-right-file"].symptom
    assert outside and outsider and "`dig @" in symptom and "localhost`" in symptom, symptom  # the command to see it

    def dig(qname: str) -> str:
        return lab.transport.exec(outsider, ["dig", "+time=2", "+tries=1", f"@{outside}", qname]).stdout.decode()

    assert "status: NOERROR" in dig("localhost") and "ANSWER: 1" in dig("localhost")
    assert "status: REFUSED" in dig("google.com")
