#!/usr/bin/env bash
# One Spark standalone cluster of the test bed: a Master and two Workers
# (1 core, 1 GiB each), separate JVMs on 127.0.0.1, from the pip `pyspark`
# distribution installed by scripts/setup.d/50-bed-spark.sh.
#
#   tests/bed/spark.sh 4|3.5 up|down|status
#
# The services tests/bed/services/spark-4 and spark-3.5 call this script.
# Published (env.d/spark-<v>.env), with P = SPARK4 or SPARK35:
#   BED_<P>_HOME      SPARK_HOME (the pyspark package folder)
#   BED_<P>_PYTHON    the venv's python: the workers' "system Python"
#   BED_<P>_MASTER    spark://127.0.0.1:PORT
#   BED_<P>_MASTER_WEB http://127.0.0.1:PORT
#   BED_<P>_WORK_DIR  parent of the workers' work dirs (executors' cwd below)
#   BED_<P>_VERSION   the pinned pyspark version
#   BED_JAVA_HOME     the Java both Spark versions run on
set -euo pipefail
source "$(dirname "$0")/lib.sh"

line=${1:-}; cmd=${2:-status}
case "$line" in
  4)   ver=${BED_SPARK_VERSIONS[0]}; P=SPARK4 ;;
  3.5) ver=${BED_SPARK_VERSIONS[1]}; P=SPARK35 ;;
  *) die "usage: tests/bed/spark.sh 4|3.5 up|down|status" ;;
esac
service=spark-$line
port_var=BED_${P}_MASTER_PORT web_var=BED_${P}_MASTER_WEB_PORT
port=${!port_var} web=${!web_var}
w1_var=BED_${P}_WORKER1_WEB_PORT w2_var=BED_${P}_WORKER2_WEB_PORT
worker_webs=("${!w1_var}" "${!w2_var}")
venv=$(bed_spark_venv "$ver")
work=$BED_DATA/spark-$ver
master_url=spark://127.0.0.1:$port
procs=("$service-master" "$service-worker1" "$service-worker2")

# Prints "ALIVE N" (master status, number of ALIVE workers) or nothing.
master_state() {
  curl -sf --max-time 3 "http://127.0.0.1:$web/json/" 2>/dev/null |
    "$venv/bin/python" -c '
import json, sys
d = json.load(sys.stdin)
print(d.get("status"), sum(1 for w in d.get("workers", []) if w.get("state") == "ALIVE"))
' 2>/dev/null || true
}

healthy() {
  local p
  for p in "${procs[@]}"; do bed_alive "$p" || return 1; done
  [ "$(master_state)" = "ALIVE 2" ]
}

# Pids of processes left from this cluster that are not in a process group we
# track: executors and Python workers whose cwd is under the work dir, and any
# JVM still talking to this master (e.g. after a worker was killed with -9).
leftovers() {
  local d pid cwd
  for d in /proc/[0-9]*; do
    pid=${d#/proc/}
    [ "$pid" = $$ ] && continue
    cwd=$(readlink "$d/cwd" 2>/dev/null) || continue
    if [[ "$cwd" == "$work"/* ]] ||
       tr '\0' ' ' < "$d/cmdline" 2>/dev/null | grep -q -- "spark://127.0.0.1:$port\b\|--work-dir $work/"; then
      echo "$pid"
    fi
  done
}

write_conf() {
  local conf=$BED_CONF/$service
  mkdir -p "$conf"
  # Quiet daemons: INFO of Spark's own classes only, to the log file.
  cat > "$conf/log4j2.properties" <<'EOF'
rootLogger.level = warn
rootLogger.appenderRef.stdout.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{yy/MM/dd HH:mm:ss} %p %c{1}: %m%n
logger.deploy.name = org.apache.spark.deploy
logger.deploy.level = info
EOF
  echo "$conf"
}

up() {
  [ -f "$venv/SPARK_HOME" ] || die "$service: pyspark $ver is not installed (run scripts/setup.d/50-bed-spark.sh)"
  local home conf i
  home=$(cat "$venv/SPARK_HOME")
  if healthy; then log "$service: already up"; publish "$home"; return 0; fi
  mkdir -p "$work/worker1" "$work/worker2" "$work/local"
  conf=$(write_conf)
  # The daemons and the executors they start see the venv first on PATH, so
  # an executor's default `python3` is the venv's (pyspark + py4j only).
  local -a env=(env SPARK_HOME="$home" SPARK_CONF_DIR="$conf" SPARK_LOCAL_IP=127.0.0.1
                SPARK_LOCAL_DIRS="$work/local" SPARK_DAEMON_MEMORY=256m
                SPARK_DAEMON_JAVA_OPTS="-XX:+UseSerialGC -XX:TieredStopAtLevel=1"
                SPARK_MASTER_OPTS="-Dspark.master.rest.enabled=false"
                JAVA_HOME="$JAVA_HOME" PATH="$venv/bin:$JAVA_HOME/bin:$PATH")
  bed_start "$service-master" "${env[@]}" "$home/bin/spark-class" org.apache.spark.deploy.master.Master \
    --host 127.0.0.1 --port "$port" --webui-port "$web"
  bed_wait_port "$web" 120 "$service-master" || return 1
  for i in 1 2; do
    bed_start "$service-worker$i" "${env[@]}" "$home/bin/spark-class" org.apache.spark.deploy.worker.Worker \
      --cores 1 --memory 1g --host 127.0.0.1 --webui-port "${worker_webs[i - 1]}" \
      --work-dir "$work/worker$i" "$master_url"
  done
  for i in $(seq 1 240); do
    healthy && { publish "$home"; return 0; }
    for p in "${procs[@]}"; do
      if ! bed_alive "$p"; then
        log "$p died; last lines of $BED_LOGS/$p.log:"; tail -n 40 "$BED_LOGS/$p.log" >&2; return 1
      fi
    done
    sleep 0.5
  done
  log "$service: master state after 120 s: '$(master_state)' (want 'ALIVE 2')"
  return 1
}

publish() {
  bed_publish "$service" \
    "BED_${P}_VERSION=$ver" "BED_${P}_HOME=$1" "BED_${P}_PYTHON=$venv/bin/python" \
    "BED_${P}_MASTER=$master_url" "BED_${P}_MASTER_WEB=http://127.0.0.1:$web" \
    "BED_${P}_WORK_DIR=$work" "BED_JAVA_HOME=$JAVA_HOME"
}

down() {
  local p pids i
  for ((i = ${#procs[@]} - 1; i >= 0; i--)); do bed_stop "${procs[i]}"; done
  pids=$(leftovers)
  if [ -n "$pids" ]; then
    log "$service: stopping leftover processes: $(echo $pids)"
    kill -TERM $pids 2>/dev/null || true
    for i in $(seq 1 20); do pids=$(leftovers); [ -z "$pids" ] && break; sleep 0.5; done
    [ -z "$pids" ] || kill -KILL $pids 2>/dev/null || true
  fi
  rm -f "$BED_ENVD/$service.env"
}

status() {
  local state
  state=$(master_state)
  if healthy; then
    echo "$service: healthy (pyspark $ver, $master_url, master ALIVE, 2 workers ALIVE)"
  else
    local alive=() p
    for p in "${procs[@]}"; do bed_alive "$p" && alive+=("${p#"$service-"}"); done
    echo "$service: DOWN (processes up: ${alive[*]:-none}; master: ${state:-no answer})"
    return 1
  fi
}

case "$cmd" in
  up) up ;;
  down) down ;;
  status) status ;;
  *) die "usage: tests/bed/spark.sh 4|3.5 up|down|status" ;;
esac
