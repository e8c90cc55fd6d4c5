#!/usr/bin/env bash
# bench/scale.sh - the scale run: N messages (default 1,000,000) queued while delivery
# is paused, then resumed. Shows that the heap stays bounded (Artemis pages the queue to disk)
# and prints the intake and drain rates.
#
#   bench/scale.sh [--messages N] [--size BYTES] [--heap 1g] [--interval S] [--threads T]
#                  [--batch B] [--jar PATH | --rebuild | --snapshot-build] [--keep-data]
#
# One fresh engine (new data dir, random 127.0.0.1 ports, -Xmx<heap>), its delivery routes
# stopped over Jolokia (Camel route MBeans, found by a search) before anything is submitted;
# BenchProducer submits N persistent messages (built one by one, --stream); the intake route
# moves them into mail.deliver.default.bench, which pages; then a full GC shows the live heap with
# everything queued; the routes are started and the queue drains into smtp-sink. A sampler reads
# heap, GC, RSS, queue depths, paging and disk use every S seconds (default 5). Report on stdout
# and in bench/results/scale-<date>.txt; samples in bench/work/scale-<stamp>/samples.csv.
# Journal, paging and accounting are deleted at the end (--keep-data keeps them).
# Everything listens on and connects to 127.0.0.1 only. See bench/README.md.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MESSAGES=1000000
SIZE=2048
HEAP=1g
INTERVAL=5
PRODUCER_THREADS=4
PRODUCER_BATCH=50
KEEP_DATA=0
REBUILD=0
SNAPSHOT_BUILD=0
JAR=

usage() { sed -n '2,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }
while (( $# )); do
  case $1 in
    --messages)  MESSAGES=$2; shift 2 ;;
    --size)      SIZE=$2; shift 2 ;;
    --heap)      HEAP=$2; shift 2 ;;
    --interval)  INTERVAL=$2; shift 2 ;;
    --threads)   PRODUCER_THREADS=$2; shift 2 ;;
    --batch)     PRODUCER_BATCH=$2; shift 2 ;;
    --jar)       JAR=$(realpath "$2"); shift 2 ;;
    --keep-data) KEEP_DATA=1; shift ;;
    --rebuild)   REBUILD=1; shift ;;
    --snapshot-build) SNAPSHOT_BUILD=1; shift ;;
    -h|--help)   usage 0 ;;
    *) echo "unknown option: $1" >&2; usage 2 ;;
  esac
done
for v in MESSAGES SIZE PRODUCER_THREADS PRODUCER_BATCH INTERVAL; do
  [[ ${!v} =~ ^[0-9]+$ ]] || { echo "--${v,,} needs a number" >&2; exit 2; }
done
[[ $HEAP =~ ^[0-9]+[kmgKMG]?$ ]] || { echo "--heap: e.g. 1g or 768m" >&2; exit 2; }

ENGINE=real
source "$ROOT/bench/lib/common.sh"
source "$ROOT/bench/lib/sink.sh"
source "$ROOT/bench/lib/caravan.sh"
install_traps

STAMP=$(date -u +%Y%m%d-%H%M%S)
WORK=$ROOT/bench/work/scale-$STAMP
RESULTS=$ROOT/bench/results/scale-$(date -u +%Y-%m-%d_%H%M%S).txt
mkdir -p "$WORK" "$(dirname "$RESULTS")"
SAMPLER_PID=
bench_exit_hook() {
  [[ -n ${RUN_JAR:-} ]] && rm -f "$RUN_JAR"
  # never leave gigabytes of journal behind, even on Ctrl-C
  if [[ ${KEEP_DATA:-0} != 1 && -d $WORK/data ]]; then rm -rf "$WORK/data"; fi
}
export ENGINE KEEP_DATA REBUILD PRODUCER_THREADS PRODUCER_BATCH
KV=$WORK/scale.kv
: >"$KV"

# ---------------------------------------------------------------- prerequisites
ensure_postfix_tools
if (( SNAPSHOT_BUILD )); then build_snapshot; else ensure_jar; fi
check_jar_fresh
snapshot_jar "$WORK"
ensure_producer

# disk: journal + page files hold every message once (~SIZE + ~0.5 KB of properties and
# records), the accounting ~0.3 KB a message, plus the engine's own files: ask for 2x + 2 GiB
need=$(( MESSAGES * (SIZE + 1024) * 2 + 2 * 1024 * 1024 * 1024 ))
avail=$(df --output=avail -B1 "$WORK" | tail -1 | tr -d ' ')
log "disk: $(( avail / 1048576 )) MiB free on $(df --output=target "$WORK" | tail -1), need ~$(( need / 1048576 )) MiB for $MESSAGES messages"
(( avail > need )) || die "not enough free disk under bench/work for $MESSAGES messages; use --messages"

