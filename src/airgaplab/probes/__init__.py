"""What the lab's hosts say, asked through a host transport: on-the-wire probes sent from inside a lab host
(dnspython, ntplib; never from the root namespace), chronyc's output parsed (chrony), and the facts the suite,
the exercise, the reports and the VM backend's clock repair read (facts: chrony, systemd, timedatectl,
NetworkManager, config files).

May import: lab and the foundation. Nothing above it.
"""
