"""The graded exercise on a bare lab: every step fails at first; solving step k makes check k pass, in order."""

from __future__ import annotations

from airgaplab.exercise import steps as exercise
from tests.helpers import cli


def test_bare_lab_fails_every_step_and_solving_each_in_order_passes_it(netns_lab) -> None:
    be = netns_lab("ex", bare=True)
    name = be.spec.name
    first = cli("check", "--name", name)
    assert first.returncode == 1, first.stdout
    for s in exercise.STEPS:  # every step has a failing check on a bare lab, told by its symptom
        section = first.stdout.split(f"step {s.number} {s.name}")[1].split("\nstep ")[0]
        assert "FAIL" in section and "seen: " in section, section
    assert "verdict:" in first.stdout and "checks fail" in first.stdout
    # help in levels: the symptom gives no answer away; --hint names where to look; solve shows the answer
    assert "hint: " not in first.stdout and "allow 192.168.10.0/24" not in first.stdout, first.stdout
    assert "`airgaplab check --hint`" in first.stdout and "`airgaplab solve 1`" in first.stdout
    hinted = cli("check", "1", "--hint", "--name", name)
    assert "hint: " in hinted.stdout and "`allow`" in hinted.stdout, hinted.stdout
    refused = cli("drill", "dns-answers-strangers", "--name", name)  # a drill breaks a working lab, not a bare one
    assert refused.returncode == 2 and "its steps do not all pass yet" in refused.stderr, refused.stderr
    for s in exercise.STEPS:
        before = cli("check", str(s.number), "--name", name)
        assert before.returncode == 1, f"step {s.number} passed before it was solved:\n{before.stdout}"
        solved = cli("solve", str(s.number), "--name", name)
        assert solved.returncode == 0, solved.stdout + solved.stderr
        if s.number == 1:  # the answer, shown as what it changed
            assert "+allow 192.168.10.0/24" in solved.stdout and "--- /etc/chrony.conf" in solved.stdout, solved.stdout
        after = cli("check", str(s.number), "--name", name)
        assert after.returncode == 0 and "FAIL" not in after.stdout, f"step {s.number} after solve:\n{after.stdout}"
    assert cli("check", "--name", name).returncode == 0
    # every step passes: the bare lab now takes drills like a provisioned one
    applied = cli("drill", "dns-answers-strangers", "--name", name)
    assert applied.returncode == 0, applied.stderr
    # the exercise over again, and a group that is behind fast-forwards
    again = cli("reset", "bare", "--name", name)
    assert again.returncode == 0, again.stderr
    assert cli("check", "1", "--name", name).returncode == 1
    forward = cli("solve", "--to", "4", "--name", name)
    assert forward.returncode == 0 and "step 4 dns-clients" in forward.stdout, forward.stdout + forward.stderr
    assert cli("check", "--name", name).returncode == 0


def test_solve_is_the_notes_step_shown_before_it_is_applied(netns_lab) -> None:
    """`solve 3` is the notes' step 3: their commands in their order (the backup, the file, named-checkconf,
    `enable --now`, admin's resolv.conf), all printed before anything runs; no NetworkManager drop-in on admin
    (the notes write none there); files as the notes write them (no header of ours)."""
    be = netns_lab("sv", bare=True)
    name = be.spec.name
    solved = cli("solve", "3", "--name", name)
    assert solved.returncode == 0, solved.stdout + solved.stderr
    typed = [line.strip() for line in solved.stdout.splitlines() if line.strip().startswith("$ ")]
    assert typed == ["$ dnf install -y bind bind-utils", "$ cp /etc/named.conf /etc/named.bak", "$ cat > /etc/named.conf",
                     "$ named-checkconf /etc/named.conf", "$ systemctl enable --now named",
                     "$ cat > /etc/resolv.conf"], solved.stdout
    assert solved.stdout.index("+allow-query { 127.0.0.1; 192.168.10.0/24; };") < solved.stdout.index("applied:")
    on_admin = be.transport.exec("admin", ["sh", "-c", "ls /etc/NetworkManager/conf.d; cat /etc/named.conf "
                                                       "/etc/resolv.conf"]).stdout.decode()
    assert "99-dns-none.conf" not in on_admin and "airgaplab" not in on_admin, on_admin
    again = cli("solve", "3", "--name", name)
    assert "$ " not in again.stdout and "done already" in again.stdout, again.stdout
    assert cli("check", "3", "--name", name).returncode == 0
