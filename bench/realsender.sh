#!/usr/bin/env bash
# bench/realsender.sh - the "real sender" benchmark: Caravan and Postfix each sign every message
# with DKIM and deliver it over STARTTLS, side by side, to the same TLS sink on 127.0.0.1.
#
#   bench/realsender.sh [--jar PATH | --snapshot-build | --rebuild] [--runs R] [--scenarios caravan,postfix]
#                       [--messages N] [--size BYTES] [--warmup W] [--plain] [--keep-data]
#
# Per invocation: an RSA-2048 DKIM key (PKCS#8 PEM) and the sink's self-signed certificate under
# bench/work/<stamp>/keys, the TLS sink (lib/tlssink.py: STARTTLS, discards, counts). Per run, in
# alternating order: Postfix (private instance, smtp_tls_security_level = encrypt, OpenDKIM
# milter, rsa-sha256 relaxed/relaxed) and Caravan (bench/mta-realsender.yaml: dkim: block,
# use-starttls/require-starttls, tls-verify: none), each a warm-up then N measured messages of
# ~SIZE bytes. After each: every message reached the sink, all over TLS, sampled messages carry a
# DKIM-Signature that verifies against the generated key. --plain: Caravan without the dkim: and
# STARTTLS keys (an engine that does not know them yet); its report stays in bench/work/.
# Writes bench/results/realsender-<date>_<time>.txt. See bench/README.md.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MESSAGES=20000
RUNS=3
SIZE=10240
WARMUP=
SCENARIOS=caravan,postfix
ENGINE=real
KEEP_DATA=0
REBUILD=0
SNAPSHOT_BUILD=0
PLAIN=0
PRODUCER_THREADS=4
PRODUCER_BATCH=50
JAR=
DKIM_DOMAIN=bench.test          # BenchProducer's From: sender@bench.test
DKIM_SELECTOR=bench2026

usage() { sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }
while (( $# )); do
  case $1 in
    --messages)  MESSAGES=$2; shift 2 ;;
    --runs)      RUNS=$2; shift 2 ;;
    --size)      SIZE=$2; shift 2 ;;
    --warmup)    WARMUP=$2; shift 2 ;;
    --scenarios) SCENARIOS=$2; shift 2 ;;
    --jar)       JAR=$(realpath "$2"); shift 2 ;;
    --plain)     PLAIN=1; shift ;;
    --keep-data) KEEP_DATA=1; shift ;;
    --rebuild)   REBUILD=1; shift ;;
    --snapshot-build) SNAPSHOT_BUILD=1; shift ;;
    -h|--help)   usage 0 ;;
    *) echo "unknown option: $1" >&2; usage 2 ;;
  esac
done
WARMUP=${WARMUP:-$MESSAGES}
for v in MESSAGES RUNS SIZE WARMUP; do
  [[ ${!v} =~ ^[0-9]+$ ]] || { echo "--${v,,} needs a number" >&2; exit 2; }
done
(( MESSAGES > 0 && RUNS > 0 && SIZE >= 512 )) || { echo "need messages > 0, runs > 0, size >= 512" >&2; exit 2; }
IFS=, read -r -a SCEN <<<"$SCENARIOS"
for s in "${SCEN[@]}"; do [[ $s == caravan || $s == postfix ]] || { echo "unknown scenario: $s" >&2; exit 2; }; done

source "$ROOT/bench/lib/common.sh"
source "$ROOT/bench/lib/sink.sh"
source "$ROOT/bench/lib/caravan.sh"
source "$ROOT/bench/lib/postfix.sh"
source "$ROOT/bench/lib/realsender.sh"
install_traps
bench_exit_hook() {
  [[ -n ${PF_DIR:-} ]] && postfix_instance_stop
  [[ -n ${RUN_JAR:-} ]] && rm -f "$RUN_JAR"
  [[ -n ${WORK:-} && $KEEP_DATA != 1 ]] && rm -rf "$WORK/keys"
}

STAMP=$(date -u +%Y%m%d-%H%M%S)
WORK=${BENCH_WORK:-$ROOT/bench/work/realsender-$STAMP}   # bench/matrix.sh names it
RESULTS=${BENCH_RESULTS:-$ROOT/bench/results/realsender-$(date -u +%Y-%m-%d_%H%M%S).txt}
# Caravan without DKIM and TLS is a plumbing test, not the scenario's figure
[[ $PLAIN == 1 && ,$SCENARIOS, == *,caravan,* ]] && RESULTS=$WORK/report.txt
mkdir -p "$WORK" "$(dirname "$RESULTS")"
MTA_TEMPLATE=$ROOT/bench/mta-realsender.yaml
# the sink keeps message 1 and every K-th: about 8 samples of each measured batch
SINK_SAVE_EVERY=${SINK_SAVE_EVERY:-$(( MESSAGES >= 16 ? MESSAGES / 8 : 1 ))}
# signing and TLS make both MTAs slower than in run.sh: give up on a batch only below 10 msgs/s
# (run.sh: 50), or after STALL_S without progress
WAIT_FLOOR_RATE=${WAIT_FLOOR_RATE:-10}
export ENGINE KEEP_DATA REBUILD PRODUCER_THREADS PRODUCER_BATCH WAIT_FLOOR_RATE

