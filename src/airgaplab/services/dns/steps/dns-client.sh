#!/usr/bin/env bash
# DNS client (k8s nodes): NetworkManager leaves resolv.conf alone, and
# resolv.conf names the lab's DNS server.
set -euo pipefail
export STEP=dns-client
# shellcheck source=provision/steps/lib.sh
source "${BASH_SOURCE[0]%/*}/lib.sh"  # steps run as `bash /path/step.sh`: a directory always

networkmanager_dns_none
install_rendered /etc/resolv.conf
