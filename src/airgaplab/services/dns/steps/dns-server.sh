#!/usr/bin/env bash
# DNS server (admin): BIND answers the internal network, forwards external
# names to the forwarders and validates DNSSEC; admin resolves through itself.
set -euo pipefail
export STEP=dns-server
# shellcheck source=provision/steps/lib.sh
source "${BASH_SOURCE[0]%/*}/lib.sh"  # steps run as `bash /path/step.sh`: a directory always
# the family's names and paths (the service passes them: Service.step_env); Rocky's when unset
: "${NAMED_PKGS:=bind bind-utils}" "${NAMED_SERVICE:=named}" "${NAMED_CONF:=/etc/named.conf}" "${NAMED_BAK:=/etc/named.bak}"

installing=0
if ! command -v named >/dev/null || ! command -v dig >/dev/null; then
  # shellcheck disable=SC2086  # word lists
  act $PKG_INSTALL $NAMED_PKGS
  installing=1
fi
# Validate before anything changes: a rejected config never reaches /etc or the running named. (Shown only, the
# step has installed nothing yet: a fresh Rocky host has no named-checkconf until `dnf install bind`.)
if ! planning || command -v named-checkconf >/dev/null; then
  named-checkconf "$RENDERED$NAMED_CONF" || die "named-checkconf rejects the new named.conf; nothing changed"
fi
if planning && (( installing )) && [[ ! -e $NAMED_CONF ]]; then
  shown cp "$NAMED_CONF" "$NAMED_BAK"  # the package brings the stock file the notes keep
else
  backup_once "$NAMED_CONF" "$NAMED_BAK"
fi
install_rendered "$NAMED_CONF"
if planning && [[ $CHANGED == 1 ]]; then shown named-checkconf "$NAMED_CONF"; fi  # the notes' check (run above)
ensure_service "$NAMED_SERVICE"
# Point admin at itself only once named answers, so nothing on admin loses DNS meanwhile. The lab also keeps
# NetworkManager off admin's resolv.conf; AS_THE_NOTES=1 (`airgaplab solve`) does the notes' step only.
if [[ ${AS_THE_NOTES:-0} != 1 ]]; then
  CHANGED=0
  networkmanager_dns_none
fi
CHANGED=0  # resolv.conf needs no restart
install_rendered /etc/resolv.conf
