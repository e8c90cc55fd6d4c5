# bench/lib/postfix.sh - scenario (b): a private Postfix instance relaying the same load to the
# same smtp-sink. Sourced after common.sh and sink.sh. Uses: ROOT, WORK, SINK_PORT, SINK_LOG,
# CLASSPATH_FILE / PRODUCER_CLASSES (to write the message with BenchProducer), POSTFIX_SESSIONS.
#
# The instance: bench/postfix/{main,master}.cf filled in per run, config/queue/data directories
# under <rundir>/postfix/, `postfix -c <dir> start` (needs root, as Postfix's master does), SMTP in
# on a free 127.0.0.1 port, relayhost = [127.0.0.1]:<sink port>, no DNS. Stopped and its queue
# deleted at the end of each run, and on exit, Ctrl-C or TERM (only its own master pid).

POSTFIX_BIN=$(command -v postfix || echo /usr/sbin/postfix)
# smtp-source sessions into Postfix (each a connection reused for its messages, -d). 4 = the
# Caravan producer's 4 connections, and Postfix's best of 2/4/8/16/32 on this 2-core machine
# (more sessions = more smtpd+cleanup processes fsyncing at once = more contention; README).
POSTFIX_SESSIONS=${POSTFIX_SESSIONS:-4}
PF_DIR= PF_PORT= PF_MASTER= PF_CG= PF_CG_KIND= PF_MSG=

ensure_postfix_instance_prereqs() {
  [[ -x $POSTFIX_BIN ]] || die "postfix is not installed (Debian's postfix package)"
  (( EUID == 0 )) || die "the postfix scenario runs a private Postfix instance: it needs root"
  id postfix >/dev/null 2>&1 || die "no 'postfix' user (Debian's postfix package creates it)"
  getent group postdrop >/dev/null || die "no 'postdrop' group (Debian's postfix package creates it)"
  local v; v=$(postconf -d -h mail_version 2>/dev/null)
  [[ ${v%%.*} -ge 3 ]] 2>/dev/null || die "need Postfix 3.x, found '${v:-?}'"
  POSTFIX_VERSION=$v
}

# The message smtp-source sends: BenchProducer's own message (same headers, body, dot lines and
# size as Caravan gets), written once per invocation. smtp-source -F adds CRLF and dot-stuffing.
postfix_message_file() {        # postfix_message_file SIZE -> sets PF_MSG
  PF_MSG=$WORK/postfix-message.eml
  [[ -s $PF_MSG ]] && return 0
  java -cp "$PRODUCER_CLASSES:$(cat "$CLASSPATH_FILE")" BenchProducer --write-message "$PF_MSG" \
      --size "$1" --job postfix-bench || die "BenchProducer --write-message failed"
}

# ---------------------------------------------------------------- CPU of all Postfix processes
# Primary: a cpuacct cgroup (v1 cpuacct.usage, or v2 cpu.stat usage_usec) that the instance is
# started in: the kernel charges every process in it, including those that exited, exactly.
# Cross-check (and fallback when no cgroup can be made): the /proc tree of the master plus the
# children it reaped (lib/proctree.py cpu).
pf_cgroup_make() {              # pf_cgroup_make NAME -> PF_CG, PF_CG_KIND (v1|v2|"")
  PF_CG= PF_CG_KIND=
  local d
  if [[ -f /sys/fs/cgroup/cgroup.controllers ]]; then
    d=/sys/fs/cgroup/caravan-bench-$1
    mkdir "$d" 2>/dev/null && [[ -f $d/cpu.stat ]] && { PF_CG=$d; PF_CG_KIND=v2; return 0; }
    rmdir "$d" 2>/dev/null
  fi
  for base in /sys/fs/cgroup/cpuacct /sys/fs/cgroup/cpu,cpuacct; do
    [[ -f $base/cpuacct.usage ]] || continue
    d=$base/caravan-bench-$1
    mkdir "$d" 2>/dev/null && [[ -f $d/cpuacct.usage ]] && { PF_CG=$d; PF_CG_KIND=v1; return 0; }
    rmdir "$d" 2>/dev/null
  done
  warn "no cpuacct cgroup could be made: Postfix CPU from the /proc process tree only"
  return 1
}

