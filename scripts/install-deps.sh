#!/usr/bin/env bash
# Install what the embedded (netns) lab and the tests need, if missing.
# Daemons are only installed here, never started on this machine: the lab
# runs its own chronyd/named inside its namespaces.
# --for-tests adds what the harness's own tests use: Vagrant and vagrant-libvirt
# (the Vagrantfile tests), Chromium (the report page test) and Node.js/npm (the
# Allure HTML report).
# --vm adds what the VM lab needs: Vagrant, vagrant-libvirt, libvirtd and qemu
# (never started on this machine: airgaplab starts a private libvirtd in a
# namespace of the lab's where no system one runs), dnsmasq, iptables, and the
# box builder's debootstrap, extlinux, qemu-img, sfdisk.
set -euo pipefail
for_tests=0 vm=0
for arg in "$@"; do
  case $arg in
    --for-tests) for_tests=1 ;;
    --vm) vm=1 ;;
    *) echo "install-deps: unknown option $arg (use --for-tests and/or --vm)" >&2; exit 2 ;;
  esac
done

need_root() {
  if [[ $(id -u) -ne 0 ]]; then
    echo "install-deps: missing packages ($*) and not root — run 'sudo make deps'" >&2
    exit 2
  fi
}

if command -v apt-get >/dev/null 2>&1; then
  # nano: the editor a student reaches for on a lab host (`dnf install -y nano` there finds it)
  pkgs=(chrony bind9 bind9-utils bind9-dnsutils iproute2 nftables iputils-ping util-linux tar make shellcheck nano tzdata)
  python3 -c 'import ensurepip, venv' 2>/dev/null || pkgs+=(python3-venv)
  (( for_tests )) && pkgs+=(vagrant vagrant-libvirt openssh-client chromium)
  (( for_tests )) && ! command -v npm >/dev/null && pkgs+=(nodejs npm)
  (( vm )) && pkgs+=(vagrant vagrant-libvirt libvirt-daemon-system libvirt-clients qemu-system-x86 qemu-utils
                     dnsmasq-base iptables openssh-client debootstrap extlinux syslinux-common fdisk e2fsprogs)
  missing=()
  for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  (( ${#missing[@]} )) || exit 0
  need_root "${missing[@]}"
  echo "install-deps: installing ${missing[*]}"
  # Keep package scripts from starting chronyd/named/libvirtd on this machine (exit 101 = action forbidden).
  policy=/usr/sbin/policy-rc.d
  had_policy=0; [[ -e $policy ]] && had_policy=1
  if (( ! had_policy )); then printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod +x "$policy"; fi
  trap '(( had_policy )) || rm -f "$policy"' EXIT
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
elif command -v dnf >/dev/null 2>&1; then
  pkgs=(chrony bind bind-utils bind-dnssec-utils iproute nftables iputils util-linux tar make ShellCheck nano tzdata)
  (( for_tests )) && pkgs+=(vagrant vagrant-libvirt openssh-clients chromium nodejs npm)
  (( vm )) && pkgs+=(vagrant vagrant-libvirt libvirt-daemon-kvm libvirt-client qemu-kvm qemu-img dnsmasq iptables-nft
                     debootstrap syslinux-extlinux util-linux e2fsprogs)
  missing=()
  for p in "${pkgs[@]}"; do rpm -q "$p" >/dev/null 2>&1 || missing+=("$p"); done
  (( ${#missing[@]} )) || exit 0
  need_root "${missing[@]}"
  dnf install -y -q "${missing[@]}"
else
  echo "install-deps: neither apt-get nor dnf here — install chrony, BIND 9 (named, dig, dnssec tools), iproute2" >&2
  exit 2
fi
