"""A broken lab fails for the reason it is broken, without waiting out the sync deadline: the suite's waits
give up as soon as the lab shows that waiting cannot help (the grader, `airgaplab check`, is the suite)."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import suite

NTP_CHECKS = ("--req", "NTP-SRV-3", "--req", "NTP-SRV-4", "--req", "NTP-CLI-2")


def failures(results: list[dict]) -> dict[tuple[str, str], str]:
    return {(o["req"], o["host"]): o["message"] for o in results if o["outcome"] == "FAIL"}


def test_a_dead_chronyd_on_admin_is_named_as_the_reason(lab, tmp_path: Path) -> None:
    r = lab.transport.exec("admin", ["sh", "-c", "sed -i 's/^allow /alow /' /etc/chrony.conf && "
                                                 "systemctl restart chronyd"])
    assert r.returncode == 1  # the typo keeps chronyd from starting
    results, out = suite(lab.spec.name, tmp_path / "r.json", *NTP_CHECKS)
    failed = failures(results)
    assert {k[0] for k in failed} == {"NTP-SRV-3", "NTP-SRV-4", "NTP-CLI-2"}, out[-3000:]
    assert all("admin's chronyd is not running" in m for m in failed.values()), failed


def test_allow_for_another_network_is_named_even_while_the_nodes_still_show_admin(lab, tmp_path: Path) -> None:
    # the nodes are synchronized; admin now allows another network: the nodes keep a stale `^*` for a poll
    lab.transport.run("admin", ["sh", "-c", "sed -i 's#^allow .*#allow 10.20.0.0/24#' /etc/chrony.conf && "
                                            "systemctl restart chronyd"])
    results, out = suite(lab.spec.name, tmp_path / "r.json", "--req", "NTP-SRV-4")
    failed = failures(results)
    assert set(failed) == {("NTP-SRV-4", "k8s-node1"), ("NTP-SRV-4", "k8s-node2")}, out[-3000:]
    assert "admin's chronyd denies NTP to 192.168.10.11" in failed[("NTP-SRV-4", "k8s-node1")], failed
