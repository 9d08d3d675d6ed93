"""The grader leaves no trace: `check` and the suite observe. Every host's files, its daemons (state, enablement,
Main PID) and the hosts in admin's `chronyc clients` are the same before and after them — on a healthy lab, a
bare one, and (in test_breaks) under every drill. The suite's NTP and DNS probes of admin come from the grader's
own address, which `chronyc clients` names `airgaplab-grader`."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import cli, footprint, suite, unchanged


def observe_twice(be, tmp_path: Path) -> None:
    before = footprint(be)
    checked = cli("check", "--name", be.spec.name, "--sync-timeout", "15")
    assert "verdict:" in checked.stdout, checked.stdout + checked.stderr
    unchanged(before, footprint(be), "`airgaplab check`")
    results, out = suite(be.spec.name, tmp_path / "r.json", "--sync-timeout", "15")
    assert results, out[-2000:]
    unchanged(before, footprint(be), "`pytest`")


def test_check_and_the_suite_leave_a_healthy_lab_as_they_found_it(lab, tmp_path: Path) -> None:
    observe_twice(lab, tmp_path)
    named = lab.transport.run("admin", ["chronyc", "clients"]).stdout.decode()
    assert "airgaplab-grader" in named, named  # who asked, where the student looks


def test_check_and_the_suite_leave_a_bare_lab_as_they_found_it(netns_lab, tmp_path: Path) -> None:
    be = netns_lab("bt", bare=True)
    observe_twice(be, tmp_path)
    # nobody asked the stock admin for time: the suite's probes are answered by no one and list no one
    assert footprint(be)["chronyc clients"] == []


def test_check_4_with_the_drop_in_unread_leaves_the_nodes_resolv_conf_as_it_was(lab) -> None:
    """The drop-in written but NetworkManager not restarted: `check 4`'s `nmcli connection up` makes it rewrite
    resolv.conf, and the grader puts the student's file back — its content and its mtime (`ls -l`)."""
    node = lab.spec.nodes_list[0].name
    lab.transport.run(node, ["sh", "-c", "rm /etc/NetworkManager/conf.d/99-dns-none.conf && "
                                         "systemctl restart NetworkManager && echo 'nameserver 192.168.10.10' > "
                                         "/etc/resolv.conf && printf '[main]\\ndns=none\\n' > "
                                         "/etc/NetworkManager/conf.d/99-dns-none.conf"])
    try:
        before = footprint(lab)
        checked = cli("check", "4", "--name", lab.spec.name)
        assert "rewrote /etc/resolv.conf" in checked.stdout, checked.stdout
        unchanged(before, footprint(lab), "`airgaplab check 4`")
        dig = lab.transport.exec(node, ["dig", "+short", "+time=2", "+tries=1", "google.com"]).stdout.decode()
        assert dig.strip(), "the node no longer resolves after check 4"
    finally:  # the drop-in is the rendered one, so provisioning would not restart NetworkManager: done here
        lab.transport.run(node, ["systemctl", "restart", "NetworkManager"])
