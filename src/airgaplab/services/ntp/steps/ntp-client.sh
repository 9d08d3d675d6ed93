#!/usr/bin/env bash
# NTP client (k8s nodes): chrony's only time source is the lab's NTP server.
set -euo pipefail
export STEP=ntp-client
# shellcheck source=provision/steps/lib.sh
source "${BASH_SOURCE[0]%/*}/lib.sh"  # steps run as `bash /path/step.sh`: a directory always
# shellcheck source=src/airgaplab/services/ntp/steps/chrony-lib.sh
source "${BASH_SOURCE[0]%/*}/chrony-lib.sh"

provision_chrony
