"""The lab spec's `gateway:` section: which end of the chapter the lab is provisioned to."""

from __future__ import annotations

from pydantic import Field

from airgaplab.lab.fields import Section


class Gateway(Section):
    optional = True  # left out: closed, as the NTP/DNS chapter's lab is
    open: bool = Field(default=False, description="open: admin masquerades the nodes out and they route through "
                                                  "it; closed (the default): the rule and the route are gone")
