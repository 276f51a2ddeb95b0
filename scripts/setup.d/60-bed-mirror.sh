# The test bed's PyPI mirror: real wheels and sdists from PyPI for the
# requirement sets in tests/bed/mirror/sets/, downloaded once into
# $SPARKENV_DEV_CACHE/mirror (about 490 MB). Idempotent: a stamp keyed on the
# sets skips everything when nothing changed. The lock index ($SPARKENV_DEV_CACHE/mirror/lock,
# sets/lock-*.txt, mostly metadata-only, ~340 MB of cp311 wheels) has its own stamp. Then the
# scenario indexes.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

py=$SPARKENV_DEV_VENV/bin/python
nice "$py" "$SPARKENV_ROOT/tests/bed/mirror/build_mirror.py" --root "$SPARKENV_DEV_CACHE/mirror"
"$py" "$SPARKENV_ROOT/tests/bed/mirror/scenarios.py" --out "$SPARKENV_DEV_CACHE/mirror/scenarios"
