"""A class of a study group: a seat (a whole lab, the notes' own addresses) for every member, placed on this
machine or several libvirt hosts, each member's way in through an ssh gateway of the class's own, and the
progress of every seat as `check` grades it (no trace left).

    roster.py     the class's record: its seats, where each runs, the gateway (written before anything exists)
    placement.py  which host takes which seat, by what each host reports; one line when a seat fits nowhere
    seats.py      the seats' lifecycle: up side by side, down (idempotent)
    actions.py    what the person leading does to one seat: reset, solve steps 1..N, a drill
    progress.py   a seat's progress: steps passing, its drill, time on the current step
    gateway.py    OpenSSH's sshd with a config of the class's own: one key per seat, a forced command

May import: exercise, backends, suite, lab, probes and the foundation.
"""
