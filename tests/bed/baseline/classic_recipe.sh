#!/usr/bin/env bash
# The classic wheel recipe for shipping Python dependencies to PySpark
# executors, done the way users do it by hand: our comparison point.
#
#   classic_recipe.sh -r REQUIREMENTS -o OUT [-p PYTHON_VERSION] [-a APP_FILE_OR_DIR]...
#                     [--put HDFS_FOLDER]
#
#   1. pip download the wheels for the cluster's Python and platform
#      (CPython PYTHON_VERSION, default 3.11, manylinux up to glibc 2.28) into OUT/wheels;
#      from $BED_PYPI_URL when set (the bed's mirror), else from pip's own index
#   2. unzip every wheel into one folder, OUT/site, and copy the application's
#      own modules (-a) beside them
#   3. with --put: `hdfs dfs -put OUT/site HDFS_FOLDER` (`hdfs` from PATH, else
#      Hadoop's FsShell from $BED_HADOOP_CLASSPATH or $SPARK_HOME/jars, with
#      $HADOOP_CONF_DIR)
#
# Then: spark-submit ... activate_env.py HDFS_FOLDER package.module[:function] args...
# Prints the seconds each step took, one "step: N.NN s" line each, on stderr.
set -euo pipefail

req= out= pyver=3.11 put= apps=()
while [ $# -gt 0 ]; do
  case $1 in
    -r) req=$2; shift 2 ;;
    -o) out=$2; shift 2 ;;
    -p) pyver=$2; shift 2 ;;
    -a) apps+=("$2"); shift 2 ;;
    --put) put=$2; shift 2 ;;
    *) echo "classic_recipe.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
[ -n "$req" ] && [ -n "$out" ] || { echo "usage: classic_recipe.sh -r REQUIREMENTS -o OUT [-p 3.11] [-a APP]... [--put HDFS_FOLDER]" >&2; exit 2; }
[[ $pyver =~ ^3\.[0-9]+$ ]] || { echo "classic_recipe.sh: python version '$pyver': expected 3.N" >&2; exit 2; }

PIP=${PIP:-python3 -m pip}
abi=cp${pyver/./}
t0=$(date +%s.%N)
step() { local now; now=$(date +%s.%N); printf '%s: %.2f s\n' "$1" "$(echo "$now - $t0" | bc)" >&2; t0=$now; }

# pip takes platform tags literally: list every manylinux tag the cluster accepts.
platforms=()
for minor in $(seq 28 -1 17); do platforms+=(--platform "manylinux_2_${minor}_x86_64"); done
platforms+=(--platform manylinux2014_x86_64 --platform manylinux_2_12_x86_64 --platform manylinux2010_x86_64
            --platform manylinux_2_5_x86_64 --platform manylinux1_x86_64)

rm -rf "$out/wheels" "$out/site"
mkdir -p "$out/wheels" "$out/site"
# With the bed's mirror, it is the only index (no extra find-links either).
[ -z "${BED_PYPI_URL:-}" ] || unset PIP_FIND_LINKS PIP_EXTRA_INDEX_URL
$PIP download -q --disable-pip-version-check ${BED_PYPI_URL:+--index-url "$BED_PYPI_URL"} \
  --only-binary=:all: --implementation cp --python-version "$pyver" --abi "$abi" "${platforms[@]}" \
  -d "$out/wheels" -r "$req"
step download

for whl in "$out"/wheels/*.whl; do unzip -q -o "$whl" -d "$out/site"; done
for app in "${apps[@]}"; do cp -r "$app" "$out/site/"; done
step unzip

if [ -n "$put" ]; then
  if command -v hdfs >/dev/null; then
    hdfs_dfs() { hdfs dfs "$@"; }
  else
    cp=${BED_HADOOP_CLASSPATH:+$BED_HADOOP_CLASSPATH/*}
    cp=${cp:-${SPARK_HOME:?need hdfs on PATH, BED_HADOOP_CLASSPATH or SPARK_HOME}/jars/*}
    hdfs_dfs() { "${JAVA_HOME:+$JAVA_HOME/bin/}java" -cp "${HADOOP_CONF_DIR:+$HADOOP_CONF_DIR:}$cp" \
                   org.apache.hadoop.fs.FsShell "$@"; }
  fi
  hdfs_dfs -rm -r -f -skipTrash "$put" >/dev/null 2>&1 || true
  hdfs_dfs -mkdir -p "$(dirname "$put")"
  hdfs_dfs -put "$out/site" "$put"
  step put
fi
