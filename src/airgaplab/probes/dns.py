"""DNS probes: one query from inside a lab host, and small named checks on the answer.

Modelled on BIND's isctest: `query.udp(...)` sends, `check.refused(msg)` says
precisely what was wrong when it fails.
"""

from __future__ import annotations

import dns.edns
import dns.exception
import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype

from airgaplab.transport import Transport


def query(
    tx: Transport,
    src: str,
    server: str,
    qname: str,
    rdtype: str = "A",
    *,
    tcp: bool = False,
    edns: bool = True,
    dnssec: bool = False,
    cd: bool = False,
    rd: bool = True,
    timeout: float = 2.0,
    source: str | None = None,
) -> dns.message.Message:
    """Ask `server` from inside host `src` (from its address `source`). Raises dns.exception.Timeout if nothing
    answers."""
    q = dns.message.make_query(qname, rdtype, use_edns=0 if edns else False, want_dnssec=dnssec)
    if not rd:
        q.flags &= ~dns.flags.RD
    if cd:
        q.flags |= dns.flags.CD
    wire = tx.exchange(src, server, 53, q.to_wire(), proto="tcp-dns" if tcp else "udp", timeout=timeout,
                        source=source)
    if wire is None:
        raise dns.exception.Timeout(f"no DNS answer from {server} (asked from {src}; waited up to {timeout:g} s)")  # type: ignore[no-untyped-call]
    return dns.message.from_wire(wire)


def unanswered(tx: Transport, src: str, server: str, qname: str = "google.com", timeout: float = 1.5) -> str | None:
    """None if `server` cannot be reached from `src`; else a description of the answer it gave."""
    try:
        msg = query(tx, src, server, qname, timeout=timeout)
    except (dns.exception.Timeout, OSError):
        return None
    return describe(msg)


def rcode(msg: dns.message.Message) -> str:
    return dns.rcode.to_text(msg.rcode())


def addresses(msg: dns.message.Message) -> list[str]:
    return [rr.to_text() for rrset in msg.answer if rrset.rdtype == dns.rdatatype.A for rr in rrset]


def ede_codes(msg: dns.message.Message) -> list[int]:
    return [int(o.code) for o in msg.options if isinstance(o, dns.edns.EDEOption)]


def min_ttl(msg: dns.message.Message) -> int:
    return min(rrset.ttl for rrset in msg.answer)


def describe(msg: dns.message.Message) -> str:
    flags = dns.flags.to_text(msg.flags).lower()
    ede = ede_codes(msg)
    extra = f", EDE {', '.join(map(str, ede))}" if ede else ""
    return f"{rcode(msg)} [{flags}]{extra}, answer {', '.join(addresses(msg)) or '-'}"


def _expect(ok: object, message: str) -> None:
    # not `assert`: pytest rewrites this package's asserts and would bury the message in operands
    if not ok:
        raise AssertionError(message)


class check:
    @staticmethod
    def noerror(msg: dns.message.Message) -> None:
        _expect(msg.rcode() == dns.rcode.NOERROR, f"expected NOERROR, got {describe(msg)}")

    @staticmethod
    def refused(msg: dns.message.Message) -> None:
        _expect(msg.rcode() == dns.rcode.REFUSED, f"expected REFUSED, got {describe(msg)}")

    @staticmethod
    def servfail(msg: dns.message.Message) -> None:
        _expect(msg.rcode() == dns.rcode.SERVFAIL, f"expected SERVFAIL, got {describe(msg)}")

    @staticmethod
    def ede(msg: dns.message.Message, code: int) -> None:
        _expect(code in ede_codes(msg), f"expected EDE {code} in the answer, got {describe(msg)}")

    @staticmethod
    def ra(msg: dns.message.Message) -> None:
        _expect(msg.flags & dns.flags.RA, f"expected RA (recursion available), got {describe(msg)}")

    @staticmethod
    def ad(msg: dns.message.Message) -> None:
        _expect(msg.flags & dns.flags.AD, f"expected AD (validated), got {describe(msg)}")

    @staticmethod
    def no_ad(msg: dns.message.Message) -> None:
        _expect(not msg.flags & dns.flags.AD, f"expected no AD (insecure zone), got {describe(msg)}")

    @staticmethod
    def has_addresses(msg: dns.message.Message) -> None:
        _expect(addresses(msg), f"expected A records, got {describe(msg)}")
