"""The VM backend: Vagrant/libvirt guests, laid out by job.

    backend.py     the lifecycle hooks (create, settle, destroy, status, reboot, states) over its collaborators
    transport.py   the VMs through their host agents; the outsider and the grader through the libvirt host
    world.py       what surrounds the VMs: management links, firewalld, the host's outsider and grader
    doctor.py      `usable` and doctor's findings; seating.py where a class's seats go (the registry's contract)

    libvirt/       the libvirt host: host.py (one base, the hooks each kind fills), system.py, private.py,
                   standin.py (+ standin_ssh.py), remote.py, seathost.py (a seat's host by its URI); virt.py
                   (libvirt's binding), libvirtd.py (which libvirtd), accel.py + cpuprobe.S (KVM or emulation)
    guests/        the guests and their box: plan.py (what the Vagrantfile reads), runner.py (vagrant),
                   snapshots.py, clock.py, evidence.py, seatnet.py (a seat's networks on a shared host),
                   box.py, firstboot.py
    access/        the way in: ssh.py (shared ssh connections), agent.py + agent_loop.py (a root helper per VM)

Layers, bottom up: access, libvirt, guests, then this package's own modules. May import: backends' base modules
(base, internet, namespaces, forwarders, parts, relay), lab, probes and the foundation — never another backend's.
"""
