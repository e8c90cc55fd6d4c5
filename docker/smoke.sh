#!/usr/bin/env bash
# docker/smoke.sh - the docker/compose.yaml topology run natively, with the same files, where no
# container engine is available:
#   Artemis   the distribution from Maven (org.apache.activemq:apache-artemis:2.40.0:bin), an
#             instance made by docker/artemis/instance.sh with docker/artemis/broker.xml
#   Caravan   target/caravan.jar (built if missing) through bin/caravan-engine, the image's
#             entrypoint, spring.artemis.mode=native against it, with
#             docker/caravan/mta.yaml whose mailpit:1025 routes become a local sink
#   sink      Postfix's smtp-sink on 127.0.0.1 (Mailpit's stand-in), dumping each mail to a file
#   Prometheus Debian's, on a byte-identical copy of docker/prometheus/{prometheus,alerts}.yml
#             with a targets/ file pointing at the engine on 127.0.0.1
# It submits mail as a submitter and checks: the mail reaches the sink; the submitter cannot send
# into the spool; the Artemis console answers 401 without a login, 200 with the admin's and lists
# the mail queues; Prometheus scrapes the engine; promtool check/test rules pass; every dashboard
# query parses. Prints PASS/FAIL per check and stops everything it started (by pid).
#
#   docker/smoke.sh                 # from anywhere; SMOKE_WORK=dir keeps the work dir there
#   SMOKE_KEEP=1 docker/smoke.sh    # leave the processes running (for screenshots), print how to stop
#
# Nothing here talks to a real mail or DNS server: every route is 127.0.0.1 and the demo policy
# classifies by domain name only.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
docker_dir=$root/docker
artemis_version=2.40.0
work=${SMOKE_WORK:-$(mktemp -d /tmp/caravan-smoke.XXXXXX)}
mkdir -p "$work"
nice=(nice -n 19)

pids=()
results=()
failed=0

log() { printf '[smoke %s] %s\n' "$(date -u +%T)" "$*"; }
pass() { results+=("PASS  $1"); log "PASS $1"; }
fail() { results+=("FAIL  $1${2:+: $2}"); failed=1; log "FAIL $1${2:+: $2}"; }
check() { local name=$1; shift; if "$@"; then pass "$name"; else fail "$name"; fi; }

