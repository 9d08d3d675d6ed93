"""NET: the nodes are cut off from the internet; admin is not."""

import pytest

from airgaplab.probes import dns as dnsprobe
from airgaplab.probes import facts
from airgaplab.suite.finding import not_checked

pytestmark = [pytest.mark.isolation, pytest.mark.req("NET-1")]


@pytest.mark.host
def test_node_has_no_route_off_the_internal_network(backend, spec, node):
    rc, routes = facts.out(backend.transport, node, ["ip", "-4", "route", "show", "default"])
    assert not routes.strip(), f"has a default route: `{routes.strip()}`"
    for target in spec.dns.forwarders if spec.dns else []:  # the internet addresses the lab names
        rc, text = facts.out(backend.transport, node, ["ip", "-4", "route", "get", target])
        assert rc != 0, f"has a route to the internet address {target}: `{text.strip()}`"


@pytest.mark.protocol
def test_admin_reaches_the_internet(backend, spec, admin):
    if spec.dns is None:  # a lab without the DNS service names no address on the internet
        not_checked("an address on the internet to ask (the lab has no DNS service, whose forwarders are asked)")
    if not spec.dns.forwarders:  # an inventory's, read from admin's named.conf: none there
        not_checked("an address on the internet to ask (admin's named.conf names no forwarders: "
                    "`airgaplab_forwarders` in the inventory's vars)")
    answers = {t: dnsprobe.unanswered(backend.transport, admin, t, "google.com", timeout=3) for t in spec.dns.forwarders}
    assert any(a is not None for a in answers.values()), \
        f"no forwarder answers admin ({', '.join(answers)}): admin cannot reach the internet"
