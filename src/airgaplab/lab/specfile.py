"""A lab spec from its YAML file and the CLI's options: parsed and validated with one-line errors (what is wrong
and where, exit 2), the nodes scaled (--nodes), the VM options applied (--os, --hypervisor).

    load_spec(Path("labs/ntp-dns.yaml"), nodes=5)   # LabSpec with k8s-node1..5
"""

from __future__ import annotations

import ipaddress
from pathlib import Path

import yaml
from pydantic import ValidationError

from airgaplab.errors import UserError
from airgaplab.lab.spec import OS_NAMES, Host, LabSpec
from airgaplab.services import names


def scale_nodes(spec: LabSpec, count: int) -> LabSpec:
    """Replace the lab's nodes by k8s-node1..count on consecutive addresses after the first node's."""
    template = next((h for h in spec.hosts if not h.is_server), None)
    if template is None:
        raise UserError("--nodes: the lab has no node to copy (a host with client roles only) — add one to the spec")
    servers = [h for h in spec.hosts if h.is_server]
    net = spec.network.net
    first = ipaddress.IPv4Address(template.ip)
    taken = {h.ip for h in servers}
    nodes: list[Host] = []
    addr = first
    while len(nodes) < count:
        if addr not in net or addr == net.broadcast_address:
            raise UserError(
                f"--nodes {count}: the internal network {net} has no room for {count} nodes from {first} — "
                "use fewer nodes or a larger network"
            )
        if str(addr) not in taken:
            nodes.append(template.model_copy(update={"name": f"k8s-node{len(nodes) + 1}", "ip": str(addr)}))
        addr += 1
    data = spec.model_dump()
    data["hosts"] = [h.model_dump() for h in servers + nodes]
    data["nodes"] = None
    return LabSpec.model_validate(data)


def with_services(spec: LabSpec, services: str | None) -> LabSpec:
    """The spec with --services applied (`ntp,dns,repo`): each service named keeps its roles, or gets its server
    role on admin and its client role on every node; the other services' roles go. One line and exit 2 on a
    service airgaplab does not know, or a lab the services cannot make."""
    if services is None:
        return spec
    wanted = list(dict.fromkeys(n.strip() for n in services.split(",") if n.strip()))
    unknown = [n for n in wanted if n not in names.NAMES] or ([] if wanted else [services])
    if unknown:
        raise UserError(f"--services {services}: no service {unknown[0]!r} — airgaplab knows "
                        f"{', '.join(names.NAMES)} (e.g. --services {','.join(names.DEFAULT)})")
    admin = spec.admin if any(h.is_server for h in spec.hosts) else next((h for h in spec.hosts if h.internet),
                                                                         spec.hosts[0])
    hosts = []
    for h in spec.hosts:
        roles = [r for r in h.roles if names.service_of(r) in wanted]
        placed = {names.service_of(r) for r in roles}
        roles += [names.roles_of(n)[0 if h.name == admin.name else 1] for n in wanted if n not in placed]
        hosts.append({**h.model_dump(), "roles": roles})
    return parse_spec({**spec.model_dump(), "hosts": hosts, "services": wanted}, source=f"--services {services}")


def with_vm_options(spec: LabSpec, os_name: str | None, hypervisor: str | None) -> LabSpec:
    """The spec with --os/--hypervisor applied (checked: one line and exit 2 on a bad value)."""
    vm = spec.vm
    if os_name is not None:
        if os_name not in OS_NAMES:
            raise UserError(f"--os {os_name}: unknown guest OS — use one of {', '.join(OS_NAMES)}")
        vm = vm.model_copy(update={"os": os_name})
    if hypervisor is not None:
        if hypervisor not in ("system", "private", "auto"):
            raise UserError(f"--hypervisor {hypervisor}: use system, private or auto")
        vm = vm.model_copy(update={"hypervisor": hypervisor})
    return spec.model_copy(update={"vm": vm})


def _where(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _one_line(err: ValidationError, data: object) -> str:
    e = err.errors()[0]
    loc = tuple(e.get("loc", ()))
    where = _where(loc) or "spec"
    kind = e.get("type", "")
    if kind == "extra_forbidden":
        parent = _where(loc[:-1]) or "the top level"
        return f"{where}: unknown key — check the spelling (not allowed under {parent})"
    if kind == "missing":
        return f"{where}: missing — add it to the spec"
    msg = str(e.get("msg", "invalid")).removeprefix("Value error, ")
    if kind == "string_pattern_mismatch":
        msg = f"{e.get('input')!r} is not a valid name — use lower-case letters, digits and '-', starting with a letter"
    elif kind in ("greater_than_equal", "less_than_equal") and "local_stratum" in loc:
        msg = f"{e.get('input')!r} is outside 1..15 — chrony's local stratum must be between 1 and 15"
    elif "input" in e and kind not in ("value_error",) and not isinstance(e.get("input"), dict | list):
        msg = f"{msg} (got {e.get('input')!r})"
    if where == "spec" and ":" in msg.split(" ")[0]:
        return msg  # model-level checks already name their field
    return f"{where}: {msg}"


def parse_spec(data: object, source: str = "spec") -> LabSpec:
    if not isinstance(data, dict):
        raise UserError(f"{source}: not a lab spec (expected a YAML mapping with name, network, hosts)")
    try:
        spec = LabSpec.model_validate(data)
    except ValidationError as err:
        raise UserError(f"{source}: {_one_line(err, data)}") from None
    if spec.nodes:
        spec = scale_nodes(spec, spec.nodes)
    return spec


def load_spec(path: Path, nodes: int | None = None) -> LabSpec:
    try:
        text = Path(path).read_text()
    except OSError as exc:
        raise UserError(f"{path}: cannot read the lab spec ({exc.strerror}) — check the path given to --spec") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}" if mark else ""
        raise UserError(f"{path}: not valid YAML{at} — fix the syntax ({getattr(exc, 'problem', exc)})") from None
    spec = parse_spec(data, str(path))
    if nodes is not None:
        if nodes < 1:
            raise UserError(f"--nodes {nodes}: must be at least 1")
        spec = scale_nodes(spec, nodes)
    return spec
