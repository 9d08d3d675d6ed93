"""Translation at a lab host's own edge: the notes' real forwarder addresses → the simulated resolvers.

The lab's configs keep the notes' values (168.126.63.1, 8.8.8.8); nftables in the namespace of the host
that sends to them rewrites the destination to the stand-in resolver, and conntrack rewrites the answers
back. Outside that namespace only the simulated internet's documentation-range addresses appear.
"""

from __future__ import annotations


def forwarder_dnat(forwarders: dict[str, str], *, forwarded: bool = False) -> str:
    """An nftables ruleset (table ip airgaplab) translating real → stand-in for what this namespace sends
    (`output`), and with `forwarded` also for what it routes (`prerouting`: a hypervisor's guests)."""
    rules = "".join(f"\t\tip daddr {real} dnat to {standin}\n" for real, standin in forwarders.items())
    chains = [("output", "output", "-100")] + ([("prerouting", "prerouting", "dstnat")] if forwarded else [])
    body = "".join(f"\tchain {name} {{\n\t\ttype nat hook {hook} priority {prio}; policy accept;\n{rules}\t}}\n"
                   for name, hook, prio in chains)
    # declared, emptied, then filled: applying it twice leaves one copy of each rule
    return "table ip airgaplab\nflush table ip airgaplab\ntable ip airgaplab {\n" + body + "}\n"
