# The test bed's Java pieces from Maven Central: Hadoop's minicluster (HDFS +
# YARN) and s3proxy. Each small pom under tests/bed/ is resolved with
# `dependency:copy-dependencies` into its own folder of jars,
#   $SPARKENV_DEV_CACHE/bed-jars/hadoop-<version>/
#   $SPARKENV_DEV_CACHE/bed-jars/s3proxy-<version>/
# with Maven's local repository in $SPARKENV_DEV_CACHE/m2. A folder is complete
# when its stamp file holds the sha256 of the pom it came from; then it is
# skipped. The service scripts find the folders with bed_jars (tests/bed/lib.sh).
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
source "$SPARKENV_ROOT/tests/bed/lib.sh"

command -v mvn >/dev/null || die "mvn not found (scripts/setup.d/10-debian.sh installs maven)"

# resolve POM FOLDER: copies POM's dependencies into FOLDER unless its stamp matches.
resolve() {
  local pom=$1 dir=$2 want tmp mvnlog
  want=$(sha256sum "$pom" | cut -d' ' -f1)
  if [ "$(cat "$dir/.pom.sha256" 2>/dev/null)" = "$want" ]; then return 0; fi
  log "maven: resolving $(basename "$(dirname "$pom")") into $dir"
  tmp="$dir.tmp.$$"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  mvnlog="$SPARKENV_DEV_CACHE/bed-jars/maven-$(basename "$dir").log"
  if ! JAVA_HOME=$JAVA_HOME nice mvn -B -q -f "$pom" \
      -Dmaven.repo.local="$SPARKENV_DEV_CACHE/m2" \
      dependency:copy-dependencies -DoutputDirectory="$tmp" -DincludeScope=runtime \
      > "$mvnlog" 2>&1; then
    tail -n 30 "$mvnlog" >&2
    rm -rf "$tmp"
    die "maven: could not resolve $pom (log: $mvnlog)"
  fi
  echo "$want" > "$tmp/.pom.sha256"
  rm -rf "$dir"
  mv "$tmp" "$dir"
}

resolve "$BED_DIR/hadoop/pom.xml" "$(bed_jars hadoop)"
resolve "$BED_DIR/s3/pom.xml" "$(bed_jars s3proxy)"
# S3A (hadoop-aws + the AWS SDK) for each Spark line's Hadoop client, so Spark
# reads environments from S3 stores (tests/bed/s3a/, docs/bed-hadoop.md).
for pom in "$BED_DIR"/s3a/pom-spark-*.xml; do
  version=$(sed -n 's|.*<artifactId>hadoop-aws</artifactId>.*||; s|^ *<version>\([0-9.]*\)</version>.*|\1|p' "$pom" | tail -n 1)
  resolve "$pom" "$SPARKENV_DEV_CACHE/bed-jars/s3a-hadoop-$version"
done
