"""Every file that lands on a lab host, and the steps that install them: each of the lab's services renders its
own (airgaplab.services.<name>: templates/, steps/); this module puts them together.

    render.files_for(spec, spec.host("admin"), family("rocky10"))   # {"/etc/chrony.conf": …, "/etc/named.conf": …}
    render.steps_for(spec.host("admin"))                              # ['dns-server', 'ntp-server']
"""

from __future__ import annotations

from airgaplab.lab.family import ROCKY, Family
from airgaplab.lab.spec import Host, LabSpec
from airgaplab.paths import provision_dir
from airgaplab.services import registry

# Where rendered files are staged on a host before a step installs them.
STAGE_DIR = "/var/lib/airgaplab/rendered"


def files_for(spec: LabSpec, host: Host, fam: Family = ROCKY) -> dict[str, str]:
    """Absolute path on the host → content, for every file the host's roles install (paths of family `fam`)."""
    return {path: text for service in registry.of(spec) for path, text in service.files(spec, host, fam).items()}


def step_order() -> tuple[str, ...]:
    """The order in which a host's steps run: every service's server step, then their client steps, each in the
    services' rank (DNS first, so that admin's chronyd resolves its upstream names through admin's own BIND)."""
    ranked = sorted(registry.every(), key=lambda s: s.rank)
    return (*(s.server_role for s in ranked), *(s.client_role for s in ranked))


def steps_for(host: Host) -> list[str]:
    """The provision steps (each a role's steps/<role>.sh) a host runs, in order."""
    return [role for role in step_order() if host.has(role)]


def after_servers() -> tuple[str, ...]:
    """Steps that must wait until the servers are provisioned (a node's chrony iburst must find admin's chronyd)."""
    return tuple(step for s in registry.every() for step in s.after_servers)


def step_env(spec: LabSpec, fam: Family) -> dict[str, str]:
    """What the provision steps read instead of hard-coded Rocky paths: the family's package manager and each
    service's packages, units and files."""
    return {"PKG_INSTALL": fam.install, **{k: v for s in registry.of(spec) for k, v in s.step_env(spec, fam).items()}}


def step_scripts() -> dict[str, bytes]:
    """Every step script by file name: the common ones (provision/steps: base.sh, lib.sh) and each service's."""
    common = {p.name: p.read_bytes() for p in sorted((provision_dir() / "steps").glob("*.sh"))}
    return {**common, **{n: b for s in registry.every() for n, b in s.step_scripts().items()}}
