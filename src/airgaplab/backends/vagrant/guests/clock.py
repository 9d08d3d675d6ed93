"""The guests' clocks after a snapshot: a VM restored from one wakes with the clock of the moment it was saved,
and one being saved stands still (its clock too: seconds, more on a busy machine) while its memory is written;
chronyd past `makestep`'s first updates (the notes' config has none) only slews, minutes for seconds, its
samples too scattered to select one meanwhile. So each guest's clock is set from this machine's and its chronyd
restarted — servers first.

`up` ends with a save, which helps once more: chronyd restarted by provisioning took its first samples while
three emulated guests kept this machine's cores busy, and samples hundreds of ms apart give a frequency guess
so wild (10^5 ppm) that chronyd keeps its local stratum for minutes (`maxupdateskew`). Restarted on a quiet
machine it follows its upstream within seconds."""

from __future__ import annotations

import time

from airgaplab import retry
from airgaplab.backends.base import Progress
from airgaplab.errors import LabError
from airgaplab.lab import provisioner
from airgaplab.lab.transport import Transport
from airgaplab.probes import facts

SYNC_AFTER_RESTART_S = 90  # how long a guest's chronyd, restarted, is waited for until it follows a source
BURST_AFTER_S = 12  # iburst's four samples have come by then; if they were not enough, a burst of four more


class GuestClocks:
    """The clocks of the guests reached through `tx`, servers first, then the rest; `chrony` is chronyd's unit.

        GuestClocks(tx, "chronyd", ["admin"], ["k8s-node1", "k8s-node2"], print).from_this_machine()
    """

    def __init__(self, tx: Transport, chrony: str, servers: list[str], others: list[str], progress: Progress) -> None:
        self.tx, self.chrony, self.groups, self.progress = tx, chrony, (servers, others), progress

    def from_this_machine(self) -> None:
        """Every guest's clock set and its chronyd restarted, servers first (see back_on_time)."""
        for group in self.groups:
            provisioner.parallel(group, self.back_on_time)

    def back_on_time(self, host: str) -> None:
        """The guest's clock set from this machine's (the lab's reference: the simulated internet's NTP servers read
        it too), then chronyd restarted and waited for (bounded, never an error: a saved state may be a broken one)
        until it follows its source again — servers first, so the nodes' iburst finds admin on its upstream and not
        on its local stratum.

        Under emulation a few of the first samples can be milliseconds off, and chronyd then keeps its local stratum
        until its next poll, a minute later (the frequency too uncertain to follow: `maxupdateskew`); a `chronyc
        burst` adds samples now instead."""
        tx = self.tx
        # a reverted guest's NIC is a new tap on the bridge: ssh answers once the bridge has learnt it again
        if not retry.until(lambda: tx.exec(host, ["true"], timeout=20).returncode == 0, timeout=120, interval=1):
            raise LabError(f"{host} did not answer ssh within 120 s")
        tx.run(host, ["sh", "-c", f"date -u -s @{time.time():.3f} >/dev/null && systemctl restart {self.chrony}"],
               what="setting the clock and restarting chronyd")

        def futile() -> str | None:
            return facts.unanswered(tx, host) or (None if facts.sources(tx, host) else "no sources")

        got = retry.until(lambda: facts.on_upstream(tx, host), timeout=SYNC_AFTER_RESTART_S, interval=1,
                          give_up=futile, nudge_every=BURST_AFTER_S, nudge=lambda: facts.ask_again(tx, host))
        if got or got.gave_up:
            return
        self.progress(f"{host}'s chronyd does not follow a source yet, {SYNC_AFTER_RESTART_S} s after its restart")
