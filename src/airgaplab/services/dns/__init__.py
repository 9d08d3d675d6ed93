"""BIND serves the lab its names: admin recurses and forwards for the internal network, the nodes ask admin."""
