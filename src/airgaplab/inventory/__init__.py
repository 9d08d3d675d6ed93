"""An existing closed network, judged by the conformance suite: its hosts read from an inventory (Ansible's, or
testinfra's `ssh://` list), reached over ssh, observed only.

    pytest --inventory hosts.ini                 # the suite on the inventory's admin and nodes
    airgaplab report --inventory hosts.ini       # the same, written as a report (JUnit, Allure, the page)

`targets` reads the inventory, `ssh` is the transport, `reach` says in one line why a host cannot be judged, and
`network` builds what the suite needs (a spec and a world) from what the hosts' own files say.
"""
