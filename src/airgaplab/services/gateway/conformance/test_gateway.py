"""GW: the gateway chapter — admin lets the internal network out (open), then no longer does (closed)."""

import re

import pytest

from airgaplab.probes import facts
from airgaplab.suite.finding import fail, not_checked

pytestmark = pytest.mark.isolation
NAT_WORDS = ("masquerade", "snat to")  # what lets a private address out under admin's own


def _internet_address(backend):
    """An address on the (simulated) internet that answers pings: the outsider's, where the world has one."""
    outsider = backend.world.outsider
    if outsider is None:
        not_checked("an address on the internet to reach (this world offers no outsider)")
    _, text = facts.out(backend.transport, outsider, ["ip", "-4", "-o", "addr", "show", "scope", "global"])
    addresses = re.findall(r"\binet (\S+)/", text)
    if not addresses:
        not_checked(f"an address on the internet to reach ({outsider} shows none)")
    return addresses[0]


@pytest.mark.protocol
@pytest.mark.req("GW-1")
def test_node_reaches_the_internet_through_admin(backend, spec, admin, node):
    _, route = facts.out(backend.transport, node, ["ip", "-4", "route", "show", "default"])
    via = spec.host(admin).ip
    if f"via {via} " not in f"{route.strip()} ":
        fail(f"{node}'s default route is `{route.strip() or 'none'}`", answer=f"expected `default via {via}`")
    target = _internet_address(backend)
    rc, said = facts.out(backend.transport, node, ["ping", "-n", "-c", "2", "-i", "0.2", "-W", "2", target])
    if rc != 0:
        _, forwarding = facts.out(backend.transport, admin, ["sysctl", "-n", "net.ipv4.ip_forward"])
        fail(f"ping {target} (on the internet) from {node}: no answer — admin's net.ipv4.ip_forward is "
             f"{forwarding.strip() or '?'}; "
             f"{said.strip().splitlines()[-1] if said.strip() else 'ping said nothing'}")


@pytest.mark.host
@pytest.mark.req("GW-2")
def test_admin_lets_nothing_of_the_internal_network_out(backend, admin, fam):
    from airgaplab.services.gateway.service import SERVICE as gateway

    _, forwarding = facts.out(backend.transport, admin, ["sysctl", "-n", "net.ipv4.ip_forward"])
    rc, ruleset = facts.out(backend.transport, admin, ["nft", "list", "ruleset"])
    if rc != 0:  # nothing read is no proof of a closed gateway
        fail(f"`nft list ruleset` on {admin} failed (exit {rc}): {ruleset.strip()[:200]}")
    rules = [line.strip() for line in ruleset.splitlines() if any(w in line for w in NAT_WORDS)]
    saved = gateway.nftables_conf(fam)
    _, kept = facts.out(backend.transport, admin, ["sh", "-c", f"cat {saved} 2>/dev/null || true"])
    at_boot = [line.strip() for line in kept.splitlines() if any(w in line for w in NAT_WORDS)
               and not line.strip().startswith("#")]
    said = [*([f"`{rules[0]}` in admin's ruleset"] if rules else []),
            *([f"net.ipv4.ip_forward = {forwarding.strip()}"] if forwarding.strip() != "0" else []),
            *([f"{saved} brings `{at_boot[0]}` back at boot"] if at_boot else [])]
    if said:
        fail("the internal network can still get out through admin: " + "; ".join(said),
             answer="expected no masquerade, forwarding off, and no rule in the saved ruleset")
