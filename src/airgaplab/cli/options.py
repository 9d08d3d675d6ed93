"""Options more than one command takes: one declaration each, one metavar each."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from airgaplab.lab.spec import LabSpec
from airgaplab.lab.specfile import load_spec, with_services, with_vm_options
from airgaplab.paths import default_lab_file

OS_HELP = "vagrant: the guests' OS, rocky10 (the reference) or debian12 (a box built here from Debian packages)."
HYPERVISOR_HELP = ("vagrant: system (this machine's libvirtd), private (one airgaplab starts in a namespace of the "
                   "lab's, leading into the simulated internet) or auto (system where reachable).")

NameOpt = Annotated[str | None, typer.Option("--name", metavar="NAME", help="Which lab (default: the only one that is up).")]
SpecOpt = Annotated[Path | None, typer.Option("--spec", metavar="FILE", help="Lab spec (YAML). Default: labs/ntp-dns.yaml.")]
BackendOpt = Annotated[str, typer.Option("--backend", metavar="BACKEND", help="netns (embedded), vagrant (VMs) or auto.")]
NodesOpt = Annotated[int | None, typer.Option("--nodes", metavar="N", help="Scale the nodes to k8s-node1..N.", min=1)]
OsOpt = Annotated[str | None, typer.Option("--os", metavar="OS", help=OS_HELP)]
ServicesOpt = Annotated[str | None, typer.Option(
    "--services", metavar="LIST",
    help="The services the lab has, comma-separated (default: the spec's; the notes' chapter is ntp,dns): each "
         "serves from admin to every node. `airgaplab up --services ntp` is a lab of chrony only.")]
HypervisorOpt = Annotated[str | None, typer.Option("--hypervisor", metavar="KIND", help=HYPERVISOR_HELP)]


def load_spec_of(spec_file: Path | None, nodes: int | None, os_name: str | None = None,
                 hypervisor: str | None = None, services: str | None = None) -> LabSpec:
    """The spec a command names (default labs/ntp-dns.yaml), scaled, with its services and the VM options of the
    command line."""
    spec = with_services(load_spec(spec_file or default_lab_file(), nodes), services)
    return with_vm_options(spec, os_name, hypervisor)
