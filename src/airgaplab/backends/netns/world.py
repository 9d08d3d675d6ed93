"""The netns lab's world: the simulated internet next door, an outsider on it, the forwarders' own log."""

from __future__ import annotations

from airgaplab.backends.netns import addressing as A
from airgaplab.backends.netns import internet as I
from airgaplab.backends.netns.topology import INTERNET, OUTSIDER
from airgaplab.lab.spec import LabSpec
from airgaplab.lab.transport import Transport
from airgaplab.lab.world import GRADER, DnssecNames, World


class NetnsWorld(World):
    def __init__(self, spec: LabSpec, inet: A.Internet, tx: Transport) -> None:
        # every round trip stays inside this machine's kernel (microseconds): silence is clear at 0.5 s
        super().__init__(silence_s=0.5, outsider=OUTSIDER, grader=GRADER)
        self.spec, self.inet, self.tx = spec, inet, tx

    def outside_address(self, host: str) -> str | None:
        return self.inet.wan_address(host) if self.spec.host(host).internet else None

    def forwarder_log(self) -> str | None:
        proc = self.tx.exec(INTERNET, ["cat", I.RESOLVER_QUERYLOG])
        return proc.stdout.decode(errors="replace") if proc.returncode == 0 else ""

    def dnssec_names(self) -> DnssecNames:
        return DnssecNames(secure="www.secure.example", bogus="www.bogus.example", insecure="google.com")

    def large_answer(self) -> str | None:
        return I.BIG_NAME

    def unsigned_zone(self) -> str | None:
        return I.UNSIGNED_ZONE
