"""The lab as data and as files: the spec (pydantic), the OS families (one table), rendering every config file
from provision/templates/, the daemons' own checkers on them, provisioning through a host transport, and the two
interfaces a backend implements — `transport` (how anything touches a host) and `world` (what surrounds the
hosts).

May import: airgaplab's foundation modules (errors, paths, retry, diagnosis). Nothing above it.
"""
