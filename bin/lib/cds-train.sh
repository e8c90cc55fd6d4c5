# cds-train.sh: sourced by bin/caravan-engine. cds_prepare JAR ARGS... sets CDS_JAR (the extracted
# application jar) and CDS_ARCHIVE (its class data sharing archive), making both on the first
# start of this jar with this java; returns 1 (run the fat jar) when either cannot be made.
#
# The archive comes from a training start of the engine itself (-XX:ArchiveClassesAtExit: the
# classes it loaded are written when it exits), so it holds what a real start loads: Spring,
# the broker, Camel and the routes. The training engine cannot touch anything real: its own
# empty data directory, ports picked by the system, and Camel's routes never started (so with
# an external broker it consumes nothing). It gets the same environment and arguments as the
# real start (profile, config), except for data directory and ports.

cds_log() { echo "caravan-engine: $*" >&2; }

cds_prepare() {
  local jar=$1 base key dir tmp
  shift
  base="${CARAVAN_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/caravan}"
  # a jar is known by path, size, mtime and inode; an archive also only fits the java it came from
  key=$(printf '%s %s %s' "$(readlink -f "$jar")" "$(stat -c '%s %Y %i' "$jar")" \
        "$(readlink -f "$(command -v "$java")")" | sha256sum | cut -c1-16)
  dir="$base/$key"
  CDS_JAR="$dir/app/$(basename "$jar")"
  CDS_ARCHIVE="$dir/app.jsa"
  [[ -f $CDS_JAR && -f $CDS_ARCHIVE ]] && return 0

  mkdir -p "$base" 2>/dev/null || { cds_log "cannot create $base: starting without a class archive"; return 1; }
  if [[ ! -f $CDS_JAR ]]; then
    tmp=$(mktemp -d "$base/.extract.XXXXXX")
    if ! "$java" -Djarmode=tools -jar "$jar" extract --destination "$tmp/app" >"$tmp/extract.log" 2>&1; then
      cds_log "could not extract $jar (see $tmp/extract.log): starting without a class archive"
      return 1
    fi
    mkdir -p "$dir"
    # another launcher may have won the race: keep theirs
    mv -T "$tmp/app" "$dir/app" 2>/dev/null || true
    rm -rf "$tmp"
  fi
  [[ -f $CDS_ARCHIVE ]] && return 0
  cds_train "$dir" "$@"
}

# cds_train DIR ARGS...: one start with ArchiveClassesAtExit, stopped (SIGTERM) once it has started.
cds_train() {
  local dir=$1 tmp pid i args=() a started=0
  shift
  for a in "$@"; do
    case $a in --caravan.data-dir=*|--server.port=*|--caravan.broker.port=*) ;; *) args+=("$a") ;; esac
  done
  rm -rf "$dir"/.train.*    # an earlier training that failed: its log has served
  tmp=$(mktemp -d "$dir/.train.XXXXXX")
  cds_log "first start of this jar: recording a class archive (once, 10-20 s) in $dir"
  # shellcheck disable=SC2086
  "$java" "${jvm[@]}" -XX:ArchiveClassesAtExit="$tmp/app.jsa" -Xlog:cds=off -Xlog:cds+dynamic=off \
      ${JAVA_OPTS:-} -jar "$CDS_JAR" "${args[@]}" --caravan.data-dir="$tmp/data" \
      --server.port=0 --caravan.broker.port=0 --camel.main.auto-startup=false >"$tmp/train.log" 2>&1 &
  pid=$!
  for ((i = 0; i < 1800; i++)); do
    grep -q ' Started [A-Za-z]* in ' "$tmp/train.log" && { started=1; break; }
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -TERM "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  if (( started )) && [[ -s $tmp/app.jsa ]]; then
    mv -f "$tmp/app.jsa" "$CDS_ARCHIVE"
    rm -rf "$tmp"
    return 0
  fi
  rm -f "$tmp/app.jsa"
  cds_log "the training start did not complete (its log: $tmp/train.log): starting without a class archive"
  return 1
}