kv_put "$KV" date "$(date -u '+%Y-%m-%d %H:%M UTC')"
kv_put "$KV" machine "$(nproc) cpus ($(awk -F': ' '/^model name/{print $2; exit}' /proc/cpuinfo)), $(awk '/^MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr); $(java -version 2>&1 | head -1)"
kv_put "$KV" engine "${JAR#"$ROOT"/} (built $JAR_INFO); commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null)$(git -C "$ROOT" diff --quiet HEAD -- src routes config pom.xml 2>/dev/null || echo '+dirty')"
kv_put "$KV" messages "$MESSAGES"
kv_put "$KV" size "$SIZE"
kv_put "$KV" batch "$PRODUCER_BATCH"
kv_put "$KV" interval "$INTERVAL"
kv_put "$KV" producer "$PRODUCER_THREADS threads, commit every $PRODUCER_BATCH, --stream"
kv_put "$KV" background "machine $(machine_busy_pct 2)% busy over 2 s before the start, load $(loadavg), $(pgrep -c -x java 2>/dev/null || true) java processes already running"
kv_put "$KV" disk_free_mb "$(( avail / 1048576 ))"

# ---------------------------------------------------------------- engine
SINK_PORT=$(free_port)
sink_start "$SINK_PORT" "$WORK/smtp-sink.log"
log "smtp-sink on 127.0.0.1:$SINK_PORT; work dir $WORK"
CARAVAN_JAVA_OPTS="-Xmx$HEAP ${CARAVAN_JAVA_OPTS:-}"
kv_put "$KV" java_opts "$CARAVAN_JAVA_OPTS"
engine_start "$WORK" || die "the engine did not start"
JOLOKIA=http://127.0.0.1:$ENGINE_HTTP_PORT/actuator/jolokia
J=(python3 "$ROOT/bench/lib/scale.py")
JA=("$JOLOKIA" "$ADMIN_USER" "$ADMIN_PASSWORD")

# pause delivery: stop every delivery route (ids delivery-<vmta>-<policy>)
log "pausing delivery: stopping the delivery routes over Jolokia"
"${J[@]}" routes "${JA[@]}" stop delivery- >"$WORK/routes-stop.txt" || { cat "$WORK/routes-stop.txt" >&2; die "could not stop the delivery routes"; }
sed 's/^/   /' "$WORK/routes-stop.txt" >&2
grep -qv ' Stopped$' "$WORK/routes-stop.txt" && die "a delivery route is not Stopped"

# the sampler runs from here to the end; the phase file labels its rows
echo intake >"$WORK/phase"
"${J[@]}" sample "${JA[@]}" "$ENGINE_PID" "$SINK_LOG" "$ENGINE_DATA" "$WORK/phase" "$WORK/samples.csv" \
    "$WORK/sampler.stop" "$INTERVAL" mail.deliver.default.bench 2>"$WORK/sampler.err" &
SAMPLER_PID=$!
track_pid "$SAMPLER_PID" 10 sampler

# ---------------------------------------------------------------- phase 1: intake
JOB="scale-$STAMP"
PRODUCER_FLAGS="--stream --progress-s 10 ${PRODUCER_FLAGS:-}"
log "phase 1: submitting $MESSAGES messages with delivery paused (job $JOB)"
PK=$WORK/producer.kv
producer_start "$PK" "$JOB" "$MESSAGES" "$SIZE"
producer_ready "$PK" || die "the producer did not start"
e0=$(proc_cpu_ticks "$ENGINE_PID")
producer_go "$PK"
# the intake is done when the delivery queue holds all N and mail.submit is empty
"${J[@]}" wait-queued "${JA[@]}" mail.deliver.default.bench "$MESSAGES" "$ENGINE_PID" \
    $(( 300 + MESSAGES / 200 )) "${STALL_S:-180}" >"$WORK/queued.ms" &
WQ=$!
track_pid "$WQ" 2 wait-queued
producer_wait || { cat "$WORK/producer.err" >&2; die "the producer failed"; }
log "producer done: $(kv_get "$PK" intake_rate) msgs/s into mail.submit; waiting for the intake route to queue them all"
wait "$WQ"; rc=$?; untrack_pid "$WQ"
QUEUED_MS=$(cat "$WORK/queued.ms")
e1=$(proc_cpu_ticks "$ENGINE_PID")
if (( rc != 0 )); then
  "${J[@]}" queues "${JA[@]}" | sed 's/^/   /' >&2
  engine_log_excerpt
  die "the intake did not finish (code $rc)"
fi
kv_put "$KV" intake_start_ms "$(kv_get "$PK" start_ms)"
kv_put "$KV" producer_rate "$(kv_get "$PK" intake_rate)"
kv_put "$KV" producer_ms "$(kv_get "$PK" elapsed_ms)"
kv_put "$KV" queued_ms "$QUEUED_MS"
kv_put "$KV" intake_cpu_ms_per_msg "$(awk -v d="$((e1 - e0))" -v hz="$CLK_TCK" -v n="$MESSAGES" 'BEGIN{printf "%.3f", d*1000/hz/n}')"
log "phase 1 done: $MESSAGES queued in $(( (QUEUED_MS - $(kv_get "$PK" start_ms)) / 1000 )) s"
"${J[@]}" queues "${JA[@]}" >"$WORK/queues-after-intake.txt"

