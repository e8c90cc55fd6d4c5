#!/usr/bin/env bash
# bench/run.sh - end-to-end throughput benchmark of Caravan side by side with Postfix.
#
#   bench/run.sh [--messages N] [--runs R] [--size BYTES] [--warmup W]
#                [--scenarios ceiling,ceiling_reuse,postfix,caravan,caravan_cold] [--engine real|fake]
#                [--threads T] [--batch B] [--jar PATH | --rebuild | --snapshot-build] [--keep-data]
#
# Per run: smtp-source -> smtp-sink ceilings; a private Postfix instance relaying the same N
# messages to the same smtp-sink (warm-up, then measured); a fresh Caravan engine (new data dir),
# an unmeasured warm-up batch, and the measured batch of N messages of ~SIZE bytes submitted to
# mail.submit, until the accounting has N 'd' records; caravan_cold: a fresh engine measured on
# its first N messages, no warm-up. The warm-up repeats until the JIT compiler threads are quiet
# (bench/lib/caravan.sh warm_up). Runs alternate the order of the scenarios (odd runs as given,
# even runs reversed) and each records a host-speed reference (bench/lib/hostref.py) first.
# Submission shape: PRODUCER_FLAGS (BenchProducer: --bytes, --envelope, --domains D),
# PRODUCER=artemis-cli, MTA_TEMPLATE / mta_config_hook (bench/matrix.sh sets these).
# Prints one column per run, the medians,
# the medians side by side and the ratios Caravan / Postfix; writes the same to bench/results/.
# Everything listens on and connects to 127.0.0.1 only. See bench/README.md.
# The scale run (1,000,000 queued while delivery is paused) is bench/scale.sh.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MESSAGES=20000
RUNS=3
SIZE=2048
WARMUP=          # default: the same as --messages (see README: 5,000 left the JIT busy)
SCENARIOS=ceiling,ceiling_reuse,postfix,caravan
ENGINE=real
KEEP_DATA=0
REBUILD=0
SNAPSHOT_BUILD=0
PRODUCER_THREADS=4
PRODUCER_BATCH=50
JAR=

usage() { sed -n '2,21p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }
while (( $# )); do
  case $1 in
    --messages)  MESSAGES=$2; shift 2 ;;
    --runs)      RUNS=$2; shift 2 ;;
    --size)      SIZE=$2; shift 2 ;;
    --warmup)    WARMUP=$2; shift 2 ;;
    --scenarios) SCENARIOS=$2; shift 2 ;;
    --engine)    ENGINE=$2; shift 2 ;;
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
WARMUP=${WARMUP:-$MESSAGES}
for v in MESSAGES RUNS SIZE WARMUP PRODUCER_THREADS PRODUCER_BATCH; do
  [[ ${!v} =~ ^[0-9]+$ ]] || { echo "--${v,,} needs a number" >&2; exit 2; }
done
[[ $ENGINE == real || $ENGINE == fake ]] || { echo "--engine is real or fake" >&2; exit 2; }
(( MESSAGES > 0 && RUNS > 0 && SIZE >= 512 )) || { echo "need messages > 0, runs > 0, size >= 512" >&2; exit 2; }

source "$ROOT/bench/lib/common.sh"
source "$ROOT/bench/lib/sink.sh"
source "$ROOT/bench/lib/caravan.sh"
source "$ROOT/bench/lib/postfix.sh"
source "$ROOT/bench/lib/artemis-cli.sh"
install_traps
bench_exit_hook() {
  [[ -n ${PF_DIR:-} ]] && postfix_instance_stop
  [[ -n ${RUN_JAR:-} ]] && rm -f "$RUN_JAR"
}

STAMP=$(date -u +%Y%m%d-%H%M%S)
WORK=${BENCH_WORK:-$ROOT/bench/work/$STAMP}   # bench/matrix.sh names it
RESULTS=${BENCH_RESULTS:-$ROOT/bench/results/$(date -u +%Y-%m-%d_%H%M%S).txt}
# a self-test's figures are not Caravan's: keep them out of bench/results/
[[ $ENGINE == fake ]] && RESULTS=$WORK/report.txt
mkdir -p "$WORK" "$(dirname "$RESULTS")"
IFS=, read -r -a SCEN <<<"$SCENARIOS"
export ENGINE KEEP_DATA REBUILD PRODUCER_THREADS PRODUCER_BATCH

# ---------------------------------------------------------------- prerequisites
ensure_postfix_tools
if [[ ,$SCENARIOS, == *,caravan,* || ,$SCENARIOS, == *,caravan_cold,* ]]; then
  if (( SNAPSHOT_BUILD )); then build_snapshot; else ensure_jar; fi
  check_jar_fresh
  snapshot_jar "$WORK"
  ensure_producer
  [[ ${PRODUCER:-bench} == artemis-cli ]] && ensure_artemis_cli
fi
if [[ ,$SCENARIOS, == *,postfix,* ]]; then
  ensure_postfix_instance_prereqs
  ensure_producer                      # BenchProducer writes the message smtp-source sends
  postfix_message_file "$SIZE"
fi

