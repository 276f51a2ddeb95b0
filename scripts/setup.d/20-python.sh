# The Python tools the tests use, in one venv under the cache folder.
# `packaging` is the reference implementation the differential tests compare
# against: pinned in requirements-dev.txt to the newest release we checked.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

py=${SPARKENV_HOST_PYTHON:-python3}
if [ ! -x "$SPARKENV_DEV_VENV/bin/python" ]; then
  log "python: creating $SPARKENV_DEV_VENV"
  "$py" -m venv "$SPARKENV_DEV_VENV"
fi
req="$SPARKENV_ROOT/scripts/setup.d/requirements-dev.txt"
stamp="$SPARKENV_DEV_VENV/.requirements.sha256"
want=$(sha256sum "$req" | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  log "python: installing $(grep -cv '^#' "$req") packages"
  "$SPARKENV_DEV_VENV/bin/pip" install -q --upgrade pip
  "$SPARKENV_DEV_VENV/bin/pip" install -q --upgrade -r "$req"
  echo "$want" > "$stamp"
fi
