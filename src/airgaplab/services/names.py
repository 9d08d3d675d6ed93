"""The services' names and roles, with nothing else loaded (the spec validates by them; `registry` loads the
services themselves). A service's roles are `<name>-server` (admin) and `<name>-client` (the nodes).

    names.service_of("ntp-client")   # 'ntp'
"""

from __future__ import annotations

# the service modules (airgaplab.services.<name>), in the order the study takes them; adding a service is a line here
NAMES: tuple[str, ...] = ("ntp", "dns", "gateway")
DEFAULT: tuple[str, ...] = ("ntp", "dns")  # the notes' chapter: what a lab has when its spec names no services
SERVER, CLIENT = "server", "client"


def roles_of(name: str) -> tuple[str, str]:
    """Service `name`'s (server role, client role)."""
    return f"{name}-{SERVER}", f"{name}-{CLIENT}"


def roles() -> tuple[str, ...]:
    """Every role a host may have."""
    return tuple(r for n in NAMES for r in roles_of(n))


def service_of(role: str) -> str:
    """The service a role belongs to (a role of no service: KeyError)."""
    name, _, kind = role.rpartition("-")
    if name not in NAMES or kind not in (SERVER, CLIENT):
        raise KeyError(f"{role}: the role of no service — roles are {', '.join(roles())}")
    return name


def is_server(role: str) -> bool:
    return role.endswith(f"-{SERVER}")
