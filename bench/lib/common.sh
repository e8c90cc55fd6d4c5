# bench/lib/common.sh - shared helpers for the benchmark scripts (sourced, not run).
#   process tracking + cleanup, free ports, /proc sampling, waiting.
# Everything here talks to 127.0.0.1 only.

# ---------------------------------------------------------------- logging
log()  { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
warn() { printf '[%s] WARNING: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die()  { printf '[%s] ERROR: %s\n' "$(date +%H:%M:%S)" "$*" >&2; exit 1; }

now_ms() { date +%s%3N; }

# ---------------------------------------------------------------- process tracking
# Every background process the bench starts is registered here and stopped on exit,
# Ctrl-C or TERM: SIGTERM first, SIGKILL after its grace period. Only these pids are touched.
declare -a BENCH_PIDS=()        # entries "pid:grace_seconds:label"

track_pid() {                   # track_pid PID GRACE LABEL
  BENCH_PIDS+=("$1:$2:$3")
}

untrack_pid() {                 # untrack_pid PID
  local keep=() e
  for e in "${BENCH_PIDS[@]}"; do [[ ${e%%:*} == "$1" ]] || keep+=("$e"); done
  BENCH_PIDS=("${keep[@]}")
}

stop_pid() {                    # stop_pid PID GRACE LABEL -> 0 if it ended on TERM, 1 if KILLed
  local pid=$1 grace=${2:-10} label=${3:-process} i
  kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
  kill -TERM "$pid" 2>/dev/null
  for ((i = 0; i < grace * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
    sleep 0.1
  done
  warn "$label (pid $pid) still running ${grace}s after SIGTERM: SIGKILL"
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  return 1
}

stop_tracked() {                # stop_tracked PID : stop one tracked process and forget it
  local e rc=0 pid grace label
  for e in "${BENCH_PIDS[@]}"; do
    if [[ ${e%%:*} == "$1" ]]; then
      IFS=: read -r pid grace label <<<"$e"
      stop_pid "$pid" "$grace" "$label" || rc=1
    fi
  done
  untrack_pid "$1"
  return $rc
}

cleanup_all() {
  local i e pid grace label
  for ((i = ${#BENCH_PIDS[@]} - 1; i >= 0; i--)); do
    e=${BENCH_PIDS[i]}
    IFS=: read -r pid grace label <<<"$e"
    if kill -0 "$pid" 2>/dev/null; then
      log "cleanup: stopping $label (pid $pid)"
      stop_pid "$pid" "$grace" "$label"
    fi
  done
  BENCH_PIDS=()
  if declare -F bench_exit_hook >/dev/null; then bench_exit_hook; fi
}

install_traps() {
  trap 'cleanup_all' EXIT
  trap 'log "interrupted"; exit 130' INT
  trap 'log "terminated"; exit 143' TERM
}

# Run a command in the background and wait for it, so that a trap can interrupt the wait.
# Output goes where the caller redirects. Returns the command's exit code.
run_waited() {                  # run_waited LABEL GRACE cmd...
  local label=$1 grace=$2 pid rc
  shift 2
  "$@" &
  pid=$!
  track_pid "$pid" "$grace" "$label"
  wait "$pid"; rc=$?
  untrack_pid "$pid"
  return $rc
}

# ---------------------------------------------------------------- ports
free_port() {                   # a currently free TCP port on 127.0.0.1
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

port_listening() {              # port_listening PORT
  ss -Hltn "sport = :$1" 2>/dev/null | grep -q .
}

# ---------------------------------------------------------------- /proc sampling
CLK_TCK=$(getconf CLK_TCK)

proc_cpu_ticks() {              # utime+stime of a live process, in clock ticks
  local s
  s=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return 1; }
  s=${s##*) }                   # drop "pid (comm) "; fields now start at #3 (state)
  awk '{print $12 + $13}' <<<"$s"
}

ticks_to_ms() { awk -v t="$1" -v hz="$CLK_TCK" 'BEGIN{printf "%.0f", t * 1000 / hz}'; }

proc_hwm_kb()  { awk '/^VmHWM:/{print $2}' "/proc/$1/status" 2>/dev/null; }
proc_rss_kb()  { awk '/^VmRSS:/{print $2}' "/proc/$1/status" 2>/dev/null; }

sys_cpu_sample() {              # "busy steal iowait irq+softirq" ticks summed over all cpus
  awk '/^cpu /{print $2+$3+$4+$7+$8, $9, $6, $7+$8}' /proc/stat
}

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

# machine_busy_pct [SECONDS] : busy share of all cpus over a short sample, in percent.
machine_busy_pct() {
  local a b t=${1:-2}
  a=$(awk '/^cpu /{b=$2+$3+$4+$7+$8; print b, b+$5+$6}' /proc/stat)
  sleep "$t"
  b=$(awk '/^cpu /{b=$2+$3+$4+$7+$8; print b, b+$5+$6}' /proc/stat)
  awk -v a="$a" -v b="$b" 'BEGIN{split(a,x," "); split(b,y," "); d=y[2]-x[2]; printf "%.0f", (d > 0 ? (y[1]-x[1])*100/d : 0)}'
}

# wait_machine_quiet MAX_S : on a shared machine, wait (at most MAX_S) until other work leaves
#   the cpus mostly idle (< QUIET_PCT %, default 20). Sets MACHINE_BUSY_PCT to the last sample.
wait_machine_quiet() {
  local max=$1 t0 said=0
  t0=$(date +%s)
  while :; do
    MACHINE_BUSY_PCT=$(machine_busy_pct 2)
    (( MACHINE_BUSY_PCT < ${QUIET_PCT:-20} )) && return 0
    if (( $(date +%s) - t0 >= max )); then
      warn "the machine is still ${MACHINE_BUSY_PCT}% busy with other work after ${max}s: running anyway"
      return 1
    fi
    (( said++ == 0 )) && log "the machine is ${MACHINE_BUSY_PCT}% busy with other work: waiting up to ${max}s for it to settle"
  done
}

# ---------------------------------------------------------------- waiting
# wait_http_up URL PID TIMEOUT_S : until URL answers with "UP", the pid dies, or timeout.
wait_http_up() {
  local url=$1 pid=$2 timeout=$3 deadline
  deadline=$(( $(date +%s) + timeout ))
  while (( $(date +%s) < deadline )); do
    kill -0 "$pid" 2>/dev/null || return 2
    if curl -s --noproxy '*' --max-time 2 "$url" 2>/dev/null | grep -q '"UP"'; then
      return 0
    fi
    sleep 0.5
  done
  return 1
}

# wait_quiet PID [MAX_S] : wait until PID uses < 5% of a core over 1 s (JIT/GC settled), max MAX_S.
wait_quiet() {
  local pid=$1 max=${2:-15} a b i
  for ((i = 0; i < max; i++)); do
    a=$(proc_cpu_ticks "$pid") || return 1
    sleep 1
    b=$(proc_cpu_ticks "$pid") || return 1
    (( (b - a) * 100 < CLK_TCK * 5 )) && return 0
  done
  return 0
}

# key=value records -------------------------------------------------------
kv_get() { awk -F= -v k="$2" '$1 == k {sub(/^[^=]*=/, ""); v = $0} END {print v}' "$1"; }
kv_put() { printf '%s=%s\n' "$2" "$3" >>"$1"; }
