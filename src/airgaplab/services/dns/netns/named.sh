# shellcheck shell=bash disable=SC2154  # REAL, RUN_USER, RUN_GROUP: the systemctl shim's
# named on a netns lab host, as the systemctl shim starts and reloads it (sourced by it; its helpers: run_user,
# wait_for, main_pid, start_failed, REAL).

# shellcheck disable=SC2317  # called through wait_for
answers() {  # named answers (even REFUSED) on the first address it listens on
  local addr
  addr=$(ss -H -4 -uln 'sport = :53' | awk '{split($4, a, ":"); print a[1]; exit}')
  [[ $addr == 0.0.0.0 || $addr == '*' || -z $addr ]] && addr=127.0.0.1
  "$REAL/bin/dig" +time=1 +tries=1 +norec "@$addr" localhost. SOA >/dev/null
}

start_named() {
  local pid
  run_user bind named
  install -d -m 0775 -o "$RUN_USER" -g "$RUN_GROUP" /run/named
  (exec -a /usr/sbin/named "$REAL/sbin/named" -u "$RUN_USER" -c /etc/named.conf \
     -L /var/named/data/named.log </dev/null) & pid=$!
  wait "$pid" || { start_failed named "$pid"; return 1; }
  # as the real unit: back once named answers, so a `dig` right after works
  wait_for 10 main_pid named >/dev/null && wait_for 10 listening 53 || return 1
  wait_for 10 answers || true  # an ACL may refuse us: any answer, or giving up, ends the wait
}

reload_named() {  # as Rocky's unit: named checks its config, then takes SIGHUP
  local pid=$1
  named-checkconf -z /etc/named.conf >/dev/null 2>&1 || {
    echo "Job for named.service failed because the control process exited with error code." >&2
    echo "See \"systemctl status named.service\" and \"journalctl -xeu named.service\" for details." >&2
    return 1; }
  kill -HUP "$pid"
}
