#!/usr/bin/env bash
# Creates (once) and configures (every start) Caravan's standalone Artemis broker instance, then
# runs it in the foreground. The same script serves the container (compose.yaml's entrypoint) and
# docker/smoke.sh (natively, against the Artemis distribution from Maven).
#
#   instance.sh <artemis-home> <instance-dir> [run]
#
# Logins come from the environment only, the same variables the engine reads:
#   MTA_BROKER_USER (default caravan) / MTA_BROKER_PASSWORD   the engine's login      (role engine)
#   MTA_ADMIN_USER  (default admin)   / MTA_ADMIN_PASSWORD    console and CLI         (role admin)
#   MTA_SUBMITTERS  "name:password,name2:password2"           applications            (role submitter)
# ARTEMIS_HTTP_HOST: where the web console listens (default 0.0.0.0 in a container; smoke.sh
# passes 127.0.0.1); ARTEMIS_CONSOLE_ORIGINS: origins the console's Jolokia accepts from browsers. Passwords are stored hashed (artemis mask --hash), never as given.
set -euo pipefail

home=${1:?artemis home}
instance=${2:?instance dir}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

engine_user=${MTA_BROKER_USER:-caravan}
engine_password=${MTA_BROKER_PASSWORD:?MTA_BROKER_PASSWORD is required (the engine broker login)}
admin_user=${MTA_ADMIN_USER:-admin}
admin_password=${MTA_ADMIN_PASSWORD:?MTA_ADMIN_PASSWORD is required (the console login)}
submitters=${MTA_SUBMITTERS:-}

if [[ $engine_password == "$admin_password" ]]; then
  echo "instance.sh: MTA_ADMIN_PASSWORD must differ from MTA_BROKER_PASSWORD" >&2
  exit 2
fi

if [[ ! -f $instance/etc/broker.xml ]]; then
  # --role admin: the web console (HAWTIO_ROLE) and management.xml's role-access take this role
  "$home/bin/artemis" create --silent --require-login --force \
    --user "$admin_user" --password "$admin_password" --role admin \
    --name caravan-broker --java-memory "${ARTEMIS_JAVA_MEMORY:-1G}" --http-host "${ARTEMIS_HTTP_HOST:-0.0.0.0}" --http-port "${ARTEMIS_HTTP_PORT:-8161}" \
    "$instance" >/dev/null
fi

# our broker configuration replaces the generated one on every start (the image's etc-override)
cp "$here/broker.xml" "$instance/etc/broker.xml"

# The console's Jolokia answers browsers from these origins only (strict CORS checking). The
# generated file allows the http-host alone, which in a container is 0.0.0.0, never a browser's.
origins=${ARTEMIS_CONSOLE_ORIGINS:-*://localhost*,*://127.0.0.1*}
{
  echo '<?xml version="1.0" encoding="utf-8"?>'
  echo '<!-- written by instance.sh from ARTEMIS_CONSOLE_ORIGINS -->'
  echo '<restrict>'
  echo '  <cors>'
  IFS=, read -r -a allowed <<<"$origins"
  for origin in "${allowed[@]}"; do
    echo "    <allow-origin>$origin</allow-origin>"
  done
  echo '    <strict-checking/>'
  echo '  </cors>'
  echo '</restrict>'
} >"$instance/etc/jolokia-access.xml"

# Artemis' default codec: PBKDF2WithHmacSHA1, 1024 rounds, 32-byte salt, 64-byte key, stored as
# ENC(rounds:SALT:HASH). With python3 the password travels in the environment of one process;
# "artemis mask --hash" (the fallback, e.g. in the broker image) shows it in that JVM's arguments.
hash() {
  local out
  if command -v python3 >/dev/null; then
    out=$(CARAVAN_SECRET=$1 python3 -c 'import hashlib, os
salt = os.urandom(32)
key = hashlib.pbkdf2_hmac("sha1", os.environ["CARAVAN_SECRET"].encode(), salt, 1024, 64)
print("1024:%s:%s" % (salt.hex().upper(), key.hex().upper()))')
  else
    out=$("$home/bin/artemis" mask --hash "$1" 2>/dev/null | sed -n 's/^result: //p')
  fi
  [[ -n $out ]] || { echo "instance.sh: artemis mask failed" >&2; exit 2; }
  printf 'ENC(%s)' "$out"
}

# users and roles rewritten from the environment every start, so a changed secret takes effect
users=$instance/etc/artemis-users.properties
roles=$instance/etc/artemis-roles.properties
umask 077
{
  echo "# written by instance.sh from the environment at $(date -u +%FT%TZ)"
  echo "$engine_user = $(hash "$engine_password")"
  echo "$admin_user = $(hash "$admin_password")"
} >"$users.new"
submitter_names=()
if [[ -n $submitters ]]; then
  IFS=, read -r -a entries <<<"$submitters"
  for entry in "${entries[@]}"; do
    name=${entry%%:*}
    password=${entry#*:}
    if [[ -z $name || $name == "$entry" || -z $password ]]; then
      echo "instance.sh: MTA_SUBMITTERS: entry without name:password" >&2
      exit 2
    fi
    if [[ $name == "$engine_user" || $name == "$admin_user" ]]; then
      echo "instance.sh: MTA_SUBMITTERS: $name is the engine's or the admin's user" >&2
      exit 2
    fi
    echo "$name = $(hash "$password")" >>"$users.new"
    submitter_names+=("$name")
  done
fi
{
  echo "engine = $engine_user"
  echo "admin = $admin_user"
  if ((${#submitter_names[@]})); then
    (IFS=,; echo "submitter = ${submitter_names[*]}")
  fi
} >"$roles.new"
mv "$users.new" "$users"
mv "$roles.new" "$roles"

if [[ ${3:-} == run ]]; then
  exec "$instance/bin/artemis" run
fi
