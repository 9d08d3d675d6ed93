# shellcheck shell=bash
# The units a netns lab host models, read once per shim run (builtins only): NetworkManager (the shims' own model,
# its PID file in pidfiles) and each service's daemon, described by its module —
# airgaplab/services/<name>/netns/<unit>.unit (description, aliases, pidfile, log, command, reload no) and <unit>.sh
# (start_<unit>, reload_<unit>) — which a host sees under /run/airgaplab/services.

SERVICES_DIR=/run/airgaplab/services
[[ -d $SERVICES_DIR ]] || SERVICES_DIR=$HERE/../../../services  # run on the machine: the package's own
declare -A PIDFILE=() ALIAS=() NO_RELOAD=() DESCRIPTION=([NetworkManager]="Network Manager") \
  COMMAND=([NetworkManager]="/usr/sbin/NetworkManager --no-daemon")
UNITS=(NetworkManager)  # as a boot starts them: the services by name (named before chronyd: admin's chronyd
                        # resolves its servers through named)
while read -r unit file; do
  [[ -z $unit || $unit == \#* ]] || PIDFILE[$unit]=$file
done < "$HERE/pidfiles"

for unit_file in "$SERVICES_DIR"/*/netns/*.unit; do
  [[ -e $unit_file ]] || continue
  unit=${unit_file##*/}; unit=${unit%.unit}
  while read -r key value; do
    case $key in
      description) DESCRIPTION[$unit]=$value ;;
      aliases) for alias in $value; do ALIAS[$alias]=$unit; done ;;
      pidfile) PIDFILE[$unit]=$value ;;
      command) COMMAND[$unit]=$value ;;
      reload) [[ $value != no ]] || NO_RELOAD[$unit]=1 ;;
    esac
  done < "$unit_file"
  UNITS+=("$unit")
done
unset unit_file unit key value alias
