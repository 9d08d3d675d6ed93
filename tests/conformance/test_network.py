"""NET: the nodes are cut off from the internet; admin is not."""

import pytest

from airgaplab import facts
from airgaplab.probes import dns as dnsprobe
from airgaplab.pytest_plugin import fail

pytestmark = [pytest.mark.isolation, pytest.mark.req("NET-1")]


@pytest.mark.host
def test_node_has_no_route_off_the_internal_network(lab, node):
    rc, routes = facts.out(lab, node, ["ip", "-4", "route", "show", "default"])
    if routes.strip():
        fail("NET-1", node, f"has a default route: `{routes.strip()}`")
    for target in [f.address for f in map(lab.address_map().forwarder, lab.lab.dns.forwarders)]:
        rc, text = facts.out(lab, node, ["ip", "-4", "route", "get", target])
        if rc == 0:
            fail("NET-1", node, f"has a route to the internet address {target}: `{text.strip()}`")


@pytest.mark.protocol
def test_admin_reaches_the_internet(lab, admin):
    amap = lab.address_map()
    answers = {}
    for real in lab.lab.dns.forwarders:
        target = amap.forwarder(real).address
        answers[target] = dnsprobe.unanswered(lab, admin, target, "google.com", timeout=3)
    if all(a is None for a in answers.values()):
        fail("NET-1", admin, f"no forwarder answers admin ({', '.join(answers)}): admin cannot reach the internet")
