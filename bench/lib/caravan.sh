# bench/lib/caravan.sh - build, start, feed, measure and stop the Caravan engine.
# Sourced after common.sh and sink.sh. Uses: ROOT, WORK, SINK_PORT, ENGINE (real|fake),
# PRODUCER_THREADS, PRODUCER_BATCH, CARAVAN_JAVA_OPTS, KEEP_DATA.

JAR=${JAR:-$ROOT/target/caravan.jar}   # the jar to build/check; run.sh runs a copy of it (RUN_JAR)
RUN_JAR=
CLASSPATH_FILE=$ROOT/bench/work/classpath.txt
PRODUCER_CLASSES=$ROOT/bench/work/producer-classes

# ---------------------------------------------------------------- build
ensure_jar() {
  if [[ $ENGINE == fake ]]; then return 0; fi
  if [[ -f $JAR && ${REBUILD:-0} != 1 ]]; then return 0; fi
  log "building target/caravan.jar (mvn -B -q -Dstyle.color=never -DskipTests package)"
  (cd "$ROOT" && mvn -B -q -Dstyle.color=never -o -DskipTests package >&2 || mvn -B -q -Dstyle.color=never -DskipTests package >&2) \
    || die "the build failed; see the Maven output above"
  [[ -f $JAR ]] || die "build finished but $JAR is missing"
}

# Build the current working tree in a private copy (bench/work/build), so that the bench neither
# disturbs nor is disturbed by others building and testing in target/. Sets JAR to the result;
# the engine then runs from that copy (its routes/ and config/ match the jar).
build_snapshot() {
  local b=$ROOT/bench/work/build
  log "building a snapshot of the working tree in ${b#"$ROOT"/}"
  mkdir -p "$b"
  rm -rf "$b/src" "$b/routes" "$b/config"
  cp -a "$ROOT/pom.xml" "$b/"
  mkdir -p "$b/src"
  cp -a "$ROOT/src/main" "$b/src/"
  cp -a "$ROOT/routes" "$ROOT/config" "$b/"
  (cd "$b" && { mvn -B -q -Dstyle.color=never -o -DskipTests package >&2 \
                || mvn -B -q -Dstyle.color=never -DskipTests package >&2; }) \
    || die "the snapshot build failed; see the Maven output above"
  JAR=$b/target/caravan.jar
  [[ -f $JAR ]] || die "snapshot build finished but $JAR is missing"
}

# Warn when the jar is older than the sources next to it (routes/ are read from the tree at run time).
check_jar_fresh() {
  local dir newer
  dir=$(cd "$(dirname "$JAR")/.." && pwd)
  newer=$(find "$dir/src/main" "$dir/routes" "$dir/config" "$dir/pom.xml" -type f -newer "$JAR" 2>/dev/null | wc -l)
  if (( newer > 0 )); then
    warn "${JAR#"$ROOT"/} is older than $newer source file(s) beside it (src/main, routes, config, pom.xml):"
    warn "  the engine may not match its routes/; use --rebuild, or --snapshot-build to build a private copy"
  fi
}

# Run a private copy of the jar, so that a rebuild of target/ during the benchmark (other people
# work in this tree) cannot pull the jar from under a running engine.
snapshot_jar() {                # snapshot_jar DIR
  [[ $ENGINE == fake ]] && return 0
  RUN_JAR=$1/caravan.jar
  # the engine reads routes/ from its working directory: the tree the jar was built from
  ENGINE_CWD=$(cd "$(dirname "$JAR")/.." && pwd)
  [[ -d $ENGINE_CWD/routes ]] || ENGINE_CWD=$ROOT
  cp "$JAR" "$RUN_JAR" || die "cannot copy $JAR"
  JAR_INFO="$(date -u -r "$JAR" '+%Y-%m-%d %H:%M UTC'), sha256 $(sha256sum "$RUN_JAR" | cut -c1-12)"
}

