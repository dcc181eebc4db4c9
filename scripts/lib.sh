# shellcheck shell=bash
# Shared helpers for the build scripts. Sourced, never executed.

ROOT="${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
BUILD="${BUILD:-$ROOT/build}"
KTREE="${KTREE:-$BUILD/linux}"
JOBS="${JOBS:-$(nproc)}"

# ccache shared across clones: paths are made relative to the clone so a
# fresh CI clone at another path still hits the cache.
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}"
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$ROOT}"
export CCACHE_NOHASHDIR=1
export CCACHE_MAXSIZE="${CCACHE_MAXSIZE:-8G}"
export CCACHE_SLOPPINESS="${CCACHE_SLOPPINESS:-time_macros,include_file_mtime,include_file_ctime}"

die() {
	echo "$(basename "$0"): $*" >&2
	exit 1
}

note() {
	echo "$(basename "$0"): $*"
}
