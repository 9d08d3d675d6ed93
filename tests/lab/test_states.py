"""Saved lab states on netns: `up` saves one, `state save/list/delete`, and `reset` brings the hosts back —
files, running daemons — with faults and the drill undone; the suite passes right after."""

from __future__ import annotations

from pathlib import Path

from airgaplab.exercise import states
from tests.helpers import cli, suite


def all_pass(name: str, tmp_path: Path) -> None:
    results, out = suite(name, tmp_path / "r.json")
    failing = sorted({(o["req"], o["host"]) for o in results if o["outcome"] != "PASS"})
    assert results and not failing, out[-3000:]


def test_a_saved_state_comes_back_with_files_daemons_faults_and_drill_undone(lab, tmp_path: Path) -> None:
    name, tx = lab.spec.name, lab.transport
    assert {"bare", "provisioned"} <= set(states.saved(lab))  # `up` saved the stock hosts and where it ended
    saved = cli("state", "save", "mine", "--name", name)
    assert saved.returncode == 0 and "state mine saved" in saved.stdout, saved.stderr
    listed = cli("state", "list", "--name", name).stdout
    assert "mine" in listed and "provisioned (reset's default)" in listed, listed
    # break it every way a group does: a file, a dead daemon, a fault, a drill
    tx.run("k8s-node1", ["sh", "-c", "echo scratch > /root/notes.txt"])
    tx.exec("admin", ["sh", "-c", "sed -i 's/^allow /alow /' /etc/chrony.conf; systemctl restart chronyd"])
    assert cli("fault", "internet-down", "--name", name).returncode == 0
    assert cli("drill", "one-node-can-get-out", "--name", name).returncode == 0
    reset = cli("reset", "mine", "--name", name)
    assert reset.returncode == 0 and "back to state mine" in reset.stdout, reset.stderr
    assert tx.exec("k8s-node1", ["test", "-e", "/root/notes.txt"]).returncode != 0
    assert b"allow 192.168.10.0/24" in tx.run("admin", ["cat", "/etc/chrony.conf"]).stdout
    assert tx.exec("admin", ["systemctl", "is-active", "chronyd"]).returncode == 0
    assert not lab.state.faults() and lab.state.drill() is None
    assert b"default" not in tx.run("k8s-node1", ["ip", "route"]).stdout
    all_pass(name, tmp_path)  # right after the reset: the suite's own waits cover the nodes' new iburst
    assert cli("state", "delete", "mine", "--name", name).returncode == 0
    gone = cli("reset", "mine", "--name", name)
    assert gone.returncode == 2 and gone.stderr.strip().count("\n") == 0, gone.stderr
    assert "has no saved state 'mine'" in gone.stderr and "provisioned" in gone.stderr, gone.stderr
    bad = cli("state", "save", "Not A Name", "--name", name)
    assert bad.returncode == 2 and "state name" in bad.stderr and not (lab.state.states_dir / "Not A Name").exists()


def test_drill_reset_is_a_reset_the_nodes_are_back_on_admin(lab, tmp_path: Path) -> None:
    # the drill leaves the nodes asking admin only every 128 s; re-provisioning restored admin's file, not that
    name = lab.spec.name
    assert cli("drill", "nodes-lost-after-the-fix", "--name", name).returncode == 0
    undone = cli("drill", "--reset", "--name", name)
    assert undone.returncode == 0 and "undid drill nodes-lost-after-the-fix" in undone.stdout, undone.stderr
    all_pass(name, tmp_path)


def test_a_lab_with_no_saved_state_says_so_in_one_line(netns_lab) -> None:
    be = netns_lab("nost")
    for name in ("bare", "provisioned"):
        states.delete(be, name)
    r = cli("reset", "--name", be.spec.name)
    assert r.returncode == 2 and r.stderr.strip().count("\n") == 0, r.stderr
    assert "has no saved state 'provisioned' (none is saved)" in r.stderr and "state save" in r.stderr, r.stderr


def test_reset_bare_starts_the_exercise_over_on_a_provisioned_lab(lab) -> None:
    """`up` saved the stock hosts before provisioning: a group starts over, or fast-forwards, on any lab."""
    name = lab.spec.name
    try:
        assert cli("reset", "bare", "--name", name).returncode == 0
        bare = cli("check", "1", "--name", name)
        assert bare.returncode == 1 and "verdict" in bare.stdout, bare.stdout[-1500:]
        solved = cli("solve", "--to", "4", "--name", name)
        assert solved.returncode == 0 and "step 4 dns-clients" in solved.stdout, solved.stdout + solved.stderr
        passed = cli("check", "--name", name)
        assert passed.returncode == 0 and "all checks pass" in passed.stdout, passed.stdout[-3000:]
    finally:
        assert cli("reset", "--name", name).returncode == 0
