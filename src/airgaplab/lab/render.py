"""Render every file that lands on a lab host from the spec and provision/templates/."""

from __future__ import annotations

import jinja2

from airgaplab.lab.family import ROCKY, Family
from airgaplab.lab.spec import Host, LabSpec
from airgaplab.paths import provision_dir

# The order in which a host's steps run. DNS comes first so that admin's
# chronyd resolves its upstream names through admin's own BIND.
STEP_ORDER = ("dns-server", "ntp-server", "dns-client", "ntp-client")

# Where rendered files are staged on a host before a step installs them.
STAGE_DIR = "/var/lib/airgaplab/rendered"


def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(provision_dir() / "templates"),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
    )


def files_for(spec: LabSpec, host: Host, fam: Family = ROCKY) -> dict[str, str]:
    """Absolute path on the host → content, for every file the host's roles install (paths of family `fam`)."""
    env = _env()
    ctx = {"lab": spec, "host": host, "ntp": spec.ntp, "dns": spec.dns, "fam": fam}
    out: dict[str, str] = {}
    if host.has("ntp-server"):
        out[fam.chrony_conf] = env.get_template("chrony-server.conf.j2").render(ctx)
    elif host.has("ntp-client"):
        server = spec.server_for("ntp")
        out[fam.chrony_conf] = env.get_template("chrony-client.conf.j2").render(ctx, server=server)
    if host.has("dns-server"):
        assert spec.dns is not None
        out[fam.named_conf] = env.get_template("named.conf.j2").render(ctx)
        out["/etc/NetworkManager/conf.d/99-dns-none.conf"] = env.get_template("99-dns-none.conf.j2").render(ctx)
        out["/etc/resolv.conf"] = env.get_template("resolv.conf.j2").render(ctx, server=host)
    elif host.has("dns-client"):
        server = spec.server_for("dns")
        out["/etc/NetworkManager/conf.d/99-dns-none.conf"] = env.get_template("99-dns-none.conf.j2").render(ctx)
        out["/etc/resolv.conf"] = env.get_template("resolv.conf.j2").render(ctx, server=server)
    return out


def steps_for(host: Host) -> list[str]:
    """The provision/steps/*.sh a host runs, in order."""
    return [role for role in STEP_ORDER if host.has(role)]
