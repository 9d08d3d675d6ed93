"""A broken lab fails for the reason it is broken, without waiting out the sync deadline: the suite's waits
give up as soon as the lab shows that waiting cannot help (the grader, `airgaplab check`, is the suite)."""

from __future__ import annotations

from pathlib import Path

from airgaplab.suite.catalog import catalog
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
    results, out = suite(lab.spec.name, tmp_path / "r.json", "--req", "NTP-SRV-4", "--req", "NTP-CLI-2")
    failed = failures(results)
    assert set(failed) == {(r, n) for r in ("NTP-SRV-4", "NTP-CLI-2") for n in ("k8s-node1", "k8s-node2")}, \
        out[-3000:]
    assert all("admin's chronyd denies NTP to 192.168.10.1" in m for m in failed.values()), failed


def test_a_dead_named_is_named_on_every_dns_line_at_once(lab, tmp_path: Path) -> None:
    lab.transport.exec("admin", ["sh", "-c", "sed -i 's/recursion yes;/recursion yes/' /etc/named.conf; "
                                             "systemctl restart named"])
    results, out = suite(lab.spec.name, tmp_path / "r.json", "-m", "step3")
    failed = failures(results)
    assert {r for r, _ in failed} == {r.id for r in catalog().values() if r.step == 3}, out[-3000:]
    assert "`named-checkconf /etc/named.conf` reports: /etc/named.conf:" in failed[("DNS-SRV-1", "admin")], failed
    queried = {k: m for k, m in failed.items() if k[0] != "DNS-SRV-1"}
    assert all("admin's named is not running" in m and "its last start failed" in m for m in queried.values()), \
        queried


def test_a_silence_from_a_dead_chronyd_is_not_checked_not_passed(lab, tmp_path: Path) -> None:
    """"gives no time to outside hosts" and "nobody steers admin's clock" expect chronyd's silence: with chronyd
    dead after a typo they are "not checked: admin's chronyd is not running", never PASS."""
    lab.transport.exec("admin", ["sh", "-c", "sed -i 's/^allow /alow /' /etc/chrony.conf && systemctl restart chronyd"])
    results, out = suite(lab.spec.name, tmp_path / "r.json", "--req", "NTP-SRV-5", "--req", "NTP-SRV-7")
    got = {o["req"]: o for o in results}
    assert set(got) == {"NTP-SRV-5", "NTP-SRV-7"}, out[-2000:]
    for o in got.values():
        assert o["outcome"] == "SKIP", o
        assert "not checked: admin's chronyd is not running" in (o.get("observed") or o["message"]), o


def test_allow_recursion_localhost_refuses_the_nodes_and_is_no_open_resolver(lab, tmp_path: Path) -> None:
    """`allow-recursion { localhost; }`: the nodes are REFUSED (right), and admin asking itself from its outside
    address is let through by BIND's `localhost` — which is not "an outsider got NOERROR": the outsider on the
    wire is refused, so "not an open resolver" holds."""
    lab.transport.run("admin", ["sh", "-c", "sed -i 's/allow-recursion {[^}]*}/allow-recursion { localhost; }/' "
                                            "/etc/named.conf && systemctl restart named"])
    results, out = suite(lab.spec.name, tmp_path / "r.json", "--req", "DNS-SRV-4")
    by_test = {(o["nodeid"].rsplit("::", 1)[1].split("[")[0], o["host"]): o for o in results}
    assert by_test[("test_recursion_for_the_internal_network", "lab")]["outcome"] == "FAIL", out[-2000:]
    assert by_test[("test_recursion_refused_for_outside_addresses", "admin")]["outcome"] == "PASS", out[-2000:]
    assert "outside every ACL" not in out
