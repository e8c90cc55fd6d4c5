# bench/lib/artemis-cli.sh - the Artemis CLI's producer as a submission shape: what the README
# shows users (`artemis producer --message "$(cat message.eml)"`), from the Artemis distribution
# of the broker's version. Sourced after common.sh and caravan.sh. Uses: ROOT, ENGINE_BROKER_PORT,
# SUBMITTER_USER, SUBMITTER_PASSWORD, PRODUCER_THREADS, PRODUCER_BATCH.

ARTEMIS_CLI_VERSION=2.40.0
ARTEMIS_CLI_DIR=$ROOT/bench/work/artemis
ARTEMIS_CLI=$ARTEMIS_CLI_DIR/apache-artemis-$ARTEMIS_CLI_VERSION/bin/artemis

# ensure_artemis_cli : the distribution, unpacked once under bench/work/artemis (git-ignored).
# The bin tarball is one Maven artifact; the CLI's own jar alone does not resolve its runtime
# (its dependency tree asks for a Windows service wrapper from a repository that is unreachable).
ensure_artemis_cli() {
  [[ -x $ARTEMIS_CLI ]] && return 0
  local art=org.apache.activemq:apache-artemis:$ARTEMIS_CLI_VERSION:tar.gz:bin
  local tgz=$HOME/.m2/repository/org/apache/activemq/apache-artemis/$ARTEMIS_CLI_VERSION/apache-artemis-$ARTEMIS_CLI_VERSION-bin.tar.gz
  if [[ ! -f $tgz ]]; then
    log "fetching $art with Maven"
    mvn -B -q dependency:get -Dtransitive=false "-Dartifact=$art" >&2 || die "cannot fetch $art"
  fi
  mkdir -p "$ARTEMIS_CLI_DIR"
  tar -xzf "$tgz" -C "$ARTEMIS_CLI_DIR" || die "cannot unpack $tgz"
  [[ -x $ARTEMIS_CLI ]] || die "no $ARTEMIS_CLI in the distribution"
}

# artemis_cli_producer OUT.kv JOB N MESSAGE_FILE : N copies of the file's text as persistent
#   TextMessages to mail.submit, PRODUCER_THREADS threads (the CLI's --message-count is per thread),
#   a commit every PRODUCER_BATCH, with the jobId property (the CLI's --properties) so that the
#   accounting can tell the batch apart. Every copy has the same Message-ID, as a user's loop over
#   one file would. Writes start_ms, end_ms, sent, intake_rate, cpu_ms_per_msg to OUT.kv: the send
#   phase is the longest thread's own "Elapsed time", ending when the CLI exits (its JVM start,
#   ~1 s, is left out of the rate but not out of the engine's CPU window, where the engine idles).
artemis_cli_producer() {
  local out=$1 job=$2 n=$3 file=$4 threads=${PRODUCER_THREADS:-4} rc t0 t1 ms per
  (( n % threads == 0 )) || threads=1
  per=$(( n / threads ))
  t0=$(now_ms)
  python3 "$ROOT/bench/lib/proctree.py" run-timed "${out%.kv}.times" "${out%.kv}.log" \
    "$ARTEMIS_CLI" producer --silent --url "tcp://127.0.0.1:$ENGINE_BROKER_PORT" \
      --user "$SUBMITTER_USER" --password "$SUBMITTER_PASSWORD" --destination queue://mail.submit \
      --threads "$threads" --message-count "$per" --commit-interval "${PRODUCER_BATCH:-50}" \
      --properties "[{\"type\":\"string\",\"key\":\"jobId\",\"value\":\"$job\"}]" \
      --message "$(cat "$file")" 2>"${out%.kv}.err"
  rc=$?
  t1=$(now_ms)
  (( rc == 0 )) || { cat "${out%.kv}.log" >>"${out%.kv}.err"; return 1; }
  ms=$(awk '/Elapsed time in milli second/ {if ($(NF-2) > m) m = $(NF-2)} END {print m + 0}' "${out%.kv}.log")
  (( ms > 0 )) || ms=$(( t1 - t0 ))
  : >"$out"
  kv_put "$out" start_ms "$(( t1 - ms ))"
  kv_put "$out" end_ms "$t1"
  kv_put "$out" sent "$(( per * threads ))"
  kv_put "$out" intake_rate "$(awk -v n="$(( per * threads ))" -v ms="$ms" 'BEGIN{printf "%.1f", n * 1000 / ms}')"
  kv_put "$out" cpu_ms_per_msg "$(awk -v n="$(( per * threads ))" '{printf "%.3f", ($1 + $2) * 1000 / n}' "${out%.kv}.times")"
}
