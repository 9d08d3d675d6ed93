# shellcheck shell=bash
# chrony's step, sourced by ntp-server.sh and ntp-client.sh after lib.sh.

# the family's names and paths (the service passes them: Service.step_env); Rocky's when unset
: "${CHRONY_PKG:=chrony}" "${CHRONY_SERVICE:=chronyd}" "${CHRONY_CONF:=/etc/chrony.conf}" "${CHRONY_BAK:=/etc/chrony.bak}"

# provision_chrony: the whole chrony step; server and client differ only in the rendered file.
provision_chrony() {
  # shellcheck disable=SC2086  # PKG_INSTALL and CHRONY_PKG are word lists
  command -v chronyd >/dev/null || act $PKG_INSTALL $CHRONY_PKG
  chronyd -p -f "$RENDERED$CHRONY_CONF" >/dev/null || die "the new chrony.conf does not parse (chronyd -p); nothing changed"
  backup_once "$CHRONY_CONF" "$CHRONY_BAK"
  install_rendered "$CHRONY_CONF"
  [[ -d /var/log/chrony ]] || act mkdir -p /var/log/chrony
  ensure_service "$CHRONY_SERVICE"
}
