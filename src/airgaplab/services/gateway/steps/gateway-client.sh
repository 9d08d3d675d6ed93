#!/usr/bin/env bash
# Gateway (k8s nodes): the default route through admin (GATEWAY_OPEN=1), or no default route (GATEWAY_OPEN=0).
set -euo pipefail
export STEP=gateway-client
# shellcheck source=provision/steps/lib.sh
source "${BASH_SOURCE[0]%/*}/lib.sh"  # steps run as `bash /path/step.sh`: a directory always

if [[ ${GATEWAY_OPEN:-0} == 1 ]]; then
  if [[ $(ip -4 route show default) != "default via $GATEWAY_IP "* ]]; then
    act ip route replace default via "$GATEWAY_IP"
    log "default route via $GATEWAY_IP"
  fi
elif [[ -n $(ip -4 route show default) ]]; then
  act ip route del default
  log "no default route"
fi
