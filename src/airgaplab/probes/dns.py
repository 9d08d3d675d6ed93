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

from airgaplab.lab.transport import Transport

# each answer carries what it answered ("k8s-node1 asked 192.168.10.10 `localhost A` over udp"), so a failed
# check can say what was asked, from where, and what came back (a Message is unhashable: an attribute, not a map)
ASKED = "airgaplab_asked"


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
    vantage: str | None = None,
) -> dns.message.Message:
    """Ask `server` from inside host `src` (from its address `source`; `vantage` names that place in failures).
    Raises dns.exception.Timeout if nothing answers."""
    q = dns.message.make_query(qname, rdtype, use_edns=0 if edns else False, want_dnssec=dnssec)
    if not rd:
        q.flags &= ~dns.flags.RD
    if cd:
        q.flags |= dns.flags.CD
    wire = tx.exchange(src, server, 53, q.to_wire(), proto="tcp-dns" if tcp else "udp", timeout=timeout,
                        source=source)
    asked = asking(vantage or src, server, qname, rdtype, tcp=tcp, source=None if vantage else source, rd=rd,
                   dnssec=dnssec, cd=cd)
    if wire is None:
        raise dns.exception.Timeout(f"{asked}: no answer in {timeout:g} s")  # type: ignore[no-untyped-call]
    msg = dns.message.from_wire(wire)
    setattr(msg, ASKED, asked)
    return msg


def asking(src: str, server: str, qname: str, rdtype: str = "A", *, tcp: bool = False, source: str | None = None,
           rd: bool = True, dnssec: bool = False, cd: bool = False) -> str:
    """`k8s-node1 asked 192.168.10.10 `localhost. A` over udp` — who asked whom what (and from which address)."""
    flags = "".join(f" +{f}" for f, on in (("norec", not rd), ("dnssec", dnssec), ("cd", cd)) if on)
    frm = f" from {source}" if source else ""
    return f"{src}{frm} asked {server} `{qname.rstrip('.') or '.'} {rdtype}{flags}` over {'tcp' if tcp else 'udp'}"


def unanswered(tx: Transport, src: str, server: str, qname: str = "google.com", timeout: float = 1.5) -> str | None:
    """None if `server` cannot be reached from `src`; else a description of the answer it gave."""
    try:
        msg = query(tx, src, server, qname, timeout=timeout)
    except (dns.exception.Timeout, OSError):
        return None
    return describe(msg)


def rcode(msg: dns.message.Message) -> str:
    return dns.rcode.to_text(msg.rcode())


def texts(msg: dns.message.Message) -> list[str]:
    return [rr.to_text() for rrset in msg.answer if rrset.rdtype == dns.rdatatype.TXT for rr in rrset]


def addresses(msg: dns.message.Message) -> list[str]:
    return [rr.to_text() for rrset in msg.answer if rrset.rdtype == dns.rdatatype.A for rr in rrset]


def ede_codes(msg: dns.message.Message) -> list[int]:
    return [int(o.code) for o in msg.options if isinstance(o, dns.edns.EDEOption)]


def negative_ttl(msg: dns.message.Message) -> int | None:
    """How long a negative answer may be kept: its SOA's TTL in the authority section (None: no SOA)."""
    ttls = [rrset.ttl for rrset in msg.authority if rrset.rdtype == dns.rdatatype.SOA]
    return min(ttls) if ttls else None


def min_ttl(msg: dns.message.Message) -> int:
    return min(rrset.ttl for rrset in msg.answer)


def describe(msg: dns.message.Message) -> str:
    """What came back: `REFUSED (flags qr rd; EDE 18; no answer)`."""
    parts = [f"flags {dns.flags.to_text(msg.flags).lower() or 'none'}"]
    if ede := ede_codes(msg):
        parts.append(f"EDE {' '.join(map(str, ede))}")
    addrs = addresses(msg)
    parts.append(f"answer {' '.join(addrs)}" if addrs else "no answer records")
    return f"{rcode(msg)} ({'; '.join(parts)})"


def _expect(ok: object, msg: dns.message.Message, wanted: str) -> None:
    # not `assert`: pytest rewrites this package's asserts and would bury the message in operands
    if not ok:
        asked = getattr(msg, ASKED, "the query")
        raise AssertionError(f"{asked}: got {describe(msg)}, expected {wanted}")


class check:
    @staticmethod
    def noerror(msg: dns.message.Message) -> None:
        _expect(msg.rcode() == dns.rcode.NOERROR, msg, "NOERROR")

    @staticmethod
    def refused(msg: dns.message.Message) -> None:
        _expect(msg.rcode() == dns.rcode.REFUSED, msg, "REFUSED")

    @staticmethod
    def nxdomain(msg: dns.message.Message) -> None:
        _expect(msg.rcode() == dns.rcode.NXDOMAIN, msg, "NXDOMAIN")

    @staticmethod
    def authoritative(msg: dns.message.Message) -> None:
        _expect(msg.flags & dns.flags.AA, msg, "AA (answered by the server itself)")

    @staticmethod
    def truncated(msg: dns.message.Message) -> None:
        _expect(msg.flags & dns.flags.TC, msg, "TC (truncated: too large for UDP)")

    @staticmethod
    def servfail(msg: dns.message.Message) -> None:
        _expect(msg.rcode() == dns.rcode.SERVFAIL, msg, "SERVFAIL")

    @staticmethod
    def ede(msg: dns.message.Message, code: int) -> None:
        _expect(code in ede_codes(msg), msg, f"EDE {code} in the answer")

    @staticmethod
    def ra(msg: dns.message.Message) -> None:
        _expect(msg.flags & dns.flags.RA, msg, "RA (recursion available)")

    @staticmethod
    def ad(msg: dns.message.Message) -> None:
        _expect(msg.flags & dns.flags.AD, msg, "AD (validated)")

    @staticmethod
    def no_ad(msg: dns.message.Message) -> None:
        _expect(not msg.flags & dns.flags.AD, msg, "no AD (insecure zone)")

    @staticmethod
    def has_addresses(msg: dns.message.Message) -> None:
        _expect(addresses(msg), msg, "A records")
