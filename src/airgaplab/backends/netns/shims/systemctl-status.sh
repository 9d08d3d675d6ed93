# shellcheck shell=bash
# The systemctl shim's views of its units (sourced by it for `status` and `list-units` only: the verbs a lab
# runs by the thousand as it comes up need none of this).

describe() { echo "${DESCRIPTION[$1]:-$1}"; }  # units.sh: each unit's


do_list() {  # list-units: the modelled units, active or failed ones (all with --all; failed ones with --failed)
  local u state sub n=0 lines=()
  for u in "${UNITS[@]}"; do
    state=$(state_of "$u")
    (( failed_only )) && [[ $state != failed ]] && continue
    (( all )) || [[ $state != inactive ]] || continue
    case $state in active) sub=running ;; failed) sub=failed ;; *) sub=dead ;; esac
    lines+=("$(printf '%s %-24s loaded %-8s %-7s %s' "$([[ $state == failed ]] && echo '●' || echo ' ')" \
               "$u.service" "$state" "$sub" "$(describe "$u")")")
    n=$((n + 1))
  done
  printf '  %-24s %-6s %-8s %-7s %s\n' UNIT LOAD ACTIVE SUB DESCRIPTION
  (( n )) && printf '%s\n' "${lines[@]}"
  echo
  echo "LOAD   = Reflects whether the unit definition was properly loaded."
  echo "ACTIVE = The high-level unit activation state, i.e. generalization of SUB."
  echo "SUB    = The low-level unit activation state, values depend on unit type."
  echo "$n loaded units listed. (airgaplab netns host: ${UNITS[*]} are modelled)"
}


# ago SECONDS: the age as systemd prints it ("38s ago", "2min 12s ago", "2h 43min ago", "3 days 1h ago")
ago() {
  local d=$1
  if (( d >= 86400 )); then
    local days=$(( d / 86400 )) h=$(( d % 86400 / 3600 ))
    printf '%s day%s%s ago' "$days" "$( (( days > 1 )) && echo s)" "$( (( h )) && echo " ${h}h")"
  elif (( d >= 3600 )); then printf '%sh%s ago' $(( d / 3600 )) "$( (( d % 3600 / 60 )) && echo " $(( d % 3600 / 60 ))min")"
  elif (( d >= 60 )); then printf '%smin%s ago' $(( d / 60 )) "$( (( d % 60 )) && echo " $(( d % 60 ))s")"
  else printf '%ss ago' "$d"; fi
}


# rocky_cmdline UNIT: the command line Rocky's unit runs (the real daemon here runs with -x and its own paths)
rocky_cmdline() { echo "${COMMAND[$1]}"; }


do_status() {
  local u=$1 pid desc cmd since failed when
  desc=$(describe "$u")
  if [[ -e $STATE/$u.enabled ]]; then enabled=enabled; else enabled=disabled; fi
  if ! main_pid "$u" >/dev/null && failed=$(failed_since "$u"); then
    read -r when pid <<<"$failed"
    echo "× $u.service - $desc"
    echo "     Loaded: loaded (/usr/lib/systemd/system/$u.service; $enabled; preset: enabled)"
    echo "     Active: failed (Result: exit-code) since $(date -d "@$when" '+%a %Y-%m-%d %H:%M:%S %Z'); $(ago $(( $(date +%s) - when )))"
    echo "    Process: $pid ExecStart=/usr/sbin/$u (code=exited, status=1/FAILURE)"
    echo
    journalctl -u "$u" -n 10 --no-pager 2>/dev/null
    return 3
  fi
  if pid=$(main_pid "$u"); then echo "● $u.service - $desc"; else echo "○ $u.service - $desc"; fi
  echo "     Loaded: loaded (/usr/lib/systemd/system/$u.service; $enabled; preset: enabled)"
  if pid=$(main_pid "$u"); then
    since=$(stat -c %Y "/proc/$pid")
    echo "     Active: active (running) since $(date -d "@$since" '+%a %Y-%m-%d %H:%M:%S %Z'); $(ago $(( $(date +%s) - since )))"
    cmd=$(rocky_cmdline "$u")
    echo "   Main PID: $pid ($u)"
    echo "     CGroup: /system.slice/$u.service"
    echo "             └─$pid $cmd"
    [[ $u == NetworkManager ]] || { echo; journalctl -u "$u" -n 5 --no-pager 2>/dev/null; }
    return 0
  fi
  echo "     Active: inactive (dead)"
  return 3
}
