# The test bed's Spark: one venv per pinned version (BED_SPARK_VERSIONS in
# tests/bed/lib.sh) holding only `pyspark` and its `py4j` dependency. That
# venv's python is the "system Python" of the bed's workers, so it must stay
# free of anything else (the baseline test asserts it cannot import pandas).
# SPARK_HOME is the installed pyspark package folder; it is recorded in
# <venv>/SPARK_HOME for scripts that do not want to ask Python.
# Idempotent; pip's cache (downloads and the wheels built from pyspark's
# sdist) lives under $SPARKENV_DEV_CACHE/pip so a fresh clone re-uses them.
set -euo pipefail
source "$(dirname "$0")/../../tests/bed/lib.sh"

py=${SPARKENV_HOST_PYTHON:-python3}
export PIP_CACHE_DIR=$SPARKENV_DEV_CACHE/pip
for ver in "${BED_SPARK_VERSIONS[@]}"; do
  venv=$(bed_spark_venv "$ver")
  if [ -x "$venv/bin/python" ] && [ -f "$venv/SPARK_HOME" ] &&
     [ "$("$venv/bin/python" -c 'import pyspark; print(pyspark.__version__)' 2>/dev/null)" = "$ver" ]; then
    continue
  fi
  log "bed-spark: installing pyspark $ver into $venv"
  [ -x "$venv/bin/python" ] || "$py" -m venv "$venv"
  "$venv/bin/python" -m pip install -q "pyspark==$ver"
  extra=$("$venv/bin/python" -m pip list --format=freeze --exclude-editable |
          grep -viE '^(pyspark|py4j|pip|setuptools|wheel)==' || true)
  [ -z "$extra" ] || die "bed-spark: $venv has more than pyspark and py4j: $extra"
  "$venv/bin/python" -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))' > "$venv/SPARK_HOME"
  log "bed-spark: SPARK_HOME=$(cat "$venv/SPARK_HOME")"
done
