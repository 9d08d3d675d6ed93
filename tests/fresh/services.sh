#!/usr/bin/env bash
# What a machine's services are, as a fresh-machine rehearsal compares them before and after the README's command:
# installed packages, enabled units (every link under /etc/systemd/system and the rc.d dirs), unit files shipped.
set -euo pipefail
dpkg-query -W -f '${db:Status-Abbrev} package ${Package}\n' | awk '$1 == "ii" {print $2, $3}'
find /etc/systemd/system /etc/rc?.d -type l -printf 'enabled %p -> %l\n' 2>/dev/null | sort
find /usr/lib/systemd/system /lib/systemd/system -maxdepth 1 -type f -printf 'unit %f\n' 2>/dev/null | sort -u
