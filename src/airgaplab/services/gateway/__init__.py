"""The gateway chapter: admin masquerades the nodes out to the internet and they route through it (open), then
the rule and the route go and the internal network is closed — where the NTP/DNS chapter's lab starts."""
