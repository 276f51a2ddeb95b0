# Shared settings for the project's scripts. Source it; do not run it.
# Downloads and tool environments live outside the repository, in one cache
# folder that survives fresh clones: $SPARKENV_DEV_CACHE (default
# ~/.cache/sparkenv-dev).
SPARKENV_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export SPARKENV_ROOT
export SPARKENV_DEV_CACHE=${SPARKENV_DEV_CACHE:-$HOME/.cache/sparkenv-dev}
# The Python tools the tests use (packaging, pytest, boto3, ...): one venv.
export SPARKENV_DEV_VENV=$SPARKENV_DEV_CACHE/venv-dev
export SPARKENV_BUILD_DIR=${SPARKENV_BUILD_DIR:-$SPARKENV_ROOT/build}
mkdir -p "$SPARKENV_DEV_CACHE"

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Runs a command as root (directly when we are root, else through sudo).
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}
