"""`airgaplab fault`: take the internet, a daemon or a host away, and give it back (airgaplab.faults)."""

from __future__ import annotations

from typing import Annotated

import typer

from airgaplab.backends import open_lab
from airgaplab.cli.console import out
from airgaplab.cli.options import NameOpt
from airgaplab.exercise import faults

VERBS = "internet-down | internet-up | stop|start|restart HOST SERVICE | reboot HOST | isolate HOST | " \
        "loss HOST PERCENT | clear"


def fault(
    verb: Annotated[str, typer.Argument(metavar="FAULT", help=VERBS)],
    host: Annotated[str | None, typer.Argument(metavar="HOST", help="admin, k8s-node1, …")] = None,
    arg: Annotated[str | None, typer.Argument(metavar="SERVICE|PERCENT",
                                              help="chronyd, named, NetworkManager; or the loss in percent")] = None,
    name: NameOpt = None,
) -> None:
    """Inject a fault; `airgaplab status` lists what is in effect, `airgaplab fault clear` undoes it all.

    internet-down/up: admin's outside link · stop|start|restart HOST SERVICE · reboot HOST (a reboot of that
    host alone: its processes end, its shells close, the enabled units start again; a host powered off
    starts) · isolate HOST (off the internal network) · loss HOST PERCENT (nftables, each way).
    """
    be = open_lab(name)
    if verb == "clear":
        with out.status("clearing the faults; admin's chronyd asks its upstreams again …"):
            undone = faults.clear(be)
        if not undone:
            out.print("no fault was in effect")
            return
        out.print(f"cleared: {', '.join(map(str, undone))}")
        from airgaplab.probes import facts

        server = be.spec.server_for("ntp")
        if server and facts.on_upstream(be.transport, server.name):
            out.print(f"{server.name}'s chronyd asked its upstreams at once (left alone it waits for its next poll, "
                      "backed off to minutes while nothing answered) and follows one again; the nodes asked "
                      f"{server.name} too: `airgaplab check` can pass now", highlight=False)
        elif server:
            out.print(f"{server.name}'s chronyd does not follow an upstream yet: `chronyc sources` on it shows "
                      "whether they answer; `chronyc burst 4/4` asks again now", highlight=False)
        return
    with out.status(f"fault {verb} …"):
        done = faults.inject(be, verb, host, arg)
    out.print(f"fault: {done}" + ("" if verb in ("start", "restart", "reboot", "internet-up") else
                                  " — `airgaplab fault clear` undoes it"), highlight=False)
    if verb == "loss" and not faults.netem_available(be, host or ""):
        out.print("(delay is not offered: this kernel has no sch_netem; loss needs only nftables)")