cleanup() {
  if [[ -n ${SMOKE_KEEP:-} ]]; then
    log "SMOKE_KEEP set: left running, stop with: kill ${pids[*]}"
    return
  fi
  local pid
  for pid in "${pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null
  done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null
  done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

wait_for() { # wait_for SECONDS DESCRIPTION COMMAND...
  local seconds=$1 what=$2 i
  shift 2
  for ((i = 0; i < seconds * 2; i++)); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  log "timed out after ${seconds}s waiting for $what"
  return 1
}

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# --- secrets for this run only (never written to the repository) -------------------------------
export MTA_BROKER_USER=caravan
export MTA_BROKER_PASSWORD=engine-$RANDOM$RANDOM
export MTA_ADMIN_USER=admin
export MTA_ADMIN_PASSWORD=admin-$RANDOM$RANDOM
submitter_password=app-$RANDOM$RANDOM
export MTA_SUBMITTERS=app:$submitter_password

broker_port=$(free_port)
console_port=$(free_port)
sink_port=$(free_port)
http_port=$(free_port)
prom_port=$(free_port)
log "work dir $work; broker $broker_port, Artemis console $console_port, sink $sink_port, engine $http_port, Prometheus $prom_port"

# --- Artemis from Maven -------------------------------------------------------------------------
artemis_home=$work/apache-artemis-$artemis_version
if [[ ! -x $artemis_home/bin/artemis ]]; then
  log "fetching org.apache.activemq:apache-artemis:$artemis_version:tar.gz:bin with Maven"
  "${nice[@]}" mvn -q -B dependency:copy \
    "-Dartifact=org.apache.activemq:apache-artemis:$artemis_version:tar.gz:bin" \
    "-DoutputDirectory=$work" >"$work/mvn-artemis.log" 2>&1 \
    || { cat "$work/mvn-artemis.log"; fail "Artemis distribution from Maven"; exit 1; }
  tar -xzf "$work/apache-artemis-$artemis_version-bin.tar.gz" -C "$work"
fi

instance=$work/broker
rm -rf "$instance"   # a fresh instance: its console port is fixed at creation
log "creating the broker instance with docker/artemis/instance.sh"
if ARTEMIS_HTTP_HOST=127.0.0.1 ARTEMIS_HTTP_PORT=$console_port ARTEMIS_JAVA_MEMORY=512M "${nice[@]}" \
    bash "$docker_dir/artemis/instance.sh" "$artemis_home" "$instance" >"$work/instance.log" 2>&1; then
  pass "broker instance created from docker/artemis (broker.xml, logins from the environment)"
else
  cat "$work/instance.log"
  fail "broker instance created from docker/artemis"
  exit 1
fi
if grep -q -e "$MTA_ADMIN_PASSWORD" -e "$MTA_BROKER_PASSWORD" -e "$submitter_password" "$instance/etc/artemis-users.properties"; then
  fail "broker passwords stored hashed" "a clear-text password in artemis-users.properties"
else
  pass "broker passwords stored hashed"
fi
JAVA_ARGS_APPEND="-Dcaravan.broker.host=127.0.0.1 -Dcaravan.broker.port=$broker_port" \
  "${nice[@]}" "$instance/bin/artemis" run >"$work/artemis.log" 2>&1 &
pids+=($!)
wait_for 120 "Artemis on $broker_port" listening "$broker_port" || { tail -30 "$work/artemis.log"; fail "Artemis started"; exit 1; }
wait_for 60 "Artemis console on $console_port" listening "$console_port"
pass "Artemis started (broker.xml acceptor on 127.0.0.1:$broker_port)"

# --- the sink (Mailpit's stand-in) --------------------------------------------------------------
mkdir -p "$work/sink"
chmod 0777 "$work/sink"
chmod o+x "$work"          # mktemp -d makes it 0700: the sink, run as nobody, must reach sink/
sink_user=()
((EUID == 0)) && sink_user=(-u nobody)
/usr/sbin/smtp-sink -4 "${sink_user[@]}" -h sink.smoke.test -d "$work/sink/mail-" "127.0.0.1:$sink_port" 64 \
  >"$work/sink.log" 2>&1 &
pids+=($!)
wait_for 10 "smtp-sink on $sink_port" listening "$sink_port" || { fail "smtp-sink started"; exit 1; }

# --- Caravan, native mode -----------------------------------------------------------------------
jar=$root/target/caravan.jar
if [[ ! -f $jar ]]; then
  log "building target/caravan.jar"
  (cd "$root" && "${nice[@]}" mvn -o -q -B -DskipTests package) >"$work/build.log" 2>&1 \
    || { tail -30 "$work/build.log"; fail "engine jar built"; exit 1; }
fi
sed "s/mailpit:1025/127.0.0.1:$sink_port/g" "$docker_dir/caravan/mta.yaml" >"$work/mta.yaml"
if grep -q mailpit "$work/mta.yaml" || [[ $(grep -c "^    route: 127.0.0.1:$sink_port$" "$work/mta.yaml") -ne $(grep -c "^  [a-z0-9]*:$" <(sed -n '/^domain-policies:/,$p' "$docker_dir/caravan/mta.yaml")) ]]; then
  fail "every policy of docker/caravan/mta.yaml routed to the sink"
  exit 1
fi
pass "every policy of docker/caravan/mta.yaml routed to the sink"
(cd "$root" && SPRING_ARTEMIS_MODE=native SPRING_ARTEMIS_BROKER_URL="tcp://127.0.0.1:$broker_port" \
  MTA_CONFIG="$work/mta.yaml" CARAVAN_DATA_DIR="$work/caravan-data" SERVER_ADDRESS=127.0.0.1 \
  SERVER_PORT=$http_port CARAVAN_JAR="$jar" CARAVAN_CACHE_DIR="$work/cds" \
  exec "${nice[@]}" "$root/bin/caravan-engine") >"$work/caravan.log" 2>&1 &   # the image's entrypoint
pids+=($!)
health() { curl -fsS "http://127.0.0.1:$http_port/actuator/health" | grep -q '"status":"UP"'; }
if wait_for 180 "Caravan health UP" health; then
  pass "Caravan started in native mode, /actuator/health UP"
else
  tail -40 "$work/caravan.log"
  fail "Caravan started in native mode, /actuator/health UP"
fi

# --- Prometheus on the same files ---------------------------------------------------------------
prom=$work/prometheus
mkdir -p "$prom/targets"
cp "$docker_dir/prometheus/prometheus.yml" "$docker_dir/prometheus/alerts.yml" "$prom/"
printf -- '- targets: ["127.0.0.1:%s"]\n  labels:\n    instance: caravan\n' "$http_port" >"$prom/targets/caravan.yml"
"${nice[@]}" /usr/bin/prometheus --config.file="$prom/prometheus.yml" --storage.tsdb.path="$prom/data" \
  --web.listen-address="127.0.0.1:$prom_port" >"$work/prometheus.log" 2>&1 &
pids+=($!)

# --- submit mail as a submitter -----------------------------------------------------------------
recipients=(alice@gmail.com bob@yahoo.com carol@hotmail.com dave@example.org)
count=3
# LF line ends: the CLI's --message is a shell argument, and $(...) would strip a final LF but
# leave a bare CR, which intake rightly refuses (unparseable)
message=$(printf 'From: Smoke <smoke@example.net>\nTo: %s\nSubject: caravan smoke\n\nHello from docker/smoke.sh.\n' \
  "$(IFS=,; echo "${recipients[*]}" | sed 's/,/, /g')")
producer() { # producer USER PASSWORD DESTINATION
  "${nice[@]}" "$artemis_home/bin/artemis" producer --url "tcp://127.0.0.1:$broker_port" \
    --user "$1" --password "$2" --destination "$3" --message-count "$count" --message "$message"
}
if producer app "$submitter_password" queue://mail.submit >"$work/producer.log" 2>&1; then
  pass "submitter sent $count messages to mail.submit"
else
  cat "$work/producer.log"
  fail "submitter sent $count messages to mail.submit"
fi
if producer app "$submitter_password" queue://mail.deliver.default.default >"$work/producer-denied.log" 2>&1 \
    && ! grep -q -e AMQ229032 -e "does not have permission" "$work/producer-denied.log"; then
  fail "submitter refused on mail.deliver.default.default" "the send went through"
else
  if grep -q -e AMQ229032 -e "does not have permission" "$work/producer-denied.log"; then
    pass "submitter refused on mail.deliver.default.default (AMQ229032)"
  else
    fail "submitter refused on mail.deliver.default.default" "no permission error in the producer's output"
  fi
fi

expected=$((count * ${#recipients[@]}))   # one transaction per recipient domain
# counted by the envelope lines in the dumps: a file exists before smtp-sink has written it
delivered() { [[ $(cat "$work/sink"/mail-* 2>/dev/null | grep -c '^X-Rcpt-Args:') -ge $expected ]]; }
if wait_for 120 "$expected mails at the sink" delivered; then
  got=$(find "$work/sink" -type f -name 'mail-*' | wc -l)
  if grep -q '(Caravan)' "$work/sink"/mail-*; then
    pass "mail reached the sink ($got transactions for $expected expected, Caravan's Received: field present)"
  else
    fail "mail reached the sink" "no Received: by Caravan in the dumped mail"
  fi
  for r in "${recipients[@]}"; do
    # the envelope, as smtp-sink recorded it (the To: field names every recipient)
    n=$(grep -l -x "X-Rcpt-Args: <$r>" "$work/sink"/mail-* | wc -l)
    [[ $n -eq $count ]] && pass "sink got $count for <$r> (RCPT TO)" || fail "sink got $count for <$r>" "$n"
  done
else
  fail "mail reached the sink" "$(find "$work/sink" -type f | wc -l) of $expected after 120 s"
fi

# --- the Artemis console behind its login -------------------------------------------------------
console=http://127.0.0.1:$console_port/console
# strict CORS checking (jolokia-access.xml) refuses a request without an allowed Origin
origin=(-H "Origin: http://127.0.0.1:$console_port")
jolokia_queues="$console/jolokia/search/org.apache.activemq.artemis:broker=*,component=addresses,address=*,subcomponent=queues,routing-type=*,queue=*"
code=$(curl -s "${origin[@]}" -o "$work/console-anon.txt" -w '%{http_code}' "$jolokia_queues")
[[ $code == 401 || $code == 403 || $code == 302 ]] && pass "Artemis console's Jolokia without a login: $code" \
  || fail "Artemis console's Jolokia without a login" "HTTP $code"
code=$(curl -s "${origin[@]}" -o "$work/console-submitter.txt" -w '%{http_code}' -u "app:$submitter_password" "$jolokia_queues")
[[ $code == 401 || $code == 403 ]] && pass "Artemis console refuses the submitter's login: $code" \
  || fail "Artemis console refuses the submitter's login" "HTTP $code"
code=$(curl -s "${origin[@]}" -o "$work/console-admin.json" -w '%{http_code}' -u "$MTA_ADMIN_USER:$MTA_ADMIN_PASSWORD" "$jolokia_queues")
if [[ $code == 200 ]] && grep -q '"status":200' "$work/console-admin.json"; then
  queues=$(grep -o 'queue=\\\?"\?[a-zA-Z0-9._]*' "$work/console-admin.json" | sed 's/.*queue=\\\?"\?//' | sort -u | tr '\n' ' ')
  pass "Artemis console with the admin login: 200 (queues: $queues)"
  for q in mail.submit mail.deliver.default.gmail mail.deliver.default.default mail.invalid mail.dead; do
    [[ " $queues " == *" $q "* ]] && pass "console lists $q" || fail "console lists $q"
  done
else
  fail "Artemis console with the admin login" "HTTP $code $(head -c 300 "$work/console-admin.json")"
fi
where=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' "$console/")
[[ $where == "302 $console/login" ]] && pass "Artemis console /console/ without a session: 302 to its login page" \
  || fail "Artemis console /console/ sends a visitor to its login" "$where"
code=$(curl -s -o "$work/console-login.html" -w '%{http_code}' "$console/login")
[[ $code == 200 ]] && pass "Artemis console login page: 200" || fail "Artemis console login page" "HTTP $code"
if [[ -x /usr/bin/chromium && -x /usr/bin/chromedriver ]]; then
  shots=${SMOKE_SCREENSHOTS:-$work/screenshots}
  mkdir -p "$shots"
  if timeout 600 python3 "$docker_dir/console-screenshot.py" "$console" "$shots/artemis" >"$work/screenshots.log" 2>&1 \
      && grep -q "mail.deliver.default.gmail" "$work/screenshots.log" && grep -q "mail.submit" "$work/screenshots.log"; then
    pass "Artemis console in chromium after the admin's login shows the mail queues ($shots/artemis-*.png)"
  else
    cat "$work/screenshots.log"
    fail "Artemis console in chromium after the admin's login shows the mail queues"
  fi
fi

# --- Prometheus scrapes the engine --------------------------------------------------------------
target_up() {
  curl -fsS "http://127.0.0.1:$prom_port/api/v1/targets" \
    | python3 -c 'import json,sys; t=json.load(sys.stdin)["data"]["activeTargets"]; sys.exit(0 if any(x["labels"].get("job")=="caravan" and x["health"]=="up" for x in t) else 1)'
}
if wait_for 90 "Prometheus target caravan up" target_up; then
  pass "Prometheus: target caravan up (/api/v1/targets)"
else
  curl -s "http://127.0.0.1:$prom_port/api/v1/targets" | head -c 600
  fail "Prometheus: target caravan up"
fi
metric_present() {
  curl -fsS -G "http://127.0.0.1:$prom_port/api/v1/query" --data-urlencode 'query=count({__name__=~"caravan_.+",job="caravan"})' \
    | python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; sys.exit(0 if r and float(r[0]["value"][1]) > 0 else 1)'
}
if wait_for 60 "a caravan_ metric in Prometheus" metric_present; then
  n=$(curl -fsS -G "http://127.0.0.1:$prom_port/api/v1/query" --data-urlencode 'query=count({__name__=~"caravan_.+",job="caravan"})' \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["result"][0]["value"][1])')
  names=$(curl -fsS "http://127.0.0.1:$prom_port/api/v1/label/__name__/values" | python3 -c 'import json,sys; print(" ".join(n for n in json.load(sys.stdin)["data"] if n.startswith("caravan_")))')
  pass "Prometheus: $n caravan_ series queryable"
  log "caravan_ metric names scraped: $names"
else
  fail "Prometheus: a caravan_ metric queryable"
fi
rules_loaded() {
  curl -fsS "http://127.0.0.1:$prom_port/api/v1/rules" | python3 -c 'import json,sys; g=json.load(sys.stdin)["data"]["groups"]; sys.exit(0 if sum(len(x["rules"]) for x in g) > 0 else 1)'
}
check "Prometheus loaded docker/prometheus/alerts.yml" rules_loaded

# --- the rules and the dashboard ----------------------------------------------------------------
if promtool check rules "$docker_dir/prometheus/alerts.yml" >"$work/promtool-check.log" 2>&1; then
  pass "promtool check rules alerts.yml ($(grep -o '[0-9]* rules found' "$work/promtool-check.log" | head -1))"
else
  cat "$work/promtool-check.log"; fail "promtool check rules alerts.yml"
fi
if (cd "$docker_dir/prometheus" && promtool test rules alerts.test.yml) >"$work/promtool-test.log" 2>&1; then
  pass "promtool test rules alerts.test.yml"
else
  cat "$work/promtool-test.log"; fail "promtool test rules alerts.test.yml"
fi
alerts=$(sed -n 's/^ *- alert: *//p' "$docker_dir/prometheus/alerts.yml" | sort -u)
untested=$(for a in $alerts; do grep -q "alertname: $a\$" "$docker_dir/prometheus/alerts.test.yml" || echo "$a"; done)
[[ -z $untested ]] && pass "every alert has a test case ($(echo $alerts | wc -w) alerts)" \
  || fail "every alert has a test case" "untested: $untested"
bad_queries=$(python3 - "$docker_dir/grafana/dashboards/caravan.json" "$prom_port" <<'EOF'
import json, sys, urllib.parse, urllib.request
dash = json.load(open(sys.argv[1]))
bad = []
for panel in dash["panels"]:
    for target in panel.get("targets", []):
        expr = target["expr"].replace("$vmta", ".*").replace("$policy", ".*")
        url = "http://127.0.0.1:%s/api/v1/query?%s" % (sys.argv[2], urllib.parse.urlencode({"query": expr}))
        try:
            urllib.request.urlopen(url, timeout=10).read()
        except Exception as e:
            bad.append("%s: %s" % (panel["title"], e))
print("\n".join(bad))
EOF
)
[[ -z $bad_queries ]] && pass "every Grafana dashboard query parses in Prometheus" \
  || fail "every Grafana dashboard query parses" "$bad_queries"
if command -v docker-compose >/dev/null; then
  if (cd "$docker_dir" && MTA_BROKER_PASSWORD=x MTA_ADMIN_PASSWORD=y MTA_SUBMITTERS=a:b GRAFANA_ADMIN_PASSWORD=z \
      docker-compose -p caravan -f compose.yaml config -q) >"$work/compose.log" 2>&1; then
    pass "docker-compose config accepts docker/compose.yaml"
  else
    cat "$work/compose.log"; fail "docker-compose config accepts docker/compose.yaml"
  fi
fi

# --- summary ------------------------------------------------------------------------------------
echo
echo "==== docker/smoke.sh summary ($(date -u +%FT%TZ)) ===="
printf '%s\n' "${results[@]}"
if ((failed)); then
  echo "RESULT: FAIL (logs in $work)"
  exit 1
fi
echo "RESULT: PASS"