# The project's runtime classpath (it holds the Artemis JMS client); recomputed when pom.xml changes.
ensure_classpath() {
  if [[ -s $CLASSPATH_FILE && $CLASSPATH_FILE -nt $ROOT/pom.xml ]]; then return 0; fi
  log "resolving the project's runtime classpath (mvn dependency:build-classpath)"
  mkdir -p "$(dirname "$CLASSPATH_FILE")"
  local args=(-B -q dependency:build-classpath "-Dmdep.outputFile=$CLASSPATH_FILE" -DincludeScope=runtime)
  local mlog=$ROOT/bench/work/mvn-classpath.log
  (cd "$ROOT" && { mvn -Dstyle.color=never -o "${args[@]}" >"$mlog" 2>&1 || mvn -Dstyle.color=never "${args[@]}" >>"$mlog" 2>&1; }) \
    || { cat "$mlog" >&2; die "dependency:build-classpath failed"; }
  grep -q artemis-jakarta-client "$CLASSPATH_FILE" || die "no artemis-jakarta-client on the project's classpath"
}

# Compile BenchProducer once (the single-file source launcher would recompile it on every start).
ensure_producer() {
  ensure_classpath
  local src=$ROOT/bench/src/BenchProducer.java
  if [[ -f $PRODUCER_CLASSES/BenchProducer.class && $PRODUCER_CLASSES/BenchProducer.class -nt $src \
        && $PRODUCER_CLASSES/BenchProducer.class -nt $CLASSPATH_FILE ]]; then
    return 0
  fi
  log "compiling bench/src/BenchProducer.java"
  mkdir -p "$PRODUCER_CLASSES"
  javac -nowarn -cp "$(cat "$CLASSPATH_FILE")" -d "$PRODUCER_CLASSES" "$src" || die "BenchProducer does not compile"
}

# ---------------------------------------------------------------- config
# write_mta_config FILE : the policy template (MTA_TEMPLATE, default bench/mta-bench.yaml) with
#   the sink's port filled in, then the scenario's own edits (mta_config_hook FILE), if defined.
write_mta_config() {
  sed "s/@SINK_PORT@/$SINK_PORT/g" "${MTA_TEMPLATE:-$ROOT/bench/mta-bench.yaml}" >"$1"
  if declare -F mta_config_hook >/dev/null; then mta_config_hook "$1" || die "the mta config hook failed"; fi
  if grep -q '@[A-Z_]*@' "$1"; then die "mta config still has a placeholder"; fi
}

# ---------------------------------------------------------------- engine lifecycle
ENGINE_PID= ENGINE_LOG= ENGINE_DATA= ENGINE_BROKER_PORT= ENGINE_HTTP_PORT=
BROKER_USER=bench              # the engine's own login
BROKER_PASSWORD=
ADMIN_USER=bench-admin         # the console (Jolokia) login
ADMIN_PASSWORD=
SUBMITTER_USER=bench-app       # the producer's login: applications submit as submitters
SUBMITTER_PASSWORD=

