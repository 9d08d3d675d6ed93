"""BIND's DNS service: admin answers and recurses for localhost and the internal network, forwards and
validates; the nodes' resolv.conf names admin and NetworkManager leaves it alone (the notes' steps 3 and 4).

    SERVICE.files(spec, spec.host("admin"), ROCKY)   # named.conf, NetworkManager's drop-in, resolv.conf
"""

from __future__ import annotations

from airgaplab.lab.family import Family
from airgaplab.lab.spec import Host, LabSpec
from airgaplab.services.base import ConfigCheck, DaemonUser, ExerciseStep, NetnsParts, Service
from airgaplab.services.dns import drills
from airgaplab.services.dns.checker import named_checkconf
from airgaplab.services.drill import Drill

DNS_NONE = "/etc/NetworkManager/conf.d/99-dns-none.conf"


class Dns(Service):
    name = "dns"
    daemon = "named"
    firewall = "dns"
    rank = 0  # first: admin's chronyd resolves its upstream names through admin's own BIND
    netns = NetnsParts(
        users=(DaemonUser("named", ("bind", "named"), "Named", "/var/named", rocky_id=25),),
        # bind's own files: a lab host has them once `dnf install bind` (its payload until then)
        packages={"bind": ("etc/named.conf", "etc/named.rfc1912.zones", "etc/named.root.key", "var/named/")},
        owned=(*((f"etc/{f}", "root:named", 0o640) for f in ("named.conf", "named.rfc1912.zones", "named.root.key")),
               ("var/named", "root:named", 0o770),
               *((f"var/named/{d}", "named:named", 0o770) for d in ("data", "dynamic", "slaves")),
               ("var/log/named", "named:named", 0o750)))
    exercise = (
        ExerciseStep("dns-server", "dns-server", "admin",
                     "BIND answers and recurses for localhost and the internal network only, forwards to "
                     "168.126.63.1 and 8.8.8.8, validates DNSSEC; keep /etc/named.bak; named-checkconf; enable and "
                     "start named; admin resolves through itself",
                     "named-checkconf /etc/named.conf (no output); dig +short google.com @192.168.10.10"),
        ExerciseStep("dns-clients", "dns-client", "every node",
                     "NetworkManager leaves /etc/resolv.conf alone (a conf.d drop-in, then restart it); resolv.conf "
                     "names admin",
                     "nmcli connection up eth0, then cat /etc/resolv.conf (unchanged); dig +short google.com"),
    )

    def files(self, spec: LabSpec, host: Host, fam: Family) -> dict[str, str]:
        if host.has("dns-server"):
            return {fam.named_conf: self.render("named.conf.j2", spec, host, fam),
                    DNS_NONE: self.render("99-dns-none.conf.j2", spec, host, fam),
                    "/etc/resolv.conf": self.render("resolv.conf.j2", spec, host, fam, server=host)}
        if host.has("dns-client"):
            return {DNS_NONE: self.render("99-dns-none.conf.j2", spec, host, fam),
                    "/etc/resolv.conf": self.render("resolv.conf.j2", spec, host, fam,
                                                    server=spec.server_for("dns"))}
        return {}

    def checks(self, fam: Family) -> list[ConfigCheck]:
        return [ConfigCheck(fam.named_conf, "named-checkconf", named_checkconf)]

    def unit(self, fam: Family) -> str:
        return fam.named_service

    def config(self, fam: Family) -> str:
        return fam.named_conf

    def packages(self, fam: Family) -> tuple[str, ...]:
        return tuple(fam.named_pkgs.split())

    def step_env(self, spec: LabSpec, fam: Family) -> dict[str, str]:
        return {"NAMED_PKGS": fam.named_pkgs, "NAMED_SERVICE": fam.named_service, "NAMED_CONF": fam.named_conf,
                "NAMED_BAK": fam.named_bak}

    def drills(self) -> tuple[Drill, ...]:
        return drills.DRILLS


SERVICE = Dns()
