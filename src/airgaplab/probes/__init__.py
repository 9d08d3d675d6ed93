"""On-the-wire probes sent from inside a lab host (dnspython, ntplib), never from the root namespace."""
