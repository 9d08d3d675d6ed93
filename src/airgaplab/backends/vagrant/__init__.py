"""The VM backend: Vagrant/libvirt guests, laid out as the netns backend is.

    backend.py     the lifecycle hooks (create, settle, destroy, status, reboot, states)
    transport.py   the VMs through their host agents (agent.py, agent_loop.py) over shared ssh (ssh.py)
    world.py       what surrounds the VMs: management links, firewalld, the hypervisor's outsider and grader
    snapshots.py   saved states as libvirt snapshots with memory; clock.py sets the guests' clocks after a revert
    hypervisor.py  the system libvirtd, or a private one in the lab's own namespace (libvirtd.py decides)
    virt.py        libvirt through its binding, one connection per URI (private socket, system, qemu+ssh://)
    plan.py        the plan the Vagrantfile reads; accel.py and cpuprobe.S decide KVM or emulation and the CPU
    firstboot.py   the management NIC's profile at first boot; box.py builds the Debian box
    doctor.py      `usable` and doctor's findings; evidence.py keeps what a failed lab leaves

May import: backends' base modules, lab, probes and the foundation.
"""
