#!/usr/bin/env bash
# Shared helpers for the provisioning steps. Sourced, never run.
# Rendered files are staged under $RENDERED by the backend (same path on VMs
# and netns hosts); a step installs them with the helpers below.

RENDERED=${RENDERED:-/var/lib/airgaplab/rendered}
export CHANGED=0
# The OS family's package manager (airgaplab.family passes it; each service its own names and paths); Rocky's
# when unset.
: "${PKG_INSTALL:=dnf install -y}"

log() { planning || printf '[%s] %s\n' "${STEP:-step}" "$*"; }
die() { printf '[%s] ERROR: %s\n' "${STEP:-step}" "$*" >&2; exit 1; }

# PLAN_ONLY=1: run nothing that changes the host; print each command the step would run, as a student types
# it (`$ cp /etc/chrony.conf /etc/chrony.bak`), so that `airgaplab solve` shows a step before it applies it.
planning() { [[ ${PLAN_ONLY:-0} == 1 ]]; }
shown() { printf '$ %s\n' "$*"; }

# act CMD...: run it, or under PLAN_ONLY show it
act() {
  if planning; then shown "$@"; else "$@"; fi
}

# backup_once FILE BAK: keep the distribution's original; never overwrite a first backup.
backup_once() {
  local file=$1 bak=$2
  if [[ -e $file && ! -e $bak ]]; then
    if planning; then shown cp "$file" "$bak"; return 0; fi
    cp -p -- "$file" "$bak"
    log "kept the original $file as $bak"
  fi
}

# same_file A B: the same text. Bash builtins only: a minimal EL10 image need not have diffutils' cmp, and a
# process per file compared is most of a step's time on a netns host (a lab of 100 nodes compares 300).
same_file() {
  [[ -f $1 && -f $2 ]] || return 1
  local -a a b
  mapfile a < "$1"
  mapfile b < "$2"
  local IFS=  # "${a[*]}" is then the file's text exactly: mapfile keeps each line's newline
  [[ "${a[*]}" == "${b[*]}" ]]
}

# install_rendered PATH: copy the staged rendering of PATH into place if it differs.
# Writing through the existing file keeps its owner, group and mode (e.g. root:named 0640).
install_rendered() {
  local dest=$1 src=$RENDERED$1
  [[ -f $src ]] || die "no rendered $dest under $RENDERED (the backend stages it before the step runs)"
  if same_file "$src" "$dest"; then
    log "$dest already up to date"
    return 0
  fi
  if planning; then shown "cat > $dest"; CHANGED=1; return 0; fi
  [[ -d ${dest%/*} ]] || mkdir -p -- "${dest%/*}"  # dest is absolute
  if [[ -e $dest ]]; then
    local -a text
    mapfile text < "$src"
    printf '%s' "${text[@]}" > "$dest"  # the text exactly, by builtins (no `cat` per file)
  else
    install -m 0644 -- "$src" "$dest"
  fi
  # SELinux hosts: give the new content the file context policy expects.
  if command -v restorecon >/dev/null 2>&1; then restorecon -F "$dest" 2>/dev/null || true; fi
  CHANGED=1
  log "installed $dest"
}

# ensure_service UNIT: enabled, and running the current configuration (as the notes say it: `enable --now` for a
# service neither enabled nor running).
ensure_service() {
  local unit=$1 enabled=1 active=1
  systemctl is-enabled --quiet "$unit" 2>/dev/null || enabled=0
  systemctl is-active --quiet "$unit" 2>/dev/null || active=0
  if [[ $enabled == 0 && $active == 0 ]]; then
    act systemctl enable --now "$unit"
    log "enabled and started $unit"
    return 0
  fi
  [[ $enabled == 1 ]] || act systemctl enable "$unit"
  if [[ $CHANGED == 1 ]]; then
    act systemctl restart "$unit"
    log "restarted $unit"
  elif [[ $active == 0 ]]; then
    act systemctl start "$unit"
    log "started $unit"
  fi
}

# networkmanager_dns_none: the drop-in that keeps NetworkManager off resolv.conf, in effect at once.
networkmanager_dns_none() {
  install_rendered /etc/NetworkManager/conf.d/99-dns-none.conf
  if [[ $CHANGED == 1 ]] && systemctl is-active --quiet NetworkManager; then
    act systemctl restart NetworkManager
    log "restarted NetworkManager"
  fi
}
