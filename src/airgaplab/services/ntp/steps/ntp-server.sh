#!/usr/bin/env bash
# NTP server (admin): chrony synchronizes from the upstream servers and serves
# the internal network, falling back to its local clock at `local stratum`.
set -euo pipefail
export STEP=ntp-server
# shellcheck source=provision/steps/lib.sh
source "${BASH_SOURCE[0]%/*}/lib.sh"  # steps run as `bash /path/step.sh`: a directory always
# shellcheck source=src/airgaplab/services/ntp/steps/chrony-lib.sh
source "${BASH_SOURCE[0]%/*}/chrony-lib.sh"

provision_chrony
