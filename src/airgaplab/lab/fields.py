"""What every part of the lab spec is made of: strict models (a typo in a key fails loudly) and address fields."""

from __future__ import annotations

import ipaddress
from typing import ClassVar

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    # A typo in a key must fail loudly, not be ignored.
    model_config = ConfigDict(extra="forbid", frozen=True)


class Section(Strict):
    """A service's own part of the lab spec (`ntp:`, `dns:` …): a service module declares it."""

    optional: ClassVar[bool] = False  # a lab with the service may leave it out (its defaults then hold)


def cidr(value: str) -> str:
    try:
        return str(ipaddress.ip_network(value, strict=True))
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a network in CIDR form (e.g. 192.168.10.0/24): {exc}") from None


def addr_or_cidr(value: str) -> str:
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return cidr(value)
