"""The VM lab's lifecycle: Vagrant/libvirt guests (Rocky Linux 10 or Debian 12) driven through python-vagrant, on
a libvirt host (libvirt/host.py: this machine's, a private one, a stand-in or another machine's); provisioned by the
backend-neutral provisioner through each VM's host agent once all have booted: admin's steps while the nodes run theirs
that need no server, then theirs.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

from airgaplab import retry
from airgaplab.backends.base import Backend, HostStatus, LabStatus, Progress, quiet
from airgaplab.backends.journal import Journal
from airgaplab.backends.namespaces import existing_netns
from airgaplab.backends.vagrant.access import agent
from airgaplab.backends.vagrant.access.ssh import SshChannels
from airgaplab.backends.vagrant.guests import evidence
from airgaplab.backends.vagrant.guests import plan as vplan
from airgaplab.backends.vagrant.guests.clock import GuestClocks
from airgaplab.backends.vagrant.guests.runner import VagrantRunner
from airgaplab.backends.vagrant.guests.seatnet import SeatNetworks
from airgaplab.backends.vagrant.guests.snapshots import Snapshots
from airgaplab.backends.vagrant.libvirt import accel as accel_mod
from airgaplab.backends.vagrant.libvirt import libvirtd
from airgaplab.backends.vagrant.libvirt.host import LibvirtHost
from airgaplab.backends.vagrant.libvirt.private import PrivateHypervisor
from airgaplab.backends.vagrant.libvirt.seathost import seat_host
from airgaplab.backends.vagrant.libvirt.system import SystemHypervisor
from airgaplab.backends.vagrant.libvirt.virt import Virt
from airgaplab.backends.vagrant.transport import VagrantTransport
from airgaplab.backends.vagrant.world import VagrantWorld
from airgaplab.errors import LabError, UserError
from airgaplab.lab import provisioner, render
from airgaplab.lab.family import family
from airgaplab.lab.spec import Host, LabSpec
from airgaplab.services import registry

VAGRANT_STATES = {"running": "running", "shutoff": "stopped", "poweroff": "stopped", "not_created": "not created",
                  "not created": "not created", "paused": "stopped"}
# vagrant's lines worth a progress step (the rest is noise at this level)
VAGRANT_PROGRESS = re.compile(r"==> (\S+): (Creating image|Creating domain|Starting domain|Waiting for domain to get an "
                              r"IP|Machine booted and ready)")


class VagrantBackend(Backend):
    name = "vagrant"

    def __init__(self, spec: LabSpec, progress: Progress = quiet) -> None:
        super().__init__(spec, progress)
        self.channels = SshChannels(self.state.dir, lambda: self.runner.exe(), lambda: self.runner.env)
        self.agents = agent.Agents(lambda host: self.ssh(host, agent.COMMAND))
        self._on(self._hypervisor())

    def _on(self, hv: LibvirtHost) -> None:
        """The lab's collaborators on the libvirt host `hv`, for the spec as it is now (`up` decides what `auto`
        leaves open, and may put the lab on another host)."""
        self.hv = hv
        self.runner = VagrantRunner(self.spec.name, self.state.dir, hv)
        # a class's seat on a libvirt host: its networks and the grader's namespace there
        self.seat = SeatNetworks(self.spec, hv) if self.spec.vm.host else None
        self.transport = VagrantTransport(self.spec, hv, self.agents, lambda host, cmd, tty: self.ssh(host, cmd, tty=tty),
                                          self.seat.vantage if self.seat else None)
        self.world = VagrantWorld(self.spec, hv, self.transport, self.channels.config)
        domains = {h: self.domain(h) for h in self.spec.host_names}
        self.snapshots = Snapshots(hv, domains, self.state.states_dir, self.hang_up, lambda m: self.progress(m))
        servers = [h.name for h in self.spec.hosts if h.is_server]
        self.clocks = GuestClocks(self.transport, self.family.chrony_service, servers,
                                  [h for h in self.spec.host_names if h not in servers], lambda m: self.progress(m))

    def _hypervisor(self) -> LibvirtHost:
        if self.spec.vm.host:  # a class's seat, on the libvirt host it was placed on
            return seat_host(self.spec.vm.host, lambda m: self.progress(m))
        if self.spec.vm.hypervisor == "private":
            return PrivateHypervisor(self.spec, self.state.dir, lambda m: self.progress(m))
        return SystemHypervisor()

    # --- vagrant (guests/runner.py) -------------------------------------------------
    @property
    def plan_path(self) -> Path:
        return self.runner.plan_path

    def vagrant(self) -> Any:
        return self.runner.vagrant()

    def decide(self) -> tuple[libvirtd.Choice, accel_mod.GuestCpu]:
        """The hypervisor and the guests' accelerator and CPU, as `up` will use them (and --dry-run shows)."""
        vm = self.spec.vm
        hv = libvirtd.Choice(self.hv.kind, f"the class's host {vm.host}") if vm.host \
            else libvirtd.choose(vm.hypervisor, vm.os)
        return hv, self.hv.guest_cpu(vm.accel)

    def dry_run(self) -> dict[str, object]:
        hv, cpu = self.decide()
        self.spec = self._decided(hv, cpu)
        self._on(self._hypervisor())
        return {"decided": {"hypervisor": hv.kind, "hypervisor_why": hv.why, "blocker": hv.blocker or None,
                            "accel": cpu.driver, "cpu_mode": cpu.cpu_mode,
                            "guest_cpu": f"x86-64-v{cpu.level}" if cpu.level else None, "accel_why": cpu.why},
                "plan": vplan.build(self.spec, accel=cpu.driver, **self.hv.reach()),
                "commands": self.runner.commands()}

    # --- lifecycle hooks ------------------------------------------------------------
    def _decided(self, hv: libvirtd.Choice, cpu: accel_mod.GuestCpu) -> LabSpec:
        vm = self.spec.vm
        return self.spec.model_copy(update={"vm": vm.model_copy(update={"hypervisor": hv.kind, "accel": cpu.driver})})

    def resolved(self) -> LabSpec:
        """The spec with `auto` decided: which hypervisor, which accelerator and guest CPU."""
        hv, cpu = self.decide()
        self.progress(f"hypervisor: {hv.kind} — {hv.why}")
        self.progress(f"accelerator: {cpu.line()}")
        return self._decided(hv, cpu)

    def preflight(self) -> None:
        if shutil.which("vagrant") is None:
            raise UserError("no vagrant on this machine — `make deps-vm`, or use --backend netns")

    def prepare(self) -> None:
        if family(self.spec.vm.os).box_built_here:  # before the lab exists: a refusal here leaves nothing to take down
            from airgaplab.backends.vagrant.guests import box

            box.ensure(self.spec.vm.os, self.progress)

    def create(self, journal: Journal, *, bare: bool) -> None:
        t0 = time.monotonic()
        self.spec = self.resolved()
        self._on(self._hypervisor())
        journal.spec = self.spec.model_dump()
        journal.save()
        with journal.phase("hypervisor"):
            self.hv.start()
            if self.seat:  # a seat on a libvirt host other seats may share
                self.seat.create()
        vplan.write(self.spec, self.state.dir, accel=self.spec.vm.accel, **self.hv.reach())
        self.progress(f"vagrant up: {len(self.spec.hosts)} {self.family.pretty} VMs "
                      f"({'software emulation' if self.spec.vm.accel == 'qemu' else 'KVM'})")
        log = self.state.dir / "vagrant-up.log"
        try:
            with open(log, "w") as f:
                for line in self.vagrant().up(provider="libvirt", provision=False, stream_output=True):
                    f.write(f"{time.monotonic() - t0:7.1f} {line}")
                    f.flush()
                    m = VAGRANT_PROGRESS.search(line)
                    if m:
                        self.progress(f"{m.group(1)}: {m.group(2).lower()}")
        except subprocess.CalledProcessError as e:
            tail = "\n".join(log.read_text().strip().splitlines()[-6:])
            raise LabError(f"vagrant up failed (exit {e.returncode}):\n{tail}") from None
        journal.timings["booted_s"] = round(time.monotonic() - t0, 3)
        (self.state.dir / "ssh_config").unlink(missing_ok=True)
        self.channels.forget()
        self.channels.config()  # once, before provisioning's threads need it (vagrant locks its machines)

    def provision_plan(self) -> provisioner.Plan:
        # bare VMs run only this first step (hostname, internal NIC, hardening). Its environment comes from the
        # spec's host, roles and all: a bare admin's firewall is open already to what the notes' steps will
        # serve (the notes open no port), even though the step is handed the host without its roles
        return provisioner.Plan(first_steps=["base"], env=lambda h: vplan.step_env(self.spec, self.spec.host(h.name)),
                                extra_files=self._extra_files)

    def _extra_files(self, host: Host) -> dict[str, bytes]:
        """The lab's /etc/hosts block for the base step, and what the hypervisor adds (the simulated root)."""
        files = {f"{render.STAGE_DIR}/etc/hosts.airgaplab": vplan.hosts_block(self.spec).encode()}
        return {**files, **self.hv.extra_files(host, self.family)}

    def _units(self) -> dict[str, str]:
        """Each service's daemon → its unit on this lab's family."""
        return {d: registry.unit_of(d, self.family) for d in registry.daemons()}

    TRANSIENT = ("activating", "deactivating")

    def settle(self, *, bare: bool = False) -> None:
        """Wait (bounded) until no daemon `up` started is still starting or stopping, so the status it prints is
        true. A running daemon that is reloading (Debian's named reloads when NetworkManager brings a link up)
        is shown as `reloading`: true, and no reason to wait. The clocks are set by the state `up` saves next
        (save_state)."""
        def settled(host: str) -> None:
            retry.until(lambda: not set(self._daemons(host).values()) & set(self.TRANSIENT), timeout=60, interval=1)

        provisioner.parallel(self.spec.host_names, settled)

    def leftovers(self) -> bool:
        return (self.state.dir / "edge").exists() or bool(existing_netns(f"agl.{self.spec.name}."))

    def destroy(self) -> None:
        self.agents.close()
        if self.hv.discard():  # the lab's own hypervisor: its domains, volumes and networks went with it
            return
        if self.leftovers():  # a private hypervisor's, of an `up` killed before the lab's host was recorded
            PrivateHypervisor(self.spec, self.state.dir, lambda m: self.progress(m)).discard()
            return
        self.hang_up(self.spec.host_names)
        reachable = self.hv.is_up() and Virt.answers(self.hv.uri)  # a stand-in host taken down took the VMs along
        if reachable:  # a domain with snapshots cannot be undefined
            for name in self.state.saved_states():
                self.delete_state(name)
        if self.plan_path.exists() and shutil.which("vagrant") and self.hv.is_up():
            self.progress("vagrant destroy --force")
            try:
                self.vagrant().destroy()
            except subprocess.CalledProcessError as e:
                raise LabError(f"vagrant destroy failed (exit {e.returncode}); retry `airgaplab down`") from None
        if reachable:
            if self.seat:
                self.seat.remove()
            with self.hv.virt() as v:
                for net in vplan.network_names(self.spec).values():
                    v.remove_network(net)
        self.hv.stop()  # a host the lab does not own: only let go of it (a remote host's agent)

    def keep_evidence(self, dest: Path) -> list[str]:
        return evidence.keep(dest, state_dir=self.state.dir, spec=self.spec, hv=self.hv, tx=self.transport)

    # --- state -------------------------------------------------------------------
    def _states(self) -> dict[str, str]:
        if not self.plan_path.exists() or not shutil.which("vagrant") or not self.hv.is_up():
            return {}
        # python-vagrant's status() never raises: an empty answer means vagrant failed.
        return {s.name: VAGRANT_STATES.get(s.state, s.state) for s in self.vagrant().status()}

    def running(self, journal: Journal) -> bool:
        states = self._states()
        return bool(states) and all(v == "running" for v in states.values())

    def status(self) -> LabStatus:
        states = self._states()
        if not states:
            return LabStatus(self.spec.name, self.name, "down")
        hosts = [HostStatus(h.name, states.get(h.name, "missing"), {"internal": h.ip},
                            self._daemons(h.name) if states.get(h.name) == "running" else {}) for h in self.spec.hosts]
        up = all(h.state == "running" for h in hosts)
        return LabStatus(self.spec.name, self.name, "up" if up else "partial", hosts)

    def _daemons(self, host: str) -> dict[str, str]:
        """Each service's daemon (chronyd, named) as systemd sees it: active, activating, inactive or failed."""
        units = self._units()
        proc = self.transport.exec(host, ["systemctl", "is-active", *units.values()], timeout=30)
        states = proc.stdout.decode().split()
        return dict(zip(units, states, strict=False))

    def hang_up(self, hosts: list[str]) -> None:
        """End the hosts' agents and shared ssh connections (a revert, a reboot, `down`)."""
        self.agents.close(hosts)
        self.channels.close(hosts)

    def ssh(self, host: str, command: str, *, tty: bool = False) -> list[str]:
        """argv running `command` as root on `host` (inside the hypervisor's namespace, if private)."""
        return self.hv.wrap(self.channels.argv(host, command, tty=tty))

    # --- saved states: libvirt snapshots with memory (the VMs do not boot again) -------------------
    can_save_states = True

    def domain(self, host: str) -> str:
        return f"{vplan.PREFIX.format(name=self.spec.name)}{host}"

    def save_state(self, name: str) -> None:
        """A snapshot of each VM with its memory; the clocks then set again (see clock.py: why, `up`'s too)."""
        self.snapshots.save(name)
        self.progress("setting the clocks: each VM stood still while its memory was saved")
        self.clocks.from_this_machine()

    def restore_state(self, name: str) -> None:
        self.snapshots.restore(name)
        self.progress("setting the clocks: each VM woke up at the time it was saved")
        self.clocks.from_this_machine()

    def delete_state(self, name: str) -> None:
        self.snapshots.delete(name)

    def reboot(self, host: str) -> None:
        """A real reboot; back when systemd says the VM is up again."""
        self.transport.exec(host, ["systemctl", "reboot"], timeout=60)  # the ssh connection drops with it
        self.hang_up([host])

        def back() -> bool:
            proc = self.transport.exec(host, ["systemctl", "is-system-running", "--wait"], timeout=120)
            return proc.stdout.decode().strip() in ("running", "degraded")

        if not retry.until(back, timeout=900, interval=3):
            raise LabError(f"{host} did not come back from its reboot within 900 s")

