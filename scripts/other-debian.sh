#!/usr/bin/env bash
# The README's test command and the linters on the *other* Debian release, in a chroot:
# Debian 13 (trixie: R 4.5, lme4 1.1-37, rpy2 3.6, Python 3.13) from a Debian 12 machine, or
# Debian 12 (bookworm: R 4.2, lme4 1.1-31, rpy2 3.5, Python 3.11) from a Debian 13 one.
#
#   bash scripts/other-debian.sh
#
# As root (debootstrap, chroot and mount need it). Steps:
#   1. a minimal system (debootstrap --variant=minbase, with only python3 and ca-certificates
#      added), kept as a pristine copy in $OTHER_DEBIAN_DIR for the next run, copied fresh
#      for each run; the host's DNS settings and local certificate authorities go in;
#   2. receipts made here, by this machine's pylme (tests/cross_release.py), for the other
#      release to verify (tests/test_receipts_cross_release.py);
#   3. a fresh clone of this repository's HEAD (committed work only) in the chroot, where
#      `bash scripts/setup.sh test`, `bash scripts/lint.sh` and `bash scripts/setup.sh demo`
#      run as a new user runs them (the demo is also the proxy for docker/Dockerfile).
# Everything it mounts is unmounted when it ends, on failure too.
#
# Environment: OTHER_DEBIAN_DIR (default /var/tmp/pylme-other-debian), OTHER_DEBIAN_RELEASE
# (bookworm or trixie; default: the one this machine is not), PYLME_VENV (this machine's
# venv, default .venv, made by `bash scripts/setup.sh test`). Extra arguments go to pytest.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
say() { printf '[other-debian] %s\n' "$*"; }
die() { say "$*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run as root: debootstrap, chroot and mount need it"
[ -r /etc/debian_version ] || die "this is not a Debian machine"
host_major="$(cut -d. -f1 /etc/debian_version)"
case "$host_major" in
  12) default_release=trixie ;;
  13) default_release=bookworm ;;
  *) die "host Debian $(cat /etc/debian_version): only Debian 12 and 13 are supported" ;;
esac
release="${OTHER_DEBIAN_RELEASE:-$default_release}"
case "$release" in bookworm|trixie) ;; *) die "OTHER_DEBIAN_RELEASE must be bookworm or trixie" ;; esac
work="${OTHER_DEBIAN_DIR:-/var/tmp/pylme-other-debian}"
base="$work/base-$release"
target="$work/$release"
venv="${PYLME_VENV:-$root/.venv}"
[ -x "$venv/bin/python" ] || die "no venv at $venv: run 'bash scripts/setup.sh test' first"

mounted=()
cleanup() {
  local i
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
    umount -R "${mounted[$i]}" 2>/dev/null || umount -lR "${mounted[$i]}" 2>/dev/null || true
  done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Refuse to delete a tree that still has something mounted below it (a killed earlier run).
if [ -d "$target" ] && grep -q " $target/" /proc/self/mounts; then
  say "unmounting what an earlier run left mounted under $target"
  grep " $target/" /proc/self/mounts | awk '{print $2}' | sort -r | while read -r m; do
    umount -lR "$m" 2>/dev/null || true
  done
fi

# 1. The minimal system.
if [ ! -f "$base/.pylme-base-ok" ]; then
  command -v debootstrap >/dev/null 2>&1 || {
    say "installing debootstrap"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap
  }
  say "debootstrap --variant=minbase $release (python3 and ca-certificates added)"
  rm -rf "$base.tmp"
  mkdir -p "$work"
  debootstrap --variant=minbase --include=python3,ca-certificates "$release" "$base.tmp" \
    >"$work/debootstrap.log" 2>&1 || { tail -20 "$work/debootstrap.log"; die "debootstrap failed"; }
  touch "$base.tmp/.pylme-base-ok"
  rm -rf "$base"
  mv "$base.tmp" "$base"
fi
say "fresh copy of the $release system at $target"
rm -rf "$target"
cp -a "$base" "$target"
cp /etc/resolv.conf "$target/etc/resolv.conf"
mkdir -p "$target/usr/local/share/ca-certificates"
if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
  cp /usr/local/share/ca-certificates/*.crt "$target/usr/local/share/ca-certificates/"
fi
mount -t proc proc "$target/proc" && mounted+=("$target/proc")
mount --rbind /sys "$target/sys" && mount --make-rslave "$target/sys" && mounted+=("$target/sys")
mount --rbind /dev "$target/dev" && mount --make-rslave "$target/dev" && mounted+=("$target/dev")
in_chroot() {
  chroot "$target" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 CI="${CI:-}" \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$@"
}
in_chroot update-ca-certificates >/dev/null

# 2. Receipts from this machine, for the other release to verify.
say "making receipts with this machine's pylme ($(cat /etc/debian_version))"
(cd "$root" && "$venv/bin/python" tests/cross_release.py make "$target/src/receipts")

# 3. A fresh clone, and the README's two steps.
say "cloning $(git -C "$root" rev-parse --short HEAD) into the chroot"
git clone -q "$root" "$target/src/pylme"
if [ -d "$root/../shared" ]; then cp -a "$root/../shared" "$target/src/shared"; fi
say "bash scripts/setup.sh test, bash scripts/lint.sh, bash scripts/docs.sh, then bash scripts/setup.sh demo, on $release"
in_chroot env PYLME_FOREIGN_RECEIPTS=/src/receipts bash -c \
  'cd /src/pylme && bash scripts/setup.sh test "$@" && bash scripts/lint.sh &&
   bash scripts/docs.sh && bash scripts/setup.sh demo' bash "$@"
say "passed on $release"
