"""chrony's NTP service: admin takes its time from the internet and serves the internal network; the nodes
take theirs from admin only (the notes' steps 1 and 2).

    SERVICE.files(spec, spec.host("k8s-node1"), ROCKY)   # {"/etc/chrony.conf": "server 192.168.10.10 iburst…"}
"""

from __future__ import annotations

from airgaplab.lab.family import Family
from airgaplab.lab.spec import Host, LabSpec
from airgaplab.services.base import ConfigCheck, DaemonUser, ExerciseStep, NetnsParts, Service
from airgaplab.services.drill import Drill
from airgaplab.services.ntp import drills
from airgaplab.services.ntp.checker import chronyd_parse


class Ntp(Service):
    name = "ntp"
    daemon = "chronyd"
    on_clients = True
    enabled_when_installed = True
    firewall = "ntp"
    rank = 1  # after DNS: admin's chronyd resolves its upstream servers through admin's own BIND
    # a node's chrony iburst has to find admin's provisioned chronyd (missed, it retries only at the normal poll)
    after_servers = ("ntp-client",)
    netns = NetnsParts(users=(DaemonUser("chrony", ("_chrony", "chrony"), "chrony system user", "/var/lib/chrony"),),
                       owned=(("var/lib/chrony", "chrony:chrony", 0o750), ("var/log/chrony", "chrony:chrony", 0o750)))
    exercise = (
        ExerciseStep("ntp-server", "ntp-server", "admin",
                     "chrony serves time: upstream pool servers with iburst, the internal network allowed, local "
                     "stratum 10, a log directory; keep the original config as /etc/chrony.bak; restart chronyd",
                     "chronyc sources -v (a ^* upstream); timedatectl status (System clock synchronized: yes)"),
        ExerciseStep("ntp-clients", "ntp-client", "every node",
                     "chrony takes its time from admin only (iburst), with a log directory; keep /etc/chrony.bak; "
                     "restart chronyd",
                     "chronyc sources -v on the node (^* admin); chronyc clients on admin (every node listed)"),
    )

    def files(self, spec: LabSpec, host: Host, fam: Family) -> dict[str, str]:
        if host.has("ntp-server"):
            return {fam.chrony_conf: self.render("chrony-server.conf.j2", spec, host, fam)}
        if host.has("ntp-client"):
            return {fam.chrony_conf: self.render("chrony-client.conf.j2", spec, host, fam,
                                                 server=spec.server_for("ntp"))}
        return {}

    def checks(self, fam: Family) -> list[ConfigCheck]:
        return [ConfigCheck(fam.chrony_conf, "chronyd", chronyd_parse)]

    def unit(self, fam: Family) -> str:
        return fam.chrony_service

    def config(self, fam: Family) -> str:
        return fam.chrony_conf

    def packages(self, fam: Family) -> tuple[str, ...]:
        return tuple(fam.chrony_pkg.split())

    def step_env(self, spec: LabSpec, fam: Family) -> dict[str, str]:
        return {"CHRONY_PKG": fam.chrony_pkg, "CHRONY_SERVICE": fam.chrony_service, "CHRONY_CONF": fam.chrony_conf,
                "CHRONY_BAK": fam.chrony_bak}

    def drills(self) -> tuple[Drill, ...]:
        return drills.DRILLS


SERVICE = Ntp()
