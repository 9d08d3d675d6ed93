"""The embedded backend: every lab host a network, mount and UTS namespace on this machine, booted with a PID and
a time namespace of its own, with real chronyd and named, made to look like Rocky (a private /etc, /var and /usr
over the machine's, shims for systemctl, dnf, nmcli…).

    backend.py     the lifecycle hooks and saved states
    transport.py   nsenter into a host's namespaces; sockets opened inside them (setns.py)
    world.py       the simulated internet next door, the outsider, the grader on the LAN's bridge
    topology.py    namespaces, veths, bridges, addresses; hostview.py each host's view, seeding.py and image/ its
                   files, viewmount.py its mounts (system calls in a forked child)
    keeper.py      the lab's keeper: each host's boot, and a new one when it reboots (pid1.py the kernel's side,
                   syscalls.py the calls); boots.py the harness's side of it
    internet.py    the simulated internet (root, zones, resolvers, NTP servers); addressing.py its ranges
    edge.py        the forwarders' translation at admin's edge; nm.py NetworkManager's keyfiles; procs.py daemons
    shims/         systemctl, dnf, nmcli, journalctl, timedatectl, … on each host's PATH
    doctor.py      `usable` and doctor's findings

May import: backends' base modules, lab, probes and the foundation.
"""