# ---------------------------------------------------------------- prerequisites
ensure_postfix_tools
ensure_producer                        # BenchProducer: Caravan's load and Postfix's message
if [[ ,$SCENARIOS, == *,caravan,* ]]; then
  if (( SNAPSHOT_BUILD )); then build_snapshot; else ensure_jar; fi
  check_jar_fresh
  snapshot_jar "$WORK"
fi
if [[ ,$SCENARIOS, == *,postfix,* ]]; then
  ensure_postfix_instance_prereqs
  ensure_opendkim
  postfix_message_file "$SIZE"
fi
rs_keys "$WORK/keys"

# ---------------------------------------------------------------- run metadata
{
  echo "title=Caravan real-sender benchmark (DKIM + STARTTLS)"
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
  echo "sink=lib/tlssink.py on 127.0.0.1 (STARTTLS offered, self-signed RSA-2048 certificate, discards)"
  echo "dkim=d=$DKIM_DOMAIN s=$DKIM_SELECTOR, RSA-2048 key generated for this invocation, rsa-sha256 relaxed/relaxed"
  if [[ ,$SCENARIOS, == *,caravan,* ]]; then
    echo "engine=$ENGINE ${JAR#"$ROOT"/} (built ${JAR_INFO:-?})"
    echo "caravan_config=bench/mta-realsender.yaml$( [[ $PLAIN == 1 ]] && echo ' --plain: WITHOUT dkim: and STARTTLS (a plumbing test, not comparable)' )"
  else
    echo "engine=(not run)"
  fi
  echo "engine_opts=${CARAVAN_JAVA_OPTS:+JAVA_OPTS: $CARAVAN_JAVA_OPTS}"
  echo "commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null)$(git -C "$ROOT" diff --quiet HEAD -- src routes config pom.xml 2>/dev/null || echo '+dirty')"
  if [[ ,$SCENARIOS, == *,postfix,* ]]; then
    echo "postfix=Postfix $POSTFIX_VERSION + OpenDKIM $("$OPENDKIM_BIN" -V 2>&1 | awk 'NR==1{print $NF}') milter, bench/postfix/{main,master,realsender}.cf, smtp_tls_security_level = encrypt, smtp-source -d -s $POSTFIX_SESSIONS -N -F <BenchProducer's message>, warm-up $WARMUP"
  fi
  echo "background=machine $(machine_busy_pct 2)% busy over 2 s before the first run, load $(loadavg), $(pgrep -c -x java 2>/dev/null || true) java processes already running"
} >"$WORK/meta.kv"

# ---------------------------------------------------------------- the runs
SINK_PORT=$(free_port)
tlssink_start "$SINK_PORT" "$WORK"
log "TLS sink on 127.0.0.1:$SINK_PORT; work dir $WORK"

FAILED=0
for ((r = 1; r <= RUNS; r++)); do
  RUNDIR=$WORK/run$r
  mkdir -p "$RUNDIR"
  (( ${QUIET_WAIT_S:-120} > 0 )) && wait_machine_quiet "${QUIET_WAIT_S:-120}"
  # alternate the order, so that neither MTA always runs on the machine the other just warmed
  order=("${SCEN[@]}")
  (( r % 2 == 0 && ${#SCEN[@]} == 2 )) && order=("${SCEN[1]}" "${SCEN[0]}")
  log "=== run $r / $RUNS: ${order[*]} (load $(loadavg))"
  for s in "${order[@]}"; do
    out=$RUNDIR/result-$s.kv
    if "scenario_rs_$s" "$out" "$RUNDIR" "$MESSAGES" "$SIZE" "$WARMUP"; then
      log "run $r: $s $(kv_get "$out" rate) msgs/s end to end, MTA $(kv_get "$out" mta_cpu_ms_per_msg) ms CPU/msg," \
          "TLS $(kv_get "$out" sink_tls_msgs)/$(kv_get "$out" sink_all_msgs), DKIM $(kv_get "$out" dkim_verified)/$(kv_get "$out" dkim_sampled) verified"
    else
      FAILED=$((FAILED + 1))
      warn "run $r: the $s scenario failed${out:+: $(kv_get "$out" fail_reason)} (logs in $RUNDIR)"
    fi
    [[ -n $(kv_get "$out" check_note) ]] && log "run $r: $s: $(kv_get "$out" check_note)"
  done
done
stop_tracked "$SINK_PID"; SINK_PID=
[[ -n $RUN_JAR ]] && rm -f "$RUN_JAR"

# ---------------------------------------------------------------- report
(( FAILED > 0 && FAILED >= RUNS * ${#SCEN[@]} )) && RESULTS=$WORK/report.txt
python3 "$ROOT/bench/lib/report.py" "$WORK" | tee "$RESULTS"
echo
echo "written to ${RESULTS#"$ROOT"/}; raw records in ${WORK#"$ROOT"/}"
(( FAILED == 0 )) || { warn "$FAILED scenario run(s) failed"; exit 1; }