# engine_start RUNDIR : start the engine with a fresh data dir, wait until healthy.
engine_start() {
  local rundir=$1 rc cmd
  ENGINE_DATA=$rundir/data
  ENGINE_LOG=$rundir/engine.log
  rm -rf "$ENGINE_DATA"; mkdir -p "$ENGINE_DATA"
  write_mta_config "$rundir/mta.yaml"
  ENGINE_BROKER_PORT=$(free_port)
  ENGINE_HTTP_PORT=$(free_port)
  while [[ $ENGINE_HTTP_PORT == "$ENGINE_BROKER_PORT" ]]; do ENGINE_HTTP_PORT=$(free_port); done
  BROKER_PASSWORD=$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
  ADMIN_PASSWORD=$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
  SUBMITTER_PASSWORD=$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
  local args=("--caravan.data-dir=$ENGINE_DATA" "--server.port=$ENGINE_HTTP_PORT"
              "--caravan.broker.port=$ENGINE_BROKER_PORT")
  if [[ $ENGINE == fake ]]; then
    cmd=(java -cp "$(cat "$CLASSPATH_FILE")" "$ROOT/bench/selftest/FakeEngine.java" "${args[@]}")
  elif [[ ${ENGINE_LAUNCHER:-engine} == engine ]]; then
    # the launcher users run: its stated heap and JIT settings, and its start-up archive (one
    # training start on the first run of this jar, cached for the invocation in $WORK/cds)
    cmd=(env CARAVAN_JAR="$RUN_JAR" CARAVAN_CACHE_DIR="$WORK/cds" CARAVAN_CDS="${CARAVAN_CDS:-on}"
         JAVA_OPTS="${CARAVAN_JAVA_OPTS:-}" "$ROOT/bin/caravan-engine" "${args[@]}")
  else
    # ENGINE_LAUNCHER=java: the bare fat jar with the JVM's defaults plus CARAVAN_JAVA_OPTS
    # shellcheck disable=SC2206
    cmd=(java ${CARAVAN_JAVA_OPTS:-} -jar "$RUN_JAR" "${args[@]}")
  fi
  echo "${cmd[*]}" >"$rundir/engine.cmd"
  log "starting engine ($ENGINE): broker 127.0.0.1:$ENGINE_BROKER_PORT, http 127.0.0.1:$ENGINE_HTTP_PORT"
  (cd "${ENGINE_CWD:-$ROOT}" && MTA_CONFIG=$rundir/mta.yaml MTA_BROKER_USER=$BROKER_USER \
      MTA_BROKER_PASSWORD=$BROKER_PASSWORD MTA_ADMIN_USER=$ADMIN_USER MTA_ADMIN_PASSWORD=$ADMIN_PASSWORD \
      MTA_SUBMITTERS=$SUBMITTER_USER:$SUBMITTER_PASSWORD exec "${cmd[@]}") >"$ENGINE_LOG" 2>&1 &
  ENGINE_PID=$!
  track_pid "$ENGINE_PID" 30 engine
  local t0; t0=$(now_ms)
  wait_http_up "http://127.0.0.1:$ENGINE_HTTP_PORT/actuator/health" "$ENGINE_PID" "${ENGINE_START_TIMEOUT:-180}"
  rc=$?
  if (( rc != 0 )); then
    (( rc == 2 )) && warn "the engine exited during start-up" || warn "the engine was not healthy after ${ENGINE_START_TIMEOUT:-180}s"
    engine_log_excerpt
    return 1
  fi
  ENGINE_START_MS=$(( $(now_ms) - t0 ))
  if ! port_listening "$ENGINE_BROKER_PORT"; then
    warn "health is UP but nothing listens on the broker port $ENGINE_BROKER_PORT"
    engine_log_excerpt
    return 1
  fi
  log "engine healthy after ${ENGINE_START_MS} ms (pid $ENGINE_PID)"
}

# engine_stop : SIGTERM, 30 s grace, then SIGKILL. Prints the shutdown time in ms.
engine_stop() {
  [[ -n $ENGINE_PID ]] || return 0
  local t0 rc=0; t0=$(now_ms)
  stop_tracked "$ENGINE_PID" || rc=1
  ENGINE_STOP_MS=$(( $(now_ms) - t0 ))
  (( rc == 0 )) || warn "the engine had to be killed"
  ENGINE_PID=
  if [[ ${KEEP_DATA:-0} != 1 && -d $ENGINE_DATA ]]; then
    # keep the accounting (small, the evidence), drop the journal
    find "$ENGINE_DATA" -mindepth 1 -maxdepth 1 ! -name accounting -exec rm -rf {} +
  fi
  return $rc
}

engine_log_excerpt() {
  [[ -f $ENGINE_LOG ]] || return 0
  warn "engine log $ENGINE_LOG (stack frames left out):"
  grep -vE '^[[:space:]]+at |^[[:space:]]+\.\.\. [0-9]+ (common frames|more)' "$ENGINE_LOG" \
    | grep -E 'ERROR|WARN|Exception|Caused by|APPLICATION FAILED|Description:|Action:' | sed -n 1,30p >&2
  echo '   --- last lines:' >&2
  grep -vE '^[[:space:]]+at |^[[:space:]]+\.\.\. [0-9]+ (common frames|more)' "$ENGINE_LOG" | tail -12 >&2
}

# ---------------------------------------------------------------- producer + accounting
# producer_start OUT.kv JOB N SIZE : start the producer in the background (PRODUCER_PID); it
#   connects and builds every message, then creates OUT.ready and waits for OUT.go before sending.
producer_start() {
  local out=$1 job=$2 n=$3 size=$4
  rm -f "${out%.kv}.ready" "${out%.kv}.go"
  # shellcheck disable=SC2086
  java ${PRODUCER_JAVA_OPTS:-} -cp "$PRODUCER_CLASSES:$(cat "$CLASSPATH_FILE")" BenchProducer \
      --port "$ENGINE_BROKER_PORT" --user "$SUBMITTER_USER" --password "$SUBMITTER_PASSWORD" \
      --messages "$n" --size "$size" --threads "${PRODUCER_THREADS:-4}" --batch "${PRODUCER_BATCH:-50}" \
      --job "$job" --ready-file "${out%.kv}.ready" --go-file "${out%.kv}.go" ${PRODUCER_FLAGS:-} \
      >"$out" 2>"${out%.kv}.err" &
  PRODUCER_PID=$!
  track_pid "$PRODUCER_PID" 5 producer
}

