# bench/lib/realsender.sh - the real-sender scenario's parts (bench/realsender.sh): the TLS sink,
# the DKIM key, OpenDKIM for Postfix, the hooks that give Postfix and Caravan their TLS and DKIM
# settings, and the checks at the sink. Sourced after common.sh, sink.sh, caravan.sh, postfix.sh.
# Uses: ROOT, WORK, PLAIN, DKIM_DOMAIN, DKIM_SELECTOR.

OPENDKIM_BIN=$(command -v opendkim || echo /usr/sbin/opendkim)
SINK_SAVE_EVERY=${SINK_SAVE_EVERY:-}         # set by bench/realsender.sh from --messages
DKIM_KEY= DKIM_PUB= SINK_SAVE= OD_PID= OD_SOCK= OD_DIR=

# Debian's opendkim package, without leaving its own daemon running (as ensure_postfix_tools: the
# service apt's postinst may start is stopped right after the install; a running one is left alone).
ensure_opendkim() {
  if [[ ! -x $OPENDKIM_BIN ]]; then
    (( EUID == 0 )) || die "opendkim is missing and installing it needs root"
    log "installing Debian's opendkim and opendkim-tools"
    apt-get update -qq >&2 || die "apt-get update failed"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq opendkim opendkim-tools >&2 \
      || die "apt-get install opendkim failed"
    opendkim_daemon_down
    OPENDKIM_BIN=$(command -v opendkim || echo /usr/sbin/opendkim)
  fi
  [[ -x $OPENDKIM_BIN ]] || die "opendkim installed but not found"
}

# The system's opendkim service (apt's postinst may start it): stopped through systemd, or by the
# pid in its own pid file; never processes found by name.
opendkim_daemon_down() {
  if [[ -d /run/systemd/system ]] && command -v systemctl >/dev/null; then
    systemctl stop opendkim >/dev/null 2>&1
    systemctl disable opendkim >/dev/null 2>&1
  fi
  local pidfile=/run/opendkim/opendkim.pid pid i
  if [[ -r $pidfile ]]; then
    pid=$(tr -dc 0-9 <"$pidfile")
    if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null && grep -q opendkim "/proc/$pid/comm" 2>/dev/null; then
      log "stopping the system's opendkim (pid $pid, from $pidfile)"
      kill -TERM "$pid"
      for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
  fi
}

