"""The lab spec's `ntp:` section: chrony's values (the notes' step 1 and 2)."""

from __future__ import annotations

from pydantic import Field, field_validator

from airgaplab.lab.fields import Section, cidr


class Ntp(Section):
    upstream: list[str] = Field(min_length=1)
    allow: list[str] = []
    local_stratum: int | None = Field(default=10, ge=1, le=15)
    logdir: str = "/var/log/chrony"
    iburst: bool = True

    @field_validator("allow")
    @classmethod
    def _check_allow(cls, v: list[str]) -> list[str]:
        return [cidr(x) for x in v]