# producer_ready OUT.kv : wait (max 120 s) until the producer is connected and has built its messages.
producer_ready() {
  local i
  for ((i = 0; i < 1200; i++)); do
    [[ -f ${1%.kv}.ready ]] && return 0
    kill -0 "$PRODUCER_PID" 2>/dev/null || break
    sleep 0.1
  done
  warn "the producer did not get ready:"; cat "${1%.kv}.err" >&2
  stop_tracked "$PRODUCER_PID"
  return 1
}

producer_go() { touch "${1%.kv}.go"; }

# producer_wait : wait for the producer to finish; its exit code.
producer_wait() {
  local rc
  wait "$PRODUCER_PID"; rc=$?
  untrack_pid "$PRODUCER_PID"
  return $rc
}

# producer_run OUT.kv JOB N SIZE : submit N messages and wait; key=value results in OUT.kv.
producer_run() {
  producer_start "$@" && producer_ready "$1" && producer_go "$1" && producer_wait
}

# wait_delivered JOB N : until the accounting holds N 'd' records for JOB (lib/acct.py wait:
#   incremental reads, 10 polls a second). Gives up after WAIT_BASE_S + N / WAIT_FLOOR_RATE
#   seconds, after STALL_S seconds without a new record, or when the engine dies.
#   Returns 0 ok, 1 timeout, 2 engine died, 3 stalled; WAIT_COUNT = records seen.
wait_delivered() {
  local job=$1 n=$2 rc out
  out=$(mktemp)
  python3 "$ROOT/bench/lib/acct.py" wait "$ENGINE_DATA" "$job" "$n" "$ENGINE_PID" \
      $(( ${WAIT_BASE_S:-60} + n / ${WAIT_FLOOR_RATE:-50} )) "${STALL_S:-120}" >"$out" &
  local wpid=$!
  track_pid "$wpid" 2 acct-wait
  wait "$wpid"; rc=$?
  untrack_pid "$wpid"
  WAIT_COUNT=$(cat "$out"); rm -f "$out"
  return $rc
}

explain_wait() {                # explain_wait RC JOB N
  case $1 in
    1) warn "$2: timed out with $WAIT_COUNT / $3 delivered" ;;
    2) warn "$2: the engine died with $WAIT_COUNT / $3 delivered" ;;
    3) warn "$2: no new delivery for ${STALL_S:-120}s, $WAIT_COUNT / $3 delivered" ;;
  esac
  python3 "$ROOT/bench/lib/acct.py" stats "$ENGINE_DATA" "$2" | sed 's/^/   /' >&2
  warn "smtp-sink has counted $(sink_msgs) messages in all"
  engine_log_excerpt
}

# ---------------------------------------------------------------- submission shapes
# PRODUCER=bench (default): BenchProducer with PRODUCER_FLAGS; PRODUCER=artemis-cli: the Artemis
# CLI's producer as the README shows it, sending BenchProducer's message N times.

# submit_batch OUT.kv JOB N SIZE : submit N messages and wait for the producer to finish.
submit_batch() {
  if [[ ${PRODUCER:-bench} == artemis-cli ]]; then
    cli_message_file "$4" && artemis_cli_producer "$1" "$2" "$3" "$CLI_MESSAGE_FILE"
  else
    producer_run "$@"
  fi
}

# cli_message_file SIZE : the message the CLI sends (CLI_MESSAGE_FILE), written once per size.
cli_message_file() {
  CLI_MESSAGE_FILE=$WORK/cli-message-$1.eml
  [[ -s $CLI_MESSAGE_FILE ]] && return 0
  java -cp "$PRODUCER_CLASSES:$(cat "$CLASSPATH_FILE")" BenchProducer --write-message "$CLI_MESSAGE_FILE" \
      --size "$1" --job "bench-$STAMP-cli" || { warn "cannot write the CLI's message"; return 1; }
}

# compiler_ms_per_msg SNAP0 SNAP1 N : the JIT compiler threads' CPU between two thread snapshots.
compiler_ms_per_msg() {
  python3 "$ROOT/bench/lib/threads.py" diff "$1" "$2" "$3" 2>/dev/null \
    | awk -F= '$1 ~ /Compiler/ {t += $2} END {printf "%.4f", t}'
}

