# shellcheck shell=bash disable=SC2154  # REAL, RUN_USER, RUN_GROUP: the systemctl shim's
# chronyd on a netns lab host, as the systemctl shim starts it (sourced by it; its helpers: run_user, wait_for,
# main_pid, start_failed, REAL; no reload: chronyd.unit). chronyd always runs with -x: every namespace shares the
# machine's clock, which the lab must never touch.

start_chronyd() {
  local pid
  run_user _chrony chrony
  install -d -m 0750 -o "$RUN_USER" -g "$RUN_GROUP" /run/chrony
  [[ -d /var/lib/chrony && -d /var/log/chrony ]] || install -d -o "$RUN_USER" /var/lib/chrony /var/log/chrony
  # -l: no syslog in a netns host, so chronyd logs to a file (`Selected source …`, and a fatal error)
  (exec -a /usr/sbin/chronyd "$REAL/sbin/chronyd" -x -u "$RUN_USER" -f /etc/chrony.conf \
     -l /var/log/chrony/chronyd.log </dev/null) & pid=$!
  wait "$pid" || { start_failed chronyd "$pid"; return 1; }
  wait_for 5 main_pid chronyd >/dev/null && wait_for 5 test -S /run/chrony/chronyd.sock
}
