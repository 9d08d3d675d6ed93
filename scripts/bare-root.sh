#!/usr/bin/env bash
# A bare Debian machine as a container image, for the fresh-machine rehearsal and the Containerfile's base when no
# registry is reachable: debootstrap's minbase with what a fresh install has and a lab's first run must leave
# alone (systemd-timesyncd, enabled), plus this machine's trust store and package-index settings (a workstation
# behind a proxy has its own). Built once per recipe; `podman image exists` says it is there.
#
#   scripts/bare-root.sh debian12|debian13      # prints the image's name: localhost/airgaplab-bare:debian13-<recipe>
set -euo pipefail
case ${1:-} in
  debian12) suite=bookworm ;;
  debian13) suite=trixie ;;
  *) echo "bare-root: which Debian? debian12 or debian13" >&2; exit 2 ;;
esac
mirror=${AIRGAPLAB_MIRROR:-http://deb.debian.org/debian}
include=systemd-timesyncd,ca-certificates,make  # make: the README's commands are make targets
recipe=$(printf '%s\n' "$suite" "$mirror" "$include" "$(sha256sum < "$0")" | sha256sum | cut -c1-10)
image=localhost/airgaplab-bare:$1-$recipe
if podman image exists "$image"; then echo "$image"; exit 0; fi
root=$(mktemp -d /var/tmp/airgaplab-bare-XXXXXX)
trap 'rm -rf "$root"' EXIT
echo "bare-root: debootstrap --variant=minbase $suite (about a minute)" >&2
debootstrap --variant=minbase --include="$include" "$suite" "$root" "$mirror" >/dev/null
cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
[[ -e /etc/pip.conf ]] && cp /etc/pip.conf "$root/etc/pip.conf"
for f in /etc/apt/apt.conf.d/*; do [[ -e $root$f ]] || cp "$f" "$root$f"; done
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*  # a fresh machine's lists are empty too
tar -C "$root" -c . | podman import -q - "$image" >/dev/null
echo "$image"