# warm_up RUNDIR OUT.kv JOB N SIZE : an unmeasured batch of N, then batches of a quarter of it
#   (at least 2,000) until the compiler threads take under WARM_QUIET_MS ms/msg (default 0.01) or
#   WARMUP_MAX messages (default 4 x N) have gone: a warm engine is one the JIT has finished with.
warm_up() {
  local rundir=$1 out=$2 job=$3 n=$4 size=$5 rc
  local step=$(( n / 4 > 2000 ? n / 4 : 2000 )) total=0 batch=$n i=0 comp=
  local max=${WARMUP_MAX:-$(( 4 * n ))}
  while :; do
    i=$((i + 1))
    python3 "$ROOT/bench/lib/threads.py" snapshot "$ENGINE_PID" >"$rundir/warm-threads.0" 2>/dev/null
    log "warm-up batch $i: $batch messages (job $job-$i)"
    submit_batch "$rundir/producer-warm$i.kv" "$job-$i" "$batch" "$size" \
      || { warn "warm-up producer failed"; cat "$rundir/producer-warm$i.err" >&2; return 1; }
    wait_delivered "$job-$i" "$batch"; rc=$?
    if (( rc != 0 )); then explain_wait $rc "$job-$i" "$batch"; return 1; fi
    python3 "$ROOT/bench/lib/threads.py" snapshot "$ENGINE_PID" >"$rundir/warm-threads.1" 2>/dev/null
    comp=$(compiler_ms_per_msg "$rundir/warm-threads.0" "$rundir/warm-threads.1" "$batch")
    total=$((total + batch))
    if (( i == 1 )); then
      local ws; ws=$(python3 "$ROOT/bench/lib/acct.py" stats "$ENGINE_DATA" "$job-1" "$(kv_get "$rundir/producer-warm1.kv" start_ms)")
      kv_put "$out" warm_rate "$(awk -F= '$1=="rate"{print $2}' <<<"$ws")"
    fi
    log "warm-up batch $i: compiler threads ${comp} ms/msg"
    awk -v c="$comp" -v q="${WARM_QUIET_MS:-0.01}" 'BEGIN{exit !(c < q)}' && break
    (( total + step <= max )) || { warn "compiler threads still at $comp ms/msg after $total warm-up messages"; break; }
    batch=$step
  done
  kv_put "$out" warm_total "$total"
  kv_put "$out" warm_batches "$i"
  kv_put "$out" warm_compiler_ms_per_msg "$comp"
  wait_quiet "$ENGINE_PID" 15
}

