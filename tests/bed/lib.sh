# Shared shell helpers for the test bed's service scripts. Source it.
#
# Layout (all outside the repository, reused across runs):
#   $BED_HOME/logs/<service>*.log   every service's output
#   $BED_HOME/run/<name>.pid        one pid file per process we started
#   $BED_HOME/data/<service>/       service state (HDFS blocks, S3 objects, ...)
#   $BED_HOME/conf/                 client configuration (conf/hadoop = HADOOP_CONF_DIR)
#   $BED_HOME/env.d/<service>.env   `export K=V` lines a service publishes for clients;
#                                   `tests/bed/bed env` prints them all
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/scripts/lib.sh"
BED_DIR=$SPARKENV_ROOT/tests/bed
source "$BED_DIR/ports.env"
export BED_HOME=${SPARKENV_BED_HOME:-$SPARKENV_DEV_CACHE/bed}
export BED_LOGS=$BED_HOME/logs BED_RUN=$BED_HOME/run BED_DATA=$BED_HOME/data
export BED_CONF=$BED_HOME/conf BED_ENVD=$BED_HOME/env.d
mkdir -p "$BED_LOGS" "$BED_RUN" "$BED_DATA" "$BED_CONF" "$BED_ENVD"
export JAVA_HOME=${BED_JAVA_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}
# Spark from the pip distribution: one venv per pinned version.
BED_SPARK_VERSIONS=(4.3.0 3.5.9)
bed_spark_venv() { echo "$SPARKENV_DEV_CACHE/spark/$1/venv"; }
# bed_jars hadoop|s3proxy: the folder of jars that scripts/setup.d/40-bed-maven.sh
# resolved from tests/bed/hadoop/pom.xml or tests/bed/s3/pom.xml (version from the pom).
bed_jars() {
  local pom
  case $1 in
    hadoop) pom=$BED_DIR/hadoop/pom.xml ;;
    s3proxy) pom=$BED_DIR/s3/pom.xml ;;
    *) die "bed_jars: unknown jar set '$1'" ;;
  esac
  echo "$SPARKENV_DEV_CACHE/bed-jars/$1-$(sed -n "s:.*<$1.version>\(.*\)</$1.version>.*:\1:p" "$pom")"
}

# bed_start NAME CMD...: starts CMD in its own session (so `bed_stop` can kill
# the whole process group), output to $BED_LOGS/NAME.log, pid in $BED_RUN/NAME.pid.
bed_start() {
  local name=$1; shift
  if bed_alive "$name"; then return 0; fi
  setsid nohup "$@" >"$BED_LOGS/$name.log" 2>&1 < /dev/null &
  echo $! > "$BED_RUN/$name.pid"
}

bed_pid() { cat "$BED_RUN/$1.pid" 2>/dev/null; }
bed_alive() { local p; p=$(bed_pid "$1") && [ -n "$p" ] && kill -0 "$p" 2>/dev/null; }

# bed_stop NAME: TERM to the process group, KILL after 20 s; removes the pid file.
bed_stop() {
  local name=$1 p i
  p=$(bed_pid "$name") || return 0
  if [ -n "$p" ] && kill -0 "$p" 2>/dev/null; then
    kill -TERM -- "-$p" 2>/dev/null || kill -TERM "$p" 2>/dev/null
    for i in $(seq 1 40); do kill -0 "$p" 2>/dev/null || break; sleep 0.5; done
    kill -KILL -- "-$p" 2>/dev/null || kill -KILL "$p" 2>/dev/null || true
  fi
  rm -f "$BED_RUN/$name.pid"
}

# bed_wait_port PORT [SECONDS] [NAME]: waits until 127.0.0.1:PORT accepts
# connections; fails early if process NAME died.
bed_wait_port() {
  local port=$1 secs=${2:-120} name=${3:-} i
  for i in $(seq 1 $((secs * 2))); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    if [ -n "$name" ] && ! bed_alive "$name"; then
      log "$name died; last lines of $BED_LOGS/$name.log:"; tail -n 40 "$BED_LOGS/$name.log" >&2
      return 1
    fi
    sleep 0.5
  done
  log "timed out after ${secs}s waiting for 127.0.0.1:$port"
  return 1
}

# bed_publish SERVICE K=V...: (re)writes $BED_ENVD/SERVICE.env with export lines.
bed_publish() {
  local service=$1; shift
  { for kv in "$@"; do printf 'export %s=%q\n' "${kv%%=*}" "${kv#*=}"; done; } > "$BED_ENVD/$service.env"
}
