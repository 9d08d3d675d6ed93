"""The lab spec's `dns:` section: BIND's values (the notes' step 3)."""

from __future__ import annotations

import ipaddress

from pydantic import field_validator

from airgaplab.lab.fields import Section, addr_or_cidr


class Dns(Section):
    listen_on: list[str] = ["any"]
    listen_on_v6: list[str] = ["::1"]
    allow_query: list[str] = ["localhost"]
    allow_recursion: list[str] = ["localhost"]
    forwarders: list[str] = []
    recursion: bool = True
    dnssec_validation: bool = True

    @field_validator("allow_query", "allow_recursion", "listen_on")
    @classmethod
    def _check_acl(cls, v: list[str]) -> list[str]:
        keywords = {"any", "none", "localhost", "localnets"}
        return [x if x in keywords else addr_or_cidr(x) for x in v]

    @field_validator("forwarders")
    @classmethod
    def _check_forwarders(cls, v: list[str]) -> list[str]:
        out = []
        for x in v:
            try:
                out.append(str(ipaddress.ip_address(x)))
            except ValueError:
                raise ValueError(f"{x!r} is not an IP address (forwarders are addresses)") from None
        return out