# ---------------------------------------------------------------- the scenario
# scenario_caravan OUT.kv RUNDIR N SIZE WARMUP [NAME] : NAME (default caravan) names the record;
#   WARMUP 0 measures a cold engine (its first N messages).
scenario_caravan() {
  local out=$1 rundir=$2 n=$3 size=$4 warm=$5 name=${6:-caravan}
  local tag job_w job_m rc
  tag=$(basename "$rundir")-$name
  job_w="bench-$STAMP-$tag-warm"
  job_m="bench-$STAMP-$tag-main"
  [[ $name == caravan ]] || { rundir=$rundir/$name; mkdir -p "$rundir"; }
  : >"$out"
  kv_put "$out" scenario "$name"
  kv_put "$out" engine "$ENGINE"
  kv_put "$out" messages "$n"
  kv_put "$out" ok 0
  kv_put "$out" busy_pct "$(machine_busy_pct 1)"
  kv_put "$out" load "$(loadavg)"

  engine_start "$rundir" || { engine_stop; return 1; }
  kv_put "$out" start_ms "$ENGINE_START_MS"

  # 1. warm-up (unmeasured): JIT, connection pools, journal files.
  if (( warm > 0 )); then
    warm_up "$rundir" "$out" "$job_w" "$warm" "$size" || { engine_stop; return 1; }
  fi

  # 2. measured batch
  local e0 e1 s0 s1 m0 m1 sys0 sys1 l0 l1
  log "measured: $n messages (job $job_m)"
  local pk=$rundir/producer-main.kv
  if [[ ${PRODUCER:-bench} == artemis-cli ]]; then
    cli_message_file "$size" || { engine_stop; return 1; }
  else
    producer_start "$pk" "$job_m" "$n" "$size"
    producer_ready "$pk" || { engine_stop; return 1; }
  fi
  l0=$(wc -l <"$ENGINE_LOG")
  python3 "$ROOT/bench/lib/threads.py" snapshot "$ENGINE_PID" >"$rundir/engine-threads.0"
  read -r -a sys0 <<<"$(sys_cpu_sample)"
  e0=$(proc_cpu_ticks "$ENGINE_PID"); s0=$(sink_cpu_ticks); m0=$(sink_msgs)
  if [[ ${PRODUCER:-bench} == artemis-cli ]]; then
    # the CLI's JVM starts inside the window: the engine idles meanwhile, the rate starts at the
    # CLI's first send (start_ms in its record)
    artemis_cli_producer "$pk" "$job_m" "$n" "$CLI_MESSAGE_FILE" \
      || { warn "the Artemis CLI producer failed"; cat "${pk%.kv}.err" >&2; engine_stop; return 1; }
  else
    producer_go "$pk"
    producer_wait || { warn "producer failed"; cat "$rundir/producer-main.err" >&2; engine_stop; return 1; }
  fi
  wait_delivered "$job_m" "$n"; rc=$?
  e1=$(proc_cpu_ticks "$ENGINE_PID"); s1=$(sink_cpu_ticks)
  read -r -a sys1 <<<"$(sys_cpu_sample)"
  python3 "$ROOT/bench/lib/threads.py" snapshot "$ENGINE_PID" >"$rundir/engine-threads.1" 2>/dev/null
  python3 "$ROOT/bench/lib/threads.py" diff "$rundir/engine-threads.0" "$rundir/engine-threads.1" "$n" \
    >"$rundir/engine-threads.kv" 2>/dev/null
  if (( rc != 0 )); then explain_wait $rc "$job_m" "$n"; engine_stop; return 1; fi
  sleep 0.3; m1=$(sink_msgs)
  l1=$(wc -l <"$ENGINE_LOG")

  kv_put "$out" peak_rss_kb "$(proc_hwm_kb "$ENGINE_PID")"
  kv_put "$out" rss_kb "$(proc_rss_kb "$ENGINE_PID")"
  local p="$rundir/producer-main.kv"
  kv_put "$out" intake_rate "$(kv_get "$p" intake_rate)"
  kv_put "$out" producer_cpu_ms_per_msg "$(kv_get "$p" cpu_ms_per_msg)"
  kv_put "$out" producer_start_ms "$(kv_get "$p" start_ms)"
  python3 "$ROOT/bench/lib/acct.py" stats "$ENGINE_DATA" "$job_m" "$(kv_get "$p" start_ms)" >>"$out"
  kv_put "$out" engine_cpu_ms_per_msg "$(awk -v d="$((e1 - e0))" -v hz="$CLK_TCK" -v n="$n" 'BEGIN{printf "%.3f", d*1000/hz/n}')"
  kv_put "$out" sink_cpu_ms_per_msg "$(awk -v d="$((s1 - s0))" -v hz="$CLK_TCK" -v n="$n" 'BEGIN{printf "%.4f", d*1000/hz/n}')"
  kv_put "$out" all_cpu_ms_per_msg "$(awk -v d="$((sys1[0] - sys0[0]))" -v hz="$CLK_TCK" -v n="$n" 'BEGIN{printf "%.3f", d*1000/hz/n}')"
  kv_put "$out" irq_cpu_ms_per_msg "$(awk -v d="$((sys1[3] - sys0[3]))" -v hz="$CLK_TCK" -v n="$n" 'BEGIN{printf "%.3f", d*1000/hz/n}')"
  kv_put "$out" steal_ticks "$(( sys1[1] - sys0[1] ))"
  kv_put "$out" iowait_ticks "$(( sys1[2] - sys0[2] ))"
  kv_put "$out" sink_msgs "$(( m1 - m0 ))"
  kv_put "$out" log_lines_measured "$(( l1 - l0 ))"
  kv_put "$out" job "$job_m"
  [[ ${PRODUCER:-bench} == artemis-cli ]] && kv_put "$out" repeated_message_id 1

  engine_stop; rc=$?
  kv_put "$out" stop_ms "$ENGINE_STOP_MS"
  kv_put "$out" stop_clean "$(( rc == 0 ))"
  kv_put "$out" ok 1
}
