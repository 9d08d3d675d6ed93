"""ssh to the VMs: Vagrant's ssh-config, read once, and one multiplexed connection per host."""

from __future__ import annotations

import shlex
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path

from airgaplab.errors import LabError
from airgaplab.paths import project_root


class SshChannels:
    """ssh argv for a lab's VMs; `close` ends the shared connections."""

    def __init__(self, state_dir: Path, vagrant_exe: Callable[[], str], env: Callable[[], dict[str, str]]) -> None:
        self.dir, self._vagrant_exe, self._env = state_dir, vagrant_exe, env
        self._config: Path | None = None
        self._lock = threading.Lock()

    def forget(self) -> None:
        """Read the ssh-config again on next use (the machines were re-created)."""
        self._config = None

    def config(self) -> Path:
        """The lab's ssh-config file, asking vagrant once (it is slow, and locks its machines)."""
        with self._lock:
            cached = self.dir / "ssh_config"
            if self._config is None and cached.exists():  # written once the machines booted
                self._config = cached
            if self._config is None:
                # python-vagrant's ssh_config() swallows errors: run vagrant ourselves and check.
                proc = subprocess.run([self._vagrant_exe(), "ssh-config"], cwd=project_root(), env=self._env(),
                                      capture_output=True, text=True)
                if proc.returncode != 0 or "HostName" not in proc.stdout:
                    raise LabError(f"vagrant ssh-config failed: {proc.stderr.strip() or 'no hosts'} — is the lab up?")
                cached.write_text(proc.stdout)
                self._config = cached
            return self._config

    def options(self) -> list[str]:
        # one connection per host, reused: an emulated guest takes seconds per ssh handshake. Named by the host
        # alone (%n): %C hashes in the local hostname, which differs inside a private hypervisor's namespace,
        # and `close` from outside would not find the master
        return ["-o", "LogLevel=ERROR", "-o", "ControlMaster=auto", "-o", f"ControlPath={self.dir}/cm-%n",
                "-o", "ControlPersist=15m"]

    def argv(self, host: str, command: str, *, tty: bool = False) -> list[str]:
        """ssh argv running `command` as root on `host`."""
        return ["ssh", *(["-t"] if tty else []), "-F", str(self.config()), *self.options(), host,
                f"sudo sh -c {shlex.quote(command)}"]

    def close(self, hosts: list[str]) -> None:
        """End the shared connections (their masters would outlive the lab)."""
        cfg = self.dir / "ssh_config"
        if cfg.exists():
            for h in hosts:
                subprocess.run(["ssh", "-F", str(cfg), *self.options(), "-O", "exit", h], capture_output=True,
                               timeout=30)
