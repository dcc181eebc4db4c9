#!/bin/bash
# Install exactly what the project needs on Debian 12. Idempotent: packages
# already present are skipped without touching the network.
set -euo pipefail

# Tested kernel source version; used when the archive still carries it,
# otherwise the newest 6.12 is taken and recorded by the tree step.
PREFERRED_LINUX_SOURCE="${PREFERRED_LINUX_SOURCE:-6.12.117-1~deb12u1}"

PKGS=(
	linux-source-6.12
	# kernel build
	build-essential bc bison flex libelf-dev libssl-dev dwarves cpio kmod
	python3 rsync xz-utils patch quilt ccache sparse
	# VM and tracing
	qemu-system-x86 bpftrace trace-cmd
	# tools and tests
	jq libdrm-dev libjson-c-dev pkg-config cppcheck shellcheck clang llvm libclang-rt-14-dev groff-base
	procps zsh
)

missing=()
for p in "${PKGS[@]}"; do
	[[ "$p" == \#* ]] && continue
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed'; then
		missing+=("$p")
	fi
done

if ((${#missing[@]} == 0)); then
	exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then
	SUDO="sudo"
fi

echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
want=()
for p in "${missing[@]}"; do
	if [[ "$p" == linux-source-6.12 ]] &&
	   apt-cache show "linux-source-6.12=$PREFERRED_LINUX_SOURCE" >/dev/null 2>&1; then
		want+=("linux-source-6.12=$PREFERRED_LINUX_SOURCE")
	else
		want+=("$p")
	fi
done
$SUDO apt-get install -y -qq --no-install-recommends "${want[@]}"
