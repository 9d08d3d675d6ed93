"""summary.html's pieces without a lab: trend charts, the topology's failing hosts, code and words."""

from __future__ import annotations

import subprocess

from airgaplab.report import html
from tests.helpers import ROOT


def test_sync_chart_marks_a_run_that_never_synchronized_and_shows_dates_and_units() -> None:
    svg = html.line_chart("chart-sync", "time to NTP sync", [("2026-11-25T02:00:00+00:00", 5.0),
                                                             ("2026-11-26T02:00:00+00:00", None),
                                                             ("2026-11-27T02:00:00+00:00", 4.0)],
                          "seconds", missing="not synchronized")
    assert 'data-points="2"' in svg and svg.count('class="point"') == 2
    assert "2026-11-26T02:00:00+00:00: not synchronized" in svg  # the failed run is shown, not dropped
    assert ">2026-11-25<" in svg and ">2026-11-27<" in svg and ">seconds<" in svg and "run (UTC date)" in svg


def test_topology_marks_the_hosts_whose_requirements_fail() -> None:
    topo = {"network": "192.168.10.0/24", "serves": [],
            "hosts": [{"name": "admin", "ip": "192.168.10.10", "roles": ["ntp-server"], "internet": True},
                      {"name": "k8s-node1", "ip": "192.168.10.11", "roles": ["ntp-client"], "internet": False},
                      {"name": "k8s-node2", "ip": "192.168.10.12", "roles": ["ntp-client"], "internet": False}]}
    svg = html.topology_svg(topo, failing={"k8s-node2"})
    assert svg.count('class="host failing"') == 1 and "✗ k8s-node2" in svg and "✗ admin" not in svg


def test_backticks_become_code_and_the_rest_is_escaped() -> None:
    assert str(html._code("add `dns=none` <here>")) == "add <code>dns=none</code> &lt;here&gt;"


def test_report_html_without_node_is_one_line() -> None:
    r = subprocess.run(["bash", "scripts/report-html.sh"], cwd=ROOT, capture_output=True, text=True,
                       env={"PATH": "/nonexistent"}, executable="/bin/bash")  # no node, no npm
    assert r.returncode == 2
    assert r.stderr.strip().count("\n") == 0 and "Node.js/npm is missing" in r.stderr