pf_cgroup_ns() {                # CPU ns charged to the instance's cgroup so far
  case $PF_CG_KIND in
    v1) cat "$PF_CG/cpuacct.usage" ;;
    v2) awk '$1 == "usage_usec" {print $2 * 1000}' "$PF_CG/cpu.stat" ;;
    *) echo "" ;;
  esac
}

pf_cgroup_remove() {
  [[ -n $PF_CG && -d $PF_CG ]] || return 0
  local i
  for ((i = 0; i < 50; i++)); do rmdir "$PF_CG" 2>/dev/null && break; sleep 0.1; done
  [[ -d $PF_CG ]] && warn "cgroup $PF_CG still has processes: $(cat "$PF_CG/cgroup.procs" | tr '\n' ' ')"
  PF_CG=
}

pf_tree_ticks() { python3 "$ROOT/bench/lib/proctree.py" cpu "$PF_MASTER" | awk -F= '$1=="tree_ticks"{print $2}'; }

# ---------------------------------------------------------------- instance lifecycle
# postfix_instance_start RUNDIR
postfix_instance_start() {
  local rundir=$1 f i
  PF_DIR=$rundir/postfix
  rm -rf "$PF_DIR"
  mkdir -p "$PF_DIR/etc" "$PF_DIR/spool" "$PF_DIR/data"
  chown postfix: "$PF_DIR/data"            # master.lock, the scache/verify databases
  PF_PORT=$(free_port)
  while [[ $PF_PORT == "$SINK_PORT" ]]; do PF_PORT=$(free_port); done
  for f in main.cf master.cf; do
    sed -e "s#@CONFIG_DIR@#$PF_DIR/etc#g; s#@QUEUE_DIR@#$PF_DIR/spool#g; s#@DATA_DIR@#$PF_DIR/data#g" \
        -e "s#@SMTPD_PORT@#$PF_PORT#g; s#@SINK_PORT@#$SINK_PORT#g" \
        -e "s#@MAILLOG@#$PF_DIR/maillog#g; s#@MAILLOG_PREFIX@#$PF_DIR#g" \
        "$ROOT/bench/postfix/$f" >"$PF_DIR/etc/$f"
    grep -q '@[A-Z_]*@' "$PF_DIR/etc/$f" && die "postfix $f still has a placeholder"
  done
  # a scenario's own settings (bench/realsender.sh: TLS, the DKIM milter); POSTFIX_EXTRA overrides them
  if declare -F pf_extra_config >/dev/null; then
    pf_extra_config "$PF_DIR/etc" || { warn "postfix: the scenario's extra settings failed"; return 1; }
  fi
  # POSTFIX_EXTRA="name=value ..." : extra main.cf settings for experiments (recorded in the run's kv)
  if [[ -n ${POSTFIX_EXTRA:-} ]]; then
    # shellcheck disable=SC2086
    postconf -c "$PF_DIR/etc" -e ${POSTFIX_EXTRA} || die "postconf -e $POSTFIX_EXTRA failed"
  fi
  # the safety rules, checked on the generated file, not assumed
  postconf -c "$PF_DIR/etc" -h relayhost | grep -qx "\[127.0.0.1\]:$SINK_PORT" || die "postfix relayhost is not the sink"
  postconf -c "$PF_DIR/etc" -h inet_interfaces | grep -qx loopback-only || die "postfix inet_interfaces is not loopback-only"
  postconf -c "$PF_DIR/etc" -h smtp_dns_support_level | grep -qx disabled || die "postfix DNS is not disabled"

  pf_cgroup_make "$$-$(basename "$rundir")"
  log "starting Postfix $POSTFIX_VERSION (private instance ${PF_DIR#"$ROOT"/}): smtpd 127.0.0.1:$PF_PORT -> sink 127.0.0.1:$SINK_PORT${PF_CG:+, cgroup $PF_CG}"
  if [[ -n $PF_CG ]]; then
    sh -c 'echo $$ >"$1/cgroup.procs" && exec "$2" -c "$3" start' _ "$PF_CG" "$POSTFIX_BIN" "$PF_DIR/etc" \
      >"$PF_DIR/start.log" 2>&1
  else
    "$POSTFIX_BIN" -c "$PF_DIR/etc" start >"$PF_DIR/start.log" 2>&1
  fi || { cat "$PF_DIR/start.log" "$PF_DIR/maillog" >&2 2>/dev/null; warn "postfix did not start"; pf_cgroup_remove; return 1; }
  for ((i = 0; i < 100; i++)); do
    PF_MASTER=$(tr -dc 0-9 <"$PF_DIR/spool/pid/master.pid" 2>/dev/null)
    [[ -n $PF_MASTER ]] && port_listening "$PF_PORT" && break
    sleep 0.1
  done
  if [[ -z $PF_MASTER ]] || ! port_listening "$PF_PORT"; then
    cat "$PF_DIR/maillog" >&2 2>/dev/null
    warn "postfix: no master pid or nothing listens on 127.0.0.1:$PF_PORT"
    return 1
  fi
  track_pid "$PF_MASTER" 15 postfix-master     # SIGTERM to the master = `postfix stop`
  log "postfix master pid $PF_MASTER"
}

