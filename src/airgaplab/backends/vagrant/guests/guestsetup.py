"""What a box built here runs inside its new root (chroot) to be a Rocky-like lab guest: the vagrant user, sshd,
the services' units as Rocky leaves them installed, and nothing a lab VM does not need at boot."""

from __future__ import annotations

from airgaplab.lab.family import family
from airgaplab.services import registry

GUEST_SETUP = r"""
set -e
useradd -m -s /bin/bash vagrant
echo 'vagrant ALL=(ALL) NOPASSWD: ALL' > /etc/sudoers.d/vagrant
chmod 0440 /etc/sudoers.d/vagrant
install -d -m 0700 -o vagrant -g vagrant /home/vagrant/.ssh
install -m 0600 -o vagrant -g vagrant /tmp/vagrant.pub /home/vagrant/.ssh/authorized_keys
rm /tmp/vagrant.pub
echo 'UseDNS no' > /etc/ssh/sshd_config.d/airgaplab.conf
# a small initramfs (what a virtio disk with ext4 needs): the kernel unpacks it under emulation too
printf 'virtio_pci\nvirtio_blk\nvirtio_net\next4\n' >> /etc/initramfs-tools/modules
sed -i 's/^MODULES=.*/MODULES=list/' /etc/initramfs-tools/initramfs.conf
update-initramfs -u -k all >/dev/null 2>&1
# nothing a lab VM needs at boot (e2scrub_reap alone took ~30 s of an emulated boot)
systemctl mask e2scrub_reap.service e2scrub_all.timer apt-daily.timer apt-daily-upgrade.timer man-db.timer \
  fstrim.timer >/dev/null 2>&1
{services}systemctl enable NetworkManager.service ssh.service >/dev/null 2>&1
systemctl mask systemd-timesyncd.service >/dev/null 2>&1 || true
echo 'root:vagrant' | chpasswd
# A rehearsal of the Rocky 10 box's traits that matter to the harness: no `hostname` binary, and neither tar
# nor cmp (a minimal EL10 image need not have them: the steps and the host agent do without)
rm -f /usr/bin/hostname /usr/bin/tar /usr/bin/cmp
"""


def _services_at_boot() -> str:
    """Like Rocky: each service's unit as installing its package leaves it (chrony on with its stock config; named
    off until the DNS step enables it)."""
    fam = family("debian12")
    return "".join(f"systemctl {'enable' if s.enabled_when_installed else 'disable'} {unit}.service >/dev/null 2>&1"
                   " || true\n" for s in registry.every() if (unit := s.unit(fam)))


def guest_setup() -> str:
    """The setup script, with each service's unit enabled or not as its package leaves it."""
    return GUEST_SETUP.replace("{services}", _services_at_boot())
