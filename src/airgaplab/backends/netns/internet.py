"""The simulated internet's DNS and NTP: a signed root, zones, stand-in resolvers, an NTP server.

One named is authoritative for the root and every zone below it (google.com
insecure, secure.example signed with its DS in the root, bogus.example signed
but with a DS from another key). A second named is the resolver that stands
in for the spec's forwarders and logs every query, so the suite can see on
the forwarder's side what admin asked. One chronyd answers for the NTP
upstream names.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from airgaplab.backends.netns import addressing as A
from airgaplab.errors import LabError
from airgaplab.kit import ensure
from airgaplab.lab.transport import run_here

ROOT_CONF = "/etc/named-root.conf"
RESOLVER_CONF = "/etc/named-resolver.conf"
RESOLVER_QUERYLOG = "/var/log/named/resolver-queries.log"

SOA = "SOA a.root-servers.net. hostmaster.root-servers.net. 2026010101 1800 900 604800 60"


@dataclass(frozen=True)
class InternetBuild:
    files: dict[str, bytes]  # path on the internet host -> content
    root_dnskey: str  # "257 3 13 <base64>": the trust anchor


def _run(argv: list[str], cwd: Path) -> str:
    kit = ensure()  # the lab's own BIND signs (up fetched it before anything was created)
    return run_here(kit.argv(argv), cwd=str(cwd), env=kit.env(),
                    what=f"{argv[0]} (signing the simulated root)").stdout.decode().strip()


def _keygen(zone: str, workdir: Path) -> str:
    # A single combined signing key (KSK flag, used with -z) keeps each zone to one key.
    return _run(["dnssec-keygen", "-q", "-a", "ECDSAP256SHA256", "-f", "KSK", "-n", "ZONE", zone], workdir)


def _sign(zone: str, infile: str, key: str, workdir: Path) -> str:
    out = f"{infile}.signed"
    with open(workdir / infile, "a") as zone_file:
        zone_file.write(f"$INCLUDE {key}.key\n")
    _run(["dnssec-signzone", "-q", "-z", "-o", zone, "-f", out, infile, f"{key}.private"], workdir)
    return out


def _ds(key: str, workdir: Path) -> str:
    return _run(["dnssec-dsfromkey", "-2", f"{key}.key"], workdir)


def _zone(origin: str, ns_name: str, records: list[str]) -> str:
    lines = ["$TTL 300", f"{origin} {SOA}", f"{origin} NS {ns_name}", *records]
    return "\n".join(lines) + "\n"


BIG_NAME = "big.google.com"  # a TXT answer larger than BIND's EDNS UDP size (1232): truncated over UDP, whole over TCP
BIG_TXT = [f'{BIG_NAME}. TXT "{i:02d} ' + "x" * 190 + '"' for i in range(10)]
UNSIGNED_ZONE = "example.org"  # an unsigned zone: its NXDOMAIN is cached as such (no NSEC to synthesize from)


def _leaf_zones(ns: str) -> dict[str, str]:
    """The zones under the root (file name → text): google.com and example.org unsigned, secure.example and
    bogus.example signed."""
    google = _zone("google.com.", "ns1.google.com.", [
        f"ns1.google.com. A {ns}",
        *[f"google.com. A {a}" for a in A.GOOGLE],
        f"www.google.com. A {A.GOOGLE[0]}",
        f"*.google.com. A {A.WILDCARD}",
        *BIG_TXT,
    ])
    unsigned = _zone(f"{UNSIGNED_ZONE}.", f"ns1.{UNSIGNED_ZONE}.", [
        f"ns1.{UNSIGNED_ZONE}. A {ns}", f"www.{UNSIGNED_ZONE}. A {A.GOOGLE[0]}",
    ])
    secure = _zone("secure.example.", "ns1.secure.example.", [
        f"ns1.secure.example. A {ns}", f"secure.example. A {A.SECURE}", f"www.secure.example. A {A.SECURE}",
    ])
    bogus = _zone("bogus.example.", "ns1.bogus.example.", [
        f"ns1.bogus.example. A {ns}", f"bogus.example. A {A.BOGUS}", f"www.bogus.example. A {A.BOGUS}",
    ])
    return {"google.com.zone": google, "secure.example.zone": secure, "bogus.example.zone": bogus,
            f"{UNSIGNED_ZONE}.zone": unsigned}


_built: dict[tuple[object, ...], InternetBuild] = {}
_building = threading.Lock()


def build_once(inet: A.Internet, workdir: Path) -> InternetBuild:
    """`build`, once per process for the same internet: the labs of a class share one signed root (making
    its keys is a tenth of a seat's CPU); each lab still runs servers of its own."""
    key = (tuple(inet.forwarders.items()), tuple(inet.upstream_names.items()))
    with _building:
        if key not in _built:
            _built[key] = build(inet, workdir)
        return _built[key]


def build(inet: A.Internet, workdir: Path) -> InternetBuild:
    """Sign the simulated internet's zones (root, secure.example, a broken bogus.example) and render its configs."""
    workdir.mkdir(parents=True, exist_ok=True)
    ns = A.ROOT_SERVER

    for name, text in _leaf_zones(ns).items():
        (workdir / name).write_text(text)

    secure_key = _keygen("secure.example.", workdir)
    bogus_key = _keygen("bogus.example.", workdir)
    stranger_key = _keygen("bogus.example.", workdir)  # its DS goes in the root: the chain breaks
    root_key = _keygen(".", workdir)

    ntp_records = []
    for name, addr in inet.upstream_names.items():
        ntp_records.append(f"{name}. A {addr}")
    if inet.upstream_names:
        # Rocky's stock chrony.conf asks 2.rocky.pool.ntp.org: let any *.pool.ntp.org name answer.
        ntp_records.append(f"*.pool.ntp.org. A {next(iter(inet.upstream_names.values()))}")
    root = _zone(".", "a.root-servers.net.", [
        f"a.root-servers.net. A {ns}",
        "google.com. NS ns1.google.com.", f"ns1.google.com. A {ns}",
        f"{UNSIGNED_ZONE}. NS ns1.{UNSIGNED_ZONE}.", f"ns1.{UNSIGNED_ZONE}. A {ns}",
        "secure.example. NS ns1.secure.example.", f"ns1.secure.example. A {ns}",
        "bogus.example. NS ns1.bogus.example.", f"ns1.bogus.example. A {ns}",
        _ds(secure_key, workdir), _ds(stranger_key, workdir),
        *ntp_records,
        *[f"{name}. A {addr}" for name, addr in A.KNOWN_NAMES.items()],
    ])
    (workdir / "root.zone").write_text(root)

    signed = {
        "root.zone.signed": _sign(".", "root.zone", root_key, workdir),
        "secure.example.zone.signed": _sign("secure.example.", "secure.example.zone", secure_key, workdir),
        "bogus.example.zone.signed": _sign("bogus.example.", "bogus.example.zone", bogus_key, workdir),
    }
    root_dnskey = _dnskey_rdata(workdir / f"{root_key}.key")

    files: dict[str, bytes] = {}
    for name in (*signed, "google.com.zone", f"{UNSIGNED_ZONE}.zone"):
        files[f"/var/named/internet/{name}"] = (workdir / name).read_bytes()
    files[ROOT_CONF] = _root_conf().encode()
    files[RESOLVER_CONF] = _resolver_conf(inet, root_dnskey).encode()
    files["/var/named/internet/root.hints"] = (
        f".\t3600000\tIN\tNS\ta.root-servers.net.\na.root-servers.net.\t3600000\tIN\tA\t{ns}\n"
    ).encode()
    files["/etc/chrony.conf"] = _chrony_conf().encode()
    return InternetBuild(files=files, root_dnskey=root_dnskey)


def _dnskey_rdata(keyfile: Path) -> str:
    for line in keyfile.read_text().splitlines():
        if line.startswith(";") or "DNSKEY" not in line:
            continue
        rdata = line.split("DNSKEY", 1)[1].split()
        return f'{rdata[0]} {rdata[1]} {rdata[2]} "{"".join(rdata[3:])}"'
    raise LabError(f"{keyfile}: no DNSKEY found")


def _common_options(name: str) -> str:
    return f"""
	directory "/var/named/internet";
	pid-file "/run/named/{name}.pid";
	session-keyfile "/run/named/{name}.session.key";
	managed-keys-directory "/var/named/internet/{name}-keys";
	listen-on-v6 {{ none; }};
	notify no;
"""


def _root_conf() -> str:
    zones = "".join(
        f'zone "{z}" {{ type primary; file "{f}"; }};\n'
        for z, f in ((".", "root.zone.signed"), ("google.com", "google.com.zone"), (UNSIGNED_ZONE, f"{UNSIGNED_ZONE}.zone"),
                     ("secure.example", "secure.example.zone.signed"), ("bogus.example", "bogus.example.zone.signed"))
    )
    return f"""// The simulated internet's root server, authoritative for every zone below it.
options {{{_common_options("root")}
	listen-on {{ {A.ROOT_SERVER}; }};
	recursion no;
	allow-query {{ any; }};
	dnssec-validation no;
}};
controls {{ }};
{zones}"""


def _resolver_conf(inet: A.Internet, root_dnskey: str) -> str:
    listen = " ".join(f"{a};" for a in inet.resolver_addresses)
    return f"""// Public resolvers of the simulated internet, standing in for the lab's forwarders.
options {{{_common_options("resolver")}
	listen-on {{ {listen} }};
	recursion yes;
	allow-query {{ any; }};
	allow-recursion {{ any; }};
	dnssec-validation yes;
	querylog yes;
}};
controls {{ }};
trust-anchors {{ . static-key {root_dnskey}; }};
zone "." {{ type hint; file "root.hints"; }};
logging {{
	channel queries {{ file "{RESOLVER_QUERYLOG}"; print-time yes; }};
	category queries {{ queries; }};
}};
"""


def _chrony_conf() -> str:
    return f"""# NTP servers of the simulated internet (pool.ntp.org and friends).
local stratum {A.NTP_STRATUM}
allow all
logdir /var/log/chrony
"""
