"""Options more than one command takes: one declaration each, one metavar each."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

OS_HELP = "vagrant: the guests' OS, rocky10 (the reference) or debian12 (a box built here from Debian packages)."
HYPERVISOR_HELP = ("vagrant: system (this machine's libvirtd), private (one airgaplab starts in a namespace of the "
                   "lab's, leading into the simulated internet) or auto (system where reachable).")

NameOpt = Annotated[str | None, typer.Option("--name", metavar="NAME", help="Which lab (default: the only one that is up).")]
SpecOpt = Annotated[Path | None, typer.Option("--spec", metavar="FILE", help="Lab spec (YAML). Default: labs/ntp-dns.yaml.")]
BackendOpt = Annotated[str, typer.Option("--backend", metavar="BACKEND", help="netns (embedded), vagrant (VMs) or auto.")]
NodesOpt = Annotated[int | None, typer.Option("--nodes", metavar="N", help="Scale the nodes to k8s-node1..N.", min=1)]
OsOpt = Annotated[str | None, typer.Option("--os", metavar="OS", help=OS_HELP)]
HypervisorOpt = Annotated[str | None, typer.Option("--hypervisor", metavar="KIND", help=HYPERVISOR_HELP)]
