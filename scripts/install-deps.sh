#!/usr/bin/env bash
# Installs every build and test dependency of the iorec toolkit on
# Debian/Ubuntu. Idempotent and quiet when everything is present.
#
#   scripts/install-deps.sh              install what is missing
#   scripts/install-deps.sh --if-missing same (used by make check/demo)
#   scripts/install-deps.sh --list       print the package list
#
# RHEL family (dnf): libzstd-devel libarchive-devel hdf5-devel hdf5
# ncurses-devel check-devel libbpf-devel bpftool clang llvm elfutils-libelf-devel
# zlib-devel pkgconf tmux fio sysstat python3-h5py jq strace openmpi-devel
set -eu
PKGS=(build-essential pkg-config zstd libzstd-dev libarchive-dev libhdf5-dev hdf5-tools
      libncurses-dev check libbpf-dev bpftool clang llvm libelf-dev zlib1g-dev
      tmux fio sysstat python3 python3-h5py python3-numpy python3-pandas jq strace bpftrace linux-perf
      openmpi-bin libopenmpi-dev)

if [[ ${1:-} == --list ]]; then printf '%s\n' "${PKGS[@]}"; exit 0; fi

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
((${#missing[@]} == 0)) && exit 0

if ! command -v apt-get >/dev/null; then
	echo "install-deps: no apt-get here; install these packages by hand: ${missing[*]}" >&2
	exit 1
fi
SUDO=
if ((EUID != 0)); then
	command -v sudo >/dev/null || { echo "install-deps: need root to install: ${missing[*]}" >&2; exit 1; }
	SUDO=sudo
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
# linux-perf and bpftrace are only used by benchmarks: do not fail on them.
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 ||
	$SUDO apt-get install -y -qq --no-install-recommends \
		$(printf '%s\n' "${missing[@]}" | grep -vxE 'linux-perf|bpftrace') >/dev/null