# ---------------------------------------------------------------- run metadata
{
  echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "cpus=$(nproc)"
  echo "cpu_model=$(awk -F': ' '/^model name/{print $2; exit}' /proc/cpuinfo)"
  echo "mem=$(awk '/^MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
  echo "kernel=$(uname -sr)"
  echo "java=$(java -version 2>&1 | head -1)"
  echo "messages=$MESSAGES"
  echo "size=$SIZE"
  echo "runs=$RUNS"
  echo "warmup=$WARMUP"
  echo "producer=$PRODUCER_THREADS threads, commit every $PRODUCER_BATCH"
  echo "shape=${SHAPE:-bench} (producer ${PRODUCER:-bench}${PRODUCER_FLAGS:+ $PRODUCER_FLAGS}${MTA_TEMPLATE:+, config ${MTA_TEMPLATE#"$ROOT"/}})"
  if [[ ,$SCENARIOS, == *,caravan,* || ,$SCENARIOS, == *,caravan_cold,* ]]; then
    echo "engine=$ENGINE$( [[ $ENGINE == real ]] && echo " ${JAR#"$ROOT"/} (built ${JAR_INFO:-?})" )"
  else
    echo "engine=(not run)"
  fi
  echo "engine_opts=launcher ${ENGINE_LAUNCHER:-engine}${CARAVAN_JAVA_OPTS:+, JAVA_OPTS: $CARAVAN_JAVA_OPTS}"
  echo "commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null)$(git -C "$ROOT" diff --quiet HEAD -- src routes config pom.xml 2>/dev/null || echo '+dirty')"
  if [[ ,$SCENARIOS, == *,postfix,* ]]; then
    echo "postfix=Postfix $POSTFIX_VERSION, private instance (bench/postfix/*.cf), smtp-source -d -s $POSTFIX_SESSIONS -N -F <BenchProducer's message>, warm-up $WARMUP"
  fi
  # what else runs on this (shared) machine as we start: busy share, load, other JVMs / Maven
  echo "background=machine $(machine_busy_pct 2)% busy over 2 s before the first run, load $(loadavg), $(pgrep -c -x java 2>/dev/null || true) java processes already running"
} >"$WORK/meta.kv"

# ---------------------------------------------------------------- the runs
SINK_PORT=$(free_port)
sink_start "$SINK_PORT" "$WORK/smtp-sink.log"
log "smtp-sink on 127.0.0.1:$SINK_PORT; work dir $WORK"

FAILED=0
for ((r = 1; r <= RUNS; r++)); do
  RUNDIR=$WORK/run$r
  mkdir -p "$RUNDIR"
  # a shared machine: give other work a chance to finish first (QUIET_WAIT_S, 0 = do not wait)
  (( ${QUIET_WAIT_S:-120} > 0 )) && wait_machine_quiet "${QUIET_WAIT_S:-120}"
  log "=== run $r / $RUNS (load $(loadavg))"
  python3 "$ROOT/bench/lib/hostref.py" >"$RUNDIR/hostref.kv"
  order=("${SCEN[@]}")
  if (( r % 2 == 0 )); then
    order=(); for ((i = ${#SCEN[@]} - 1; i >= 0; i--)); do order+=("${SCEN[i]}"); done
  fi
  for s in "${order[@]}"; do
    case $s in
      ceiling)       scenario_ceiling "$RUNDIR/result-ceiling.kv" "$MESSAGES" "$SIZE" "$SINK_PORT" ceiling -s 20 ;;
      ceiling_reuse) scenario_ceiling "$RUNDIR/result-ceiling_reuse.kv" "$MESSAGES" "$SIZE" "$SINK_PORT" ceiling_reuse -d -s 16 ;;
      postfix)
        if scenario_postfix "$RUNDIR/result-postfix.kv" "$RUNDIR" "$MESSAGES" "$SIZE" "$WARMUP"; then
          log "run $r: postfix $(kv_get "$RUNDIR/result-postfix.kv" rate) msgs/s end to end," \
              "$(kv_get "$RUNDIR/result-postfix.kv" postfix_cpu_ms_per_msg) ms CPU/msg"
        else
          FAILED=$((FAILED + 1))
          warn "run $r: the postfix scenario failed (logs in $RUNDIR/postfix)"
        fi ;;
      caravan|caravan_cold)
        warm=$WARMUP; [[ $s == caravan_cold ]] && warm=0
        if scenario_caravan "$RUNDIR/result-$s.kv" "$RUNDIR" "$MESSAGES" "$SIZE" "$warm" "$s"; then
          log "run $r: $s $(kv_get "$RUNDIR/result-$s.kv" rate) msgs/s end to end," \
              "p99 $(kv_get "$RUNDIR/result-$s.kv" lat_p99_ms) ms," \
              "engine $(kv_get "$RUNDIR/result-$s.kv" engine_cpu_ms_per_msg) ms CPU/msg"
        else
          FAILED=$((FAILED + 1))
          warn "run $r: the $s scenario failed (logs in $RUNDIR)"
        fi ;;
      *) die "unknown scenario: $s" ;;
    esac
  done
done
sink_stop
[[ -n $RUN_JAR ]] && rm -f "$RUN_JAR"

# ---------------------------------------------------------------- report
# nothing measured: keep the report with the logs, out of bench/results/
NMTA=0
for s in "${SCEN[@]}"; do [[ $s == caravan* || $s == postfix ]] && NMTA=$((NMTA + 1)); done
(( FAILED > 0 && FAILED >= RUNS * NMTA )) && RESULTS=$WORK/report.txt
python3 "$ROOT/bench/lib/report.py" "$WORK" | tee "$RESULTS"
echo
echo "written to ${RESULTS#"$ROOT"/}; raw records in ${WORK#"$ROOT"/}"
(( FAILED == 0 )) || { warn "$FAILED scenario run(s) failed"; exit 1; }