# ---------------------------------------------------------------- keys and certificate
# rs_keys DIR : the DKIM key (RSA-2048, PKCS#8 PEM, one per invocation, the same for both MTAs)
#   and the sink's self-signed certificate. Under bench/work/ only (git-ignored), never committed.
rs_keys() {
  local d=$1
  mkdir -p "$d"; chmod 700 "$d"
  DKIM_KEY=$d/$DKIM_DOMAIN.rsa.pem
  DKIM_PUB=$d/$DKIM_DOMAIN.rsa.pub.pem
  (umask 077 && openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$DKIM_KEY" 2>/dev/null) \
    || die "openssl genpkey failed"
  grep -q 'BEGIN PRIVATE KEY' "$DKIM_KEY" || die "$DKIM_KEY is not a PKCS#8 PEM key"
  openssl pkey -in "$DKIM_KEY" -pubout -out "$DKIM_PUB" 2>/dev/null || die "openssl pkey -pubout failed"
  (umask 077 && openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=sink.bench.test \
      -keyout "$d/sink.key" -out "$d/sink.crt" 2>/dev/null) || die "openssl req (sink certificate) failed"
}

# ---------------------------------------------------------------- the TLS sink
# tlssink_start PORT DIR : lib/tlssink.py on 127.0.0.1:PORT; sets SINK_PID / SINK_LOG like
#   sink_start, so sink_msgs, sink_cpu_ticks and proctree.py wait-sink work unchanged.
tlssink_start() {
  local port=$1 d=$2 i
  SINK_LOG=$d/tlssink.counters
  SINK_SAVE=$d/sink-samples
  : >"$SINK_LOG"
  python3 "$ROOT/bench/lib/tlssink.py" --port "$port" --cert "$d/keys/sink.crt" --key "$d/keys/sink.key" \
      --log "$SINK_LOG" --save-dir "$SINK_SAVE" --save-every "${SINK_SAVE_EVERY:-2500}" $( [[ ${SINK_QUICKACK:-1} == 0 ]] && echo --no-quickack ) >"$d/tlssink.log" 2>&1 &
  SINK_PID=$!
  track_pid "$SINK_PID" 5 tls-sink
  for ((i = 0; i < 50; i++)); do
    port_listening "$port" && return 0
    kill -0 "$SINK_PID" 2>/dev/null || break
    sleep 0.1
  done
  cat "$d/tlssink.log" >&2
  die "the TLS sink did not start on 127.0.0.1:$port"
}

sink_tls_msgs() {               # messages received inside a TLS session so far
  tail -c 400 "$SINK_LOG" 2>/dev/null | grep -o 'tls_msgs=[0-9]*' | tail -1 | cut -d= -f2 | grep . || echo 0
}

# rs_sink_checks OUT.kv N M_BEFORE T_BEFORE : after a scenario (warm-up + measured batch), from
#   the sink: how many of its messages came over TLS, and the DKIM verdict of the samples of the
#   measured batch (the last N messages the sink received).
rs_sink_checks() {
  local out=$1 n=$2 m0=$3 t0=$4 m1 t1 f seq files=()
  sleep 0.2
  m1=$(sink_msgs); t1=$(sink_tls_msgs)
  kv_put "$out" sink_all_msgs "$(( m1 - m0 ))"
  kv_put "$out" sink_tls_msgs "$(( t1 - t0 ))"
  for f in "$SINK_SAVE"/msg-*.eml; do
    [[ -e $f ]] || continue
    seq=$(basename "$f" .eml); seq=$((10#${seq#msg-}))
    (( seq > m1 - n && seq <= m1 )) && files+=("$f")
  done
  if (( ${#files[@]} )); then
    kv_put "$out" sink_tls "$(awk -F= '$1=="tls"{print $2; exit}' "${files[-1]%.eml}.meta")"
    python3 "$ROOT/bench/lib/dkimcheck.py" "$DKIM_PUB" "$DKIM_DOMAIN" "$DKIM_SELECTOR" "${files[@]}" \
        >>"$out" 2>"${out%.kv}.dkim.log"
  else
    kv_put "$out" dkim_sampled 0
  fi
  # a run that did not sign or not encrypt is not a real-sender figure
  local why=
  (( $(kv_get "$out" sink_tls_msgs) == $(kv_get "$out" sink_all_msgs) )) \
    || why="only $(kv_get "$out" sink_tls_msgs) of $(kv_get "$out" sink_all_msgs) messages came over TLS"
  local ds dv; ds=$(kv_get "$out" dkim_sampled); dv=$(kv_get "$out" dkim_verified)
  (( ds > 0 && dv == ds )) || why="${why:+$why; }DKIM verified on ${dv:-0} of ${ds:-0} sampled messages ($(kv_get "$out" dkim_fail_reason))"
  if [[ -n $why ]]; then
    if [[ $(kv_get "$out" scenario) == caravan && $PLAIN == 1 ]]; then
      kv_put "$out" check_note "--plain: $why (expected)"
    elif [[ $(kv_get "$out" ok) == 1 ]]; then
      kv_put "$out" fail_reason "$why"
      kv_put "$out" ok 0
    fi
  fi
}

# ---------------------------------------------------------------- Postfix: OpenDKIM + TLS
# opendkim_start RUNDIR : a fresh OpenDKIM per run, in the foreground, as the bench's child.
opendkim_start() {
  local i
  OD_DIR=$1/opendkim
  mkdir -p "$OD_DIR"
  OD_SOCK=$OD_DIR/opendkim.sock
  sed -e "s#@DKIM_DOMAIN@#$DKIM_DOMAIN#g; s#@DKIM_SELECTOR@#$DKIM_SELECTOR#g; s#@DKIM_KEY@#$DKIM_KEY#g" \
      -e "s#@MILTER_SOCKET@#$OD_SOCK#g; s#@DIR@#$OD_DIR#g" "$ROOT/bench/postfix/opendkim.conf" >"$OD_DIR/opendkim.conf"
  grep -q '@[A-Z_]*@' "$OD_DIR/opendkim.conf" && die "opendkim.conf still has a placeholder"
  "$OPENDKIM_BIN" -f -x "$OD_DIR/opendkim.conf" >"$OD_DIR/opendkim.log" 2>&1 &
  OD_PID=$!
  track_pid "$OD_PID" 10 opendkim
  for ((i = 0; i < 100; i++)); do
    [[ -S $OD_SOCK ]] && { log "opendkim pid $OD_PID on ${OD_SOCK#"$ROOT"/} (d=$DKIM_DOMAIN s=$DKIM_SELECTOR)"; return 0; }
    kill -0 "$OD_PID" 2>/dev/null || break
    sleep 0.1
  done
  cat "$OD_DIR/opendkim.log" >&2
  warn "opendkim did not open its socket $OD_SOCK"
  return 1
}

opendkim_stop() { [[ -n $OD_PID ]] && stop_tracked "$OD_PID"; OD_PID=; }

# pf_extra_config ETC_DIR (hook of postfix_instance_start): bench/postfix/realsender.cf, the
#   tlsmgr and tlsproxy services, and a check of the generated file.
pf_extra_config() {
  local etc=$1 line args=()
  while IFS= read -r line; do
    [[ $line =~ ^[[:space:]]*(#|$) ]] && continue
    args+=("${line//@MILTER_SOCKET@/$OD_SOCK}")
  done <"$ROOT/bench/postfix/realsender.cf"
  postconf -c "$etc" -e "${args[@]}" || return 1
  postconf -c "$etc" -Me 'tlsmgr/unix=tlsmgr unix - - n 1000? 1 tlsmgr' \
                         'tlsproxy/unix=tlsproxy unix - - n - 0 tlsproxy' || return 1
  postconf -c "$etc" -h smtp_tls_security_level | grep -qx encrypt || { warn "postfix: smtp_tls_security_level is not encrypt"; return 1; }
  postconf -c "$etc" -h smtpd_milters | grep -qx "unix:$OD_SOCK" || { warn "postfix: smtpd_milters is not the bench's opendkim"; return 1; }
}

# pf_window_hook begin|end OUT.kv N (hook of scenario_postfix): OpenDKIM's CPU over the measured
#   batch, and the MTA total (all Postfix processes + OpenDKIM).
pf_window_hook() {
  case $1 in
    begin) OD_T0=$(proc_cpu_ticks "$OD_PID") ;;
    end)
      local t1; t1=$(proc_cpu_ticks "$OD_PID")
      kv_put "$2" opendkim_cpu_ms_per_msg "$(awk -v d="$(( t1 - OD_T0 ))" -v hz="$CLK_TCK" -v n="$3" 'BEGIN{printf "%.3f", d*1000/hz/n}')" ;;
  esac
}

# scenario_rs_postfix OUT.kv RUNDIR N SIZE WARMUP : OpenDKIM, then bench/run.sh's Postfix scenario
#   (with the hooks above), then the sink's checks.
scenario_rs_postfix() {
  local out=$1 rundir=$2 n=$3 m0 t0 rc
  opendkim_start "$rundir" || { opendkim_stop; : >"$out"; kv_put "$out" scenario postfix; kv_put "$out" ok 0; return 1; }
  m0=$(sink_msgs); t0=$(sink_tls_msgs)
  scenario_postfix "$@"; rc=$?
  local od_rss; od_rss=$(proc_hwm_kb "$OD_PID")
  opendkim_stop
  kv_put "$out" opendkim_peak_rss_kb "$od_rss"
  local pf od
  pf=$(kv_get "$out" postfix_cpu_ms_per_msg); od=$(kv_get "$out" opendkim_cpu_ms_per_msg)
  [[ -n $pf && -n $od ]] && kv_put "$out" mta_cpu_ms_per_msg "$(awk -v a="$pf" -v b="$od" 'BEGIN{printf "%.3f", a + b}')"
  if (( rc != 0 )); then
    kv_put "$out" fail_reason "the Postfix part failed (the warnings above; ${PF_DIR#"$ROOT"/}/maillog)"
    return $rc
  fi
  rs_sink_checks "$out" "$n" "$m0" "$t0"
  [[ $(kv_get "$out" ok) == 1 ]]
}

# ---------------------------------------------------------------- Caravan: DKIM + STARTTLS
# mta_config_hook FILE (hook of write_mta_config): the DKIM key filled in; with --plain, the
#   lines marked "# secure" (dkim:, use-starttls, ...) left out.
mta_config_hook() {
  local f=$1
  if [[ $PLAIN == 1 ]]; then
    sed -i '/# secure$/d' "$f"
  else
    sed -i -e "s#@DKIM_DOMAIN@#$DKIM_DOMAIN#g; s#@DKIM_SELECTOR@#$DKIM_SELECTOR#g; s#@DKIM_KEY@#$DKIM_KEY#g" "$f"
  fi
}

scenario_rs_caravan() {
  local out=$1 n=$3 m0 t0 rc
  m0=$(sink_msgs); t0=$(sink_tls_msgs)
  scenario_caravan "$@"; rc=$?
  kv_put "$out" mta_cpu_ms_per_msg "$(kv_get "$out" engine_cpu_ms_per_msg)"
  kv_put "$out" config "$( [[ $PLAIN == 1 ]] && echo 'plain (no dkim:, no STARTTLS keys)' || echo 'dkim + STARTTLS' )"
  if (( rc != 0 )); then
    local why; why=$(grep -m1 -oE 'Invalid Caravan configuration: .*' "$2/engine.log" 2>/dev/null)
    kv_put "$out" fail_reason "${why:-see ${2#"$ROOT"/}/engine.log}"
    return $rc
  fi
  rs_sink_checks "$out" "$n" "$m0" "$t0"
  [[ $(kv_get "$out" ok) == 1 ]]
}
