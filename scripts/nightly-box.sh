#!/usr/bin/env bash
# The nightly's box, pinned: downloaded once per box URL into DIR, its sha256 recorded on that first download
# and checked every night after, then added to Vagrant under the spec's box name from the file (never again from
# the URL: a `.latest` URL serves the next point release under the same name). A new Rocky point release is one
# line: the spec's vm.box_url (the cache key holds the URL, so a new one is downloaded and recorded anew).
#
#   scripts/nightly-box.sh SPEC DIR        # DIR: what the workflow caches (box file + its recorded sha256)
set -euo pipefail
spec=${1:?usage: nightly-box.sh SPEC DIR} dir=${2:?usage: nightly-box.sh SPEC DIR}
py=${PYTHON:-.venv/bin/python}
read -r name url pinned < <("$py" -c 'import sys; from airgaplab.lab.specfile import load_spec
vm = load_spec(sys.argv[1]).vm; print(vm.box, vm.box_url or "-", vm.box_checksum or "-")' "$spec")
[[ $url != - ]] || { echo "nightly-box: $spec sets no vm.box_url" >&2; exit 2; }
mkdir -p "$dir"
file=$dir/box.file record=$dir/box.sha256
if [[ ! -s $file || ! -s $record ]]; then
  echo "nightly-box: downloading $url (first night for this URL)"
  curl -fL --retry 3 --progress-bar -o "$file.part" "$url"
  mv "$file.part" "$file"
  sha256sum "$file" | cut -d' ' -f1 > "$record"
  echo "nightly-box: recorded sha256 $(cat "$record")"
fi
got=$(sha256sum "$file" | cut -d' ' -f1) want=$(cat "$record")
[[ $pinned == - || $pinned == "$want" ]] || { echo "nightly-box: the spec pins $pinned, the recorded box is $want" >&2; exit 1; }
if [[ $got != "$want" ]]; then
  echo "nightly-box: $file has sha256 $got, recorded $want on its first download — the cached box changed" >&2
  exit 1
fi
echo "nightly-box: $name is $url, sha256 $got (as recorded)"
if command -v vagrant >/dev/null; then
  vagrant box add --force --name "$name" --checksum-type sha256 --checksum "$got" "$file"
fi