# ---------------------------------------------------------------- everything queued: the live heap
echo settle >"$WORK/phase"
JCMD=$(command -v jcmd || echo "$(dirname "$(readlink -f "$(command -v java)")")/jcmd")
"$JCMD" "$ENGINE_PID" GC.heap_info >"$WORK/heap-after-intake.txt" 2>&1
"$JCMD" "$ENGINE_PID" GC.run >/dev/null 2>&1
sleep 2
"$JCMD" "$ENGINE_PID" GC.heap_info >"$WORK/heap-after-intake-fullgc.txt" 2>&1
# what holds the heap with everything queued (top classes after the full GC)
"$JCMD" "$ENGINE_PID" GC.class_histogram 2>/dev/null | sed -n 1,40p >"$WORK/class-histogram-after-intake.txt"
live=$(grep -m1 -oE 'used [0-9]+K' "$WORK/heap-after-intake-fullgc.txt" | tr -dc 0-9)
[[ -n $live ]] && kv_put "$KV" live_after_intake_mb "$(( live / 1024 )) MB (of -Xmx$HEAP) with $MESSAGES messages queued"
log "heap after a full GC with everything queued: $(( ${live:-0} / 1024 )) MB"
sleep $(( INTERVAL + 1 ))

# ---------------------------------------------------------------- phase 2: drain
echo drain >"$WORK/phase"
e0=$(proc_cpu_ticks "$ENGINE_PID")
RESUME_MS=$(now_ms)
log "phase 2: starting the delivery routes"
"${J[@]}" routes "${JA[@]}" start delivery- >"$WORK/routes-start.txt" || { cat "$WORK/routes-start.txt" >&2; die "could not start the delivery routes"; }
sed 's/^/   /' "$WORK/routes-start.txt" >&2
wait_delivered "$JOB" "$MESSAGES"; rc=$?
e1=$(proc_cpu_ticks "$ENGINE_PID")
if (( rc != 0 )); then explain_wait $rc "$JOB" "$MESSAGES"; die "the drain did not finish"; fi
kv_put "$KV" resume_ms "$RESUME_MS"
kv_put "$KV" drain_cpu_ms_per_msg "$(awk -v d="$((e1 - e0))" -v hz="$CLK_TCK" -v n="$MESSAGES" 'BEGIN{printf "%.3f", d*1000/hz/n}')"
"$JCMD" "$ENGINE_PID" GC.heap_info >"$WORK/heap-after-drain.txt" 2>&1
sleep 1
touch "$WORK/sampler.stop"; wait "$SAMPLER_PID"; untrack_pid "$SAMPLER_PID"
kv_put "$KV" peak_rss_mb "$(( $(proc_hwm_kb "$ENGINE_PID") / 1024 )) MB"
kv_put "$KV" sink_msgs "$(sink_msgs)"
log "reading the accounting ($MESSAGES records)"
python3 "$ROOT/bench/lib/acct.py" stats "$ENGINE_DATA" "$JOB" >"$WORK/acct-stats.kv"
kv_put "$KV" distinct_d "$(kv_get "$WORK/acct-stats.kv" distinct_d)"
kv_put "$KV" duplicates_d "$(kv_get "$WORK/acct-stats.kv" duplicates_d)"
kv_put "$KV" drained_ms "$(kv_get "$WORK/acct-stats.kv" last_logged_ms)"
for t in b t r; do
  c=$(kv_get "$WORK/acct-stats.kv" "acct_$t")
  [[ ${c:-0} != 0 ]] && kv_put "$KV" "note_acct_$t" "$c accounting records of type $t"
done
awk -F, 'NR > 1 && $16 != "" && $16 + 0 > m {m = $16} END {print m + 0}' "$WORK/samples.csv" >"$WORK/pages.max"
kv_put "$KV" deliver_pages_max "$(cat "$WORK/pages.max")"
awk -F, 'NR > 1 {y = $8; o = $9} END {print y " / " o}' "$WORK/samples.csv" >"$WORK/gcs"
kv_put "$KV" gc_young "$(cat "$WORK/gcs")"
LOG_ERRORS=$(grep -cE ' (ERROR|WARN) ' "$ENGINE_LOG")
kv_put "$KV" engine_log_warn_error "$LOG_ERRORS"
(( LOG_ERRORS > 0 )) && kv_put "$KV" note_log "$LOG_ERRORS WARN/ERROR lines in the engine log (${ENGINE_LOG#"$ROOT"/}; see engine-log-excerpt.txt)"
grep -E ' (ERROR|WARN) ' "$ENGINE_LOG" | cut -c1-300 | sort | uniq -c | sort -rn | sed -n 1,20p >"$WORK/engine-log-excerpt.txt"

engine_stop
sink_stop
if [[ $KEEP_DATA != 1 ]]; then rm -rf "$ENGINE_DATA"; fi

python3 "$ROOT/bench/lib/scale.py" report "$WORK" | tee "$RESULTS"
echo
echo "written to ${RESULTS#"$ROOT"/}; samples in ${WORK#"$ROOT"/}/samples.csv"