postfix_instance_stop() {
  [[ -n $PF_DIR ]] || return 0
  if [[ -n $PF_MASTER ]] && kill -0 "$PF_MASTER" 2>/dev/null; then
    "$POSTFIX_BIN" -c "$PF_DIR/etc" stop >>"$PF_DIR/start.log" 2>&1
    local i
    for ((i = 0; i < 100; i++)); do kill -0 "$PF_MASTER" 2>/dev/null || break; sleep 0.1; done
  fi
  [[ -n $PF_MASTER ]] && stop_tracked "$PF_MASTER"
  PF_MASTER=
  pf_cgroup_remove
  if [[ ${KEEP_DATA:-0} != 1 ]]; then
    rm -rf "$PF_DIR/spool" "$PF_DIR/data"        # keep etc/ and the maillog (the evidence)
  fi
}

pf_queue_files() {              # messages still in the instance's queue
  find "$PF_DIR/spool/incoming" "$PF_DIR/spool/active" "$PF_DIR/spool/deferred" \
       "$PF_DIR/spool/maildrop" "$PF_DIR/spool/hold" -type f 2>/dev/null | wc -l
}

# pf_send SENDER N OUT_TIMES : smtp-source into Postfix; "user_s sys_s" of smtp-source to OUT_TIMES.
#   -d: reuse each session's connection (as the Caravan producer keeps its broker connections);
#   -N: a distinct recipient per message (NNNuser@bench.test), as Caravan's load;
#   -F: BenchProducer's message; -M/-f/-t: no lookup of the machine's name.
#   Waited for in the background (run_waited), so that Ctrl-C / TERM stop it at once.
pf_send() {
  local sender=$1 n=$2 out=$3
  # (no redirection on this call: a trap running during the wait would write into it)
  run_waited smtp-source 5 python3 "$ROOT/bench/lib/proctree.py" run-timed "$out" "${out%.times}.out" \
      "$SMTP_SOURCE" -4 -M bench.test -f "$sender" -t user@bench.test -N -F "$PF_MSG" \
      -d -s "$POSTFIX_SESSIONS" -m "$n" "127.0.0.1:$PF_PORT"
}

# pf_wait_sink_bg TARGET OUT : wait-sink in the background (PF_WAIT_PID), result "count epoch_ms" in OUT.
pf_wait_sink_bg() {
  local target=$1 out=$2 n=$3
  python3 "$ROOT/bench/lib/proctree.py" wait-sink "$SINK_LOG" "$target" "$PF_MASTER" \
      $(( ${WAIT_BASE_S:-60} + n / ${WAIT_FLOOR_RATE:-50} )) "${STALL_S:-120}" >"$out" &
  PF_WAIT_PID=$!
  track_pid "$PF_WAIT_PID" 2 sink-wait
}

pf_wait_sink_end() {            # -> exit code of wait-sink; PF_WAIT_COUNT, PF_WAIT_MS
  local rc
  wait "$PF_WAIT_PID"; rc=$?
  untrack_pid "$PF_WAIT_PID"
  read -r PF_WAIT_COUNT PF_WAIT_MS <"$1"
  return $rc
}

