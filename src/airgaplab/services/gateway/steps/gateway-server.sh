#!/usr/bin/env bash
# Gateway (admin): forwarding on and the internal network masqueraded out of admin's outside interface
# (GATEWAY_OPEN=1: the nftables ruleset, persisted), or the rule gone and forwarding off (GATEWAY_OPEN=0).
# A hardened host's firewalld (VMs) forwards nothing between its zones: the open gateway adds a policy that lets
# the internal network's traffic through, the closed one removes it.
set -euo pipefail
export STEP=gateway-server
# shellcheck source=provision/steps/lib.sh
source "${BASH_SOURCE[0]%/*}/lib.sh"  # steps run as `bash /path/step.sh`: a directory always

POLICY=airgaplab-gateway  # firewalld's: the internal zone's traffic forwarded to any other
firewalld_on() { command -v firewall-cmd >/dev/null && systemctl is-active --quiet firewalld 2>/dev/null; }

if [[ ${GATEWAY_OPEN:-0} == 1 ]]; then
  [[ $(sysctl -n net.ipv4.ip_forward) == 1 ]] || act sysctl -w net.ipv4.ip_forward=1
  # firewalld first: its reload is its own (the rule below comes after it)
  if firewalld_on && ! firewall-cmd --permanent --info-policy="$POLICY" >/dev/null 2>&1; then
    act firewall-cmd --permanent --new-policy="$POLICY"
    act firewall-cmd --permanent --policy="$POLICY" --add-ingress-zone=internal
    act firewall-cmd --permanent --policy="$POLICY" --add-egress-zone=ANY
    act firewall-cmd --permanent --policy="$POLICY" --set-target=ACCEPT
    act firewall-cmd --reload
    log "firewalld forwards the internal network"
  fi
  install_rendered "$NFTABLES_CONF"
  if [[ $CHANGED == 1 ]] || ! nft list table ip nat >/dev/null 2>&1; then
    act nft -f "$NFTABLES_CONF"
    log "admin masquerades $INTERNAL_NET"
  fi
else
  if nft list table ip nat >/dev/null 2>&1; then
    act nft delete table ip nat
    log "the masquerade rule is gone"
  fi
  if [[ -s $NFTABLES_CONF ]] && grep -q masquerade "$NFTABLES_CONF"; then
    act truncate -s 0 "$NFTABLES_CONF"
  fi
  if firewalld_on && firewall-cmd --permanent --info-policy="$POLICY" >/dev/null 2>&1; then
    act firewall-cmd --permanent --delete-policy="$POLICY"
    act firewall-cmd --reload
  fi
  [[ $(sysctl -n net.ipv4.ip_forward) == 0 ]] || act sysctl -w net.ipv4.ip_forward=0
fi
