#!/usr/bin/env bash
# VM base (Vagrant backend only; netns hosts get the same from their image):
# the hostname, /etc/hosts entries of the lab, the internal NIC (found by its
# MAC, configured with NetworkManager: a manual address and never a default
# route — Vagrant's own network configuration is wrong for this lab), and
# hardening beyond the study lab — SELinux enforcing and firewalld on, admin
# opening only dns and ntp to the internal network, where the OS has them
# (nothing is installed: nodes have no internet). HARDENING=0 reproduces the
# study lab (permissive, no firewalld).
set -euo pipefail
export STEP=base
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "${BASH_SOURCE[0]%/*}/lib.sh"  # steps run as `bash /path/step.sh`: a directory always

HARDENING=${HARDENING:-1}
: "${INTERNAL_NET:?INTERNAL_NET, the internal network of the lab, must be set}"
SERVICES=${SERVICES:-}  # firewalld services this host offers to the internal network, e.g. "dns ntp"
SYS_NET=${SYS_NET:-/sys/class/net} ETC_HOSTS=${ETC_HOSTS:-/etc/hosts}  # elsewhere only in the step's own test
: "${HOST_NAME:?HOST_NAME must be set}" "${INTERNAL_IP:?}" "${INTERNAL_PREFIX:?}" "${INTERNAL_MAC:?}"

# hostnamectl, not hostname: a minimal EL10 image need not have the `hostname` package; systemd is always there
if [[ $(</proc/sys/kernel/hostname) != "$HOST_NAME" ]]; then
  hostnamectl set-hostname "$HOST_NAME"
  log "hostname $HOST_NAME"
fi

# The management NIC (vagrant's ssh; admin's way out): a box may ship no NetworkManager profile for it
# (Rocky 10's is reported to), and the NIC then runs on a profile NetworkManager made up in memory
# ("Wired connection 1") — gone where a restart or reboot does not make it up again (`no-auto-default`).
# The profile it runs on now is kept on disk as `management`: the same profile, so nothing re-activates
# under this very ssh session.
for path in "$SYS_NET"/*; do
  dev=${path##*/}
  [[ -e $path/device && $(<"$path/address") != "${INTERNAL_MAC,,}" ]] || continue  # NICs, the internal one aside
  active=$(nmcli -t -f UUID,DEVICE,FILENAME connection show --active | awk -F: -v d="$dev" '$2 == d {print $1 ":" $3; exit}')
  if [[ -z $active ]]; then
    nmcli connection add type ethernet con-name management ifname "$dev" ipv4.method auto >/dev/null
    log "NetworkManager connection 'management': $dev, DHCP (it had none)"
  elif [[ ${active#*:} != /etc/* ]]; then
    nmcli connection modify "${active%%:*}" connection.id management connection.autoconnect yes
    log "NetworkManager connection 'management': $dev's DHCP profile kept on disk (it was in memory only)"
  fi
done

# The internal NIC: the one with the MAC the plan gave it.
nic=
for path in "$SYS_NET"/*; do [[ $(<"$path/address") == "${INTERNAL_MAC,,}" ]] && nic=${path##*/}; done
[[ -n $nic ]] || die "no NIC with MAC $INTERNAL_MAC (the internal network's)"
want="$INTERNAL_IP/$INTERNAL_PREFIX"
if ! nmcli -g ipv4.addresses connection show internal 2>/dev/null | grep -qx "$want"; then
  nmcli connection delete internal >/dev/null 2>&1 || true
  nmcli connection add type ethernet con-name internal ifname "$nic" autoconnect yes \
    ipv4.method manual ipv4.addresses "$want" ipv4.never-default yes ipv6.method disabled >/dev/null
  log "NetworkManager connection 'internal': $nic $want, never the default route"
fi
nmcli connection up internal >/dev/null

# /etc/hosts: one managed block (rendered with its BEGIN/END lines), replaced in place
block=$RENDERED/etc/hosts.airgaplab
[[ -f $block ]] || die "no rendered hosts block under $RENDERED"
begin='# BEGIN airgaplab' end='# END airgaplab'
if [[ $(sed -n "/^$begin\$/,/^$end\$/p" "$ETC_HOSTS" | sha256sum) != "$(sha256sum < "$block")" ]]; then
  sed -i "/^$begin\$/,/^$end\$/d" "$ETC_HOSTS"
  cat "$block" >> "$ETC_HOSTS"
  log "updated the airgaplab block in /etc/hosts"
fi

if [[ $HARDENING == 1 ]]; then
  if ! command -v getenforce >/dev/null; then
    log "no SELinux on this OS image: hardening goes without it"
  elif [[ $(getenforce) != Enforcing ]]; then
    sed -i 's/^SELINUX=.*/SELINUX=enforcing/' /etc/selinux/config
    setenforce 1 && log "SELinux enforcing"
  fi
  if ! command -v firewall-cmd >/dev/null; then
    log "no firewalld on this OS image: no host firewall (the daemons' own ACLs still apply)"
  fi
fi
if [[ $HARDENING == 1 ]] && command -v firewall-cmd >/dev/null; then
  systemctl is-enabled --quiet firewalld || systemctl enable firewalld
  systemctl is-active --quiet firewalld || systemctl start firewalld
  if [[ -n $SERVICES ]]; then
    changed=0
    firewall-cmd --permanent --zone=internal --query-source="$INTERNAL_NET" >/dev/null \
      || { firewall-cmd --permanent --zone=internal --add-source="$INTERNAL_NET" >/dev/null; changed=1; }
    for svc in $SERVICES; do
      firewall-cmd --permanent --zone=internal --query-service="$svc" >/dev/null \
        || { firewall-cmd --permanent --zone=internal --add-service="$svc" >/dev/null; changed=1; }
    done
    if [[ $changed == 1 ]]; then firewall-cmd --reload >/dev/null; log "firewalld: $SERVICES open to $INTERNAL_NET"; fi
  fi
elif [[ $HARDENING != 1 ]]; then
  if command -v getenforce >/dev/null && [[ $(getenforce) == Enforcing ]]; then
    sed -i 's/^SELINUX=.*/SELINUX=permissive/' /etc/selinux/config
    setenforce 0 && log "SELinux permissive (hardening: false)"
  fi
  if systemctl is-active --quiet firewalld 2>/dev/null; then
    systemctl disable --now firewalld && log "firewalld off (hardening: false)"
  fi
fi