pf_explain() {                  # pf_explain RC WHAT N
  case $1 in
    1) warn "postfix $2: timed out with $PF_WAIT_COUNT at the sink (target above)" ;;
    2) warn "postfix $2: the master died" ;;
    3) warn "postfix $2: nothing new at the sink for ${STALL_S:-120}s ($PF_WAIT_COUNT)" ;;
  esac
  warn "postfix queue: $(pf_queue_files) messages; last maillog lines:"
  grep -vE 'status=sent|: removed$|: from=<|: client=|: message-id=|connect from|: disconnect from' \
    "$PF_DIR/maillog" 2>/dev/null | tail -15 >&2
}

# ---------------------------------------------------------------- the scenario
# scenario_postfix OUT.kv RUNDIR N SIZE WARMUP
scenario_postfix() {
  local out=$1 rundir=$2 n=$3 size=$4 warm=$5 tag rc
  tag=$(basename "$rundir")
  : >"$out"
  kv_put "$out" scenario postfix
  kv_put "$out" messages "$n"
  kv_put "$out" ok 0
  kv_put "$out" sessions "$POSTFIX_SESSIONS"
  kv_put "$out" postfix_extra "${POSTFIX_EXTRA:-}"
  kv_put "$out" busy_pct "$(machine_busy_pct 1)"
  kv_put "$out" load "$(loadavg)"
  postfix_instance_start "$rundir" || { postfix_instance_stop; return 1; }

  # 1. warm-up (unmeasured), the same size as Caravan's: every daemon spawned, caches and the
  #    connection cache filled, the page cache in the same state as for Caravan
  local m0 m1 t0 t1 tin
  if (( warm > 0 )); then
    log "postfix warm-up: $warm messages"
    m0=$(sink_msgs)
    pf_wait_sink_bg $(( m0 + warm )) "$rundir/postfix-warm.wait" "$warm"
    t0=$(now_ms)
    pf_send "warm-$tag@bench.test" "$warm" "$rundir/postfix-warm.times" || warn "smtp-source (warm-up) exited with $?"
    [[ -s $rundir/postfix-warm.times.start ]] && t0=$(cat "$rundir/postfix-warm.times.start")
    pf_wait_sink_end "$rundir/postfix-warm.wait"; rc=$?
    if (( rc != 0 )); then pf_explain $rc warm-up "$warm"; postfix_instance_stop; return 1; fi
    kv_put "$out" warm_rate "$(awk -v n="$warm" -v ms="$(( PF_WAIT_MS - t0 ))" 'BEGIN{printf "%.1f", n*1000/ms}')"
    local i
    for ((i = 0; i < 50; i++)); do (( $(pf_queue_files) == 0 )) && break; sleep 0.2; done
    sleep 1
  fi

  # 2. measured batch
  log "postfix measured: $n messages (smtp-source -d -s $POSTFIX_SESSIONS)"
  local cg0 cg1 tr0 tr1 s0 s1 sys0 sys1
  python3 "$ROOT/bench/lib/proctree.py" bycomm "$PF_MASTER" >"$rundir/postfix-procs.0"
  read -r -a sys0 <<<"$(sys_cpu_sample)"
  cg0=$(pf_cgroup_ns); tr0=$(pf_tree_ticks); s0=$(sink_cpu_ticks); m0=$(sink_msgs)
  if declare -F pf_window_hook >/dev/null; then pf_window_hook begin "$out" "$n"; fi
  rm -f "$rundir/postfix-mem.stop"
  python3 "$ROOT/bench/lib/proctree.py" mem "$PF_MASTER" "$rundir/postfix-mem.kv" "$rundir/postfix-mem.stop" 0.2 &
  local mem_pid=$!
  track_pid "$mem_pid" 3 postfix-mem-sampler
  pf_wait_sink_bg $(( m0 + n )) "$rundir/postfix-main.wait" "$n"
  t0=$(now_ms)
  pf_send "main-$tag@bench.test" "$n" "$rundir/postfix-main.times"; rc=$?
  tin=$(now_ms)
  # the clock starts when smtp-source starts (not when its python wrapper does)
  [[ -s $rundir/postfix-main.times.start ]] && t0=$(cat "$rundir/postfix-main.times.start")
  (( rc == 0 )) || warn "smtp-source into postfix exited with $rc: $(tail -3 "$rundir/postfix-main.out")"
  pf_wait_sink_end "$rundir/postfix-main.wait"; rc=$?
  t1=$PF_WAIT_MS
  cg1=$(pf_cgroup_ns); tr1=$(pf_tree_ticks); s1=$(sink_cpu_ticks)
  if declare -F pf_window_hook >/dev/null; then pf_window_hook end "$out" "$n"; fi
  read -r -a sys1 <<<"$(sys_cpu_sample)"
  python3 "$ROOT/bench/lib/proctree.py" bycomm "$PF_MASTER" >"$rundir/postfix-procs.1"
  touch "$rundir/postfix-mem.stop"; wait "$mem_pid"; untrack_pid "$mem_pid"
  if (( rc != 0 )); then pf_explain $rc measured "$n"; postfix_instance_stop; return 1; fi
  sleep 0.5; m1=$(sink_msgs)

  local cpu_pf_ticks cpu_method
  if [[ -n $cg0 && -n $cg1 ]]; then
    cpu_method="cgroup cpuacct ($PF_CG_KIND)"
    kv_put "$out" postfix_cpu_ms_per_msg "$(awk -v d="$(( cg1 - cg0 ))" -v n="$n" 'BEGIN{printf "%.3f", d/1e6/n}')"
    cpu_pf_ticks=$(awk -v d="$(( cg1 - cg0 ))" -v hz="$CLK_TCK" 'BEGIN{printf "%.0f", d/1e9*hz}')
  else
    cpu_method="/proc process tree"
    kv_put "$out" postfix_cpu_ms_per_msg "$(awk -v d="$(( tr1 - tr0 ))" -v hz="$CLK_TCK" -v n="$n" 'BEGIN{printf "%.3f", d*1000/hz/n}')"
    cpu_pf_ticks=$(( tr1 - tr0 ))
  fi
  kv_put "$out" cpu_method "$cpu_method"
  kv_put "$out" postfix_tree_cpu_ms_per_msg "$(awk -v d="$(( tr1 - tr0 ))" -v hz="$CLK_TCK" -v n="$n" 'BEGIN{printf "%.3f", d*1000/hz/n}')"
  TOTAL_TICKS=$cpu_pf_ticks python3 "$ROOT/bench/lib/proctree.py" bycomm-diff \
      "$rundir/postfix-procs.0" "$rundir/postfix-procs.1" "$n" >"$rundir/postfix-procs.kv"
  local times; times=$(tail -1 "$rundir/postfix-main.times")
  kv_put "$out" source_cpu_ms_per_msg "$(awk -v t="$times" -v n="$n" 'BEGIN{split(t,a," "); printf "%.4f", (a[1]+a[2])*1000/n}')"
  kv_put "$out" sink_cpu_ms_per_msg "$(awk -v d="$(( s1 - s0 ))" -v hz="$CLK_TCK" -v n="$n" 'BEGIN{printf "%.4f", d*1000/hz/n}')"
  kv_put "$out" all_cpu_ms_per_msg "$(awk -v d="$(( sys1[0] - sys0[0] ))" -v hz="$CLK_TCK" -v n="$n" 'BEGIN{printf "%.3f", d*1000/hz/n}')"
  kv_put "$out" irq_cpu_ms_per_msg "$(awk -v d="$(( sys1[3] - sys0[3] ))" -v hz="$CLK_TCK" -v n="$n" 'BEGIN{printf "%.3f", d*1000/hz/n}')"
  kv_put "$out" steal_ticks "$(( sys1[1] - sys0[1] ))"
  kv_put "$out" iowait_ticks "$(( sys1[2] - sys0[2] ))"
  kv_put "$out" first_send_ms "$t0"
  kv_put "$out" window_ms "$(( t1 - t0 ))"
  kv_put "$out" rate "$(awk -v n="$n" -v ms="$(( t1 - t0 ))" 'BEGIN{printf "%.1f", n*1000/ms}')"
  kv_put "$out" intake_rate "$(awk -v n="$n" -v ms="$(( tin - t0 ))" 'BEGIN{printf "%.1f", n*1000/ms}')"
  kv_put "$out" sink_msgs "$(( m1 - m0 ))"
  cat "$rundir/postfix-mem.kv" >>"$out"
  python3 "$ROOT/bench/lib/proctree.py" maillog "$PF_DIR/maillog" "main-$tag@bench.test" >>"$out"
  kv_put "$out" queue_left "$(pf_queue_files)"
  postfix_instance_stop
  kv_put "$out" ok 1
}
