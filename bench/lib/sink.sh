# bench/lib/sink.sh - Postfix's smtp-sink (the SMTP peer) and smtp-source (the ceiling).
# Sourced after common.sh.

SMTP_SINK=$(command -v smtp-sink || echo /usr/sbin/smtp-sink)
SMTP_SOURCE=$(command -v smtp-source || echo /usr/sbin/smtp-source)

# Make sure the Postfix postfix daemon is not running (apt's postinst may start it). Handles both
# a systemd machine and a container without an init system. Only Postfix's own master pid is
# signalled (read from its pid file), never processes found by name.
postfix_daemon_down() {
  if [[ -d /run/systemd/system ]] && command -v systemctl >/dev/null; then
    systemctl stop postfix >/dev/null 2>&1
    systemctl disable postfix >/dev/null 2>&1
  fi
  if command -v postfix >/dev/null && postfix status >/dev/null 2>&1; then
    postfix stop >/dev/null 2>&1
  fi
  local pidfile=/var/spool/postfix/pid/master.pid pid i
  if [[ -r $pidfile ]]; then
    pid=$(tr -dc 0-9 <"$pidfile")
    if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null && grep -q master "/proc/$pid/comm" 2>/dev/null; then
      kill -TERM "$pid"
      for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
  fi
  if port_listening 25; then
    warn "something still listens on port 25 after stopping Postfix:"
    ss -Hltnp 'sport = :25' >&2
  fi
}

# Install Debian's postfix package (smtp-sink, smtp-source) if missing, without leaving the
# daemon running. "No configuration" keeps the postinst from setting up a live mail system.
ensure_postfix_tools() {
  if [[ -x $SMTP_SINK && -x $SMTP_SOURCE ]]; then
    return 0
  fi
  (( EUID == 0 )) || die "smtp-sink is missing and installing postfix needs root"
  log "installing Debian's postfix package (smtp-sink, smtp-source)"
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections 2>/dev/null
  apt-get update -qq >&2 || die "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postfix >&2 || die "apt-get install postfix failed"
  postfix_daemon_down
  SMTP_SINK=$(command -v smtp-sink || echo /usr/sbin/smtp-sink)
  SMTP_SOURCE=$(command -v smtp-source || echo /usr/sbin/smtp-source)
  [[ -x $SMTP_SINK && -x $SMTP_SOURCE ]] || die "postfix installed but smtp-sink/smtp-source not found"
}

# sink_start PORT LOGFILE : smtp-sink on 127.0.0.1:PORT, counters (-c) to LOGFILE.
#   -m 512: up to 512 simultaneous sessions (default 256); backlog 1024.
#   -u nobody: required when started as root (drops privileges after bind).
SINK_PID=
SINK_LOG=
sink_start() {
  local port=$1 logf=$2 i user=()
  (( EUID == 0 )) && user=(-u nobody)
  "$SMTP_SINK" -4 -c "${user[@]}" -m 512 -h sink.bench.test "127.0.0.1:$port" 1024 >"$logf" 2>&1 &
  SINK_PID=$!
  SINK_LOG=$logf
  track_pid "$SINK_PID" 5 smtp-sink
  for ((i = 0; i < 50; i++)); do
    port_listening "$port" && return 0
    kill -0 "$SINK_PID" 2>/dev/null || break
    sleep 0.1
  done
  cat "$logf" >&2
  die "smtp-sink did not start on 127.0.0.1:$port"
}

sink_stop() { [[ -n $SINK_PID ]] && stop_tracked "$SINK_PID"; SINK_PID=; }

# Messages received so far (smtp-sink -c prints "sess=.. quit=.. mesg=N" with CRs).
sink_msgs() {
  tail -c 400 "$SINK_LOG" 2>/dev/null | tr '\r' '\n' | grep -o 'mesg=[0-9]*' | tail -1 | cut -d= -f2 | grep . || echo 0
}

sink_cpu_ticks() { proc_cpu_ticks "$SINK_PID"; }

# scenario_ceiling OUT.kv N SIZE PORT NAME SMTP-SOURCE-OPTIONS...
#   smtp-source straight into smtp-sink: the most this machine moves over loopback SMTP.
scenario_ceiling() {
  local out=$1 n=$2 size=$3 port=$4 name=$5
  shift 5
  local s0 m0 t0 t1 s1 m1 times rc
  : >"$out"
  kv_put "$out" scenario "$name"
  kv_put "$out" load "$(loadavg)"
  s0=$(sink_cpu_ticks); m0=$(sink_msgs)
  t0=$(now_ms)
  # bash's `time` reports the child's user/sys CPU; -M/-f/-t avoid any hostname lookup.
  local TIMEFORMAT='%3U %3S'
  times=$( { time "$SMTP_SOURCE" -4 -M bench.test -f sender@bench.test -t sink@bench.test \
               -l "$size" -m "$n" "$@" "127.0.0.1:$port" >/dev/null 2>&1 ; } 2>&1 ); rc=$?
  t1=$(now_ms)
  sleep 0.3                                   # let the sink print its last counter
  s1=$(sink_cpu_ticks); m1=$(sink_msgs)
  kv_put "$out" command "smtp-source -l $size -m $n $*"
  kv_put "$out" exit "$rc"
  kv_put "$out" messages "$n"
  kv_put "$out" sink_msgs "$(( m1 - m0 ))"
  kv_put "$out" elapsed_ms "$(( t1 - t0 ))"
  kv_put "$out" rate "$(awk -v n="$n" -v ms="$((t1 - t0))" 'BEGIN{printf "%.1f", n*1000/ms}')"
  kv_put "$out" source_cpu_ms_per_msg "$(awk -v t="$times" -v n="$n" 'BEGIN{split(t,a," "); printf "%.4f", (a[1]+a[2])*1000/n}')"
  kv_put "$out" sink_cpu_ms_per_msg "$(awk -v d="$((s1 - s0))" -v hz="$CLK_TCK" -v n="$n" 'BEGIN{printf "%.4f", d*1000/hz/n}')"
  (( rc == 0 )) || warn "smtp-source exited with $rc"
  (( m1 - m0 == n )) || warn "$name: smtp-sink counted $((m1 - m0)) messages, expected $n"
}
