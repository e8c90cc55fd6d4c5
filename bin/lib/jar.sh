# jar.sh: sourced by bin/caravan and bin/caravan-engine. Sets `java` ($JAVA_HOME/bin/java, else
# java on the PATH) and `jar`: $CARAVAN_JAR, else target/caravan.jar or caravan.jar beside the
# bin/ directory (a build tree or an unpacked release). find_jar NAME exits with a message
# naming the calling command when there is none.

java="java"
if [[ -n "${JAVA_HOME:-}" ]]; then
  java="$JAVA_HOME/bin/java"
fi

find_jar() {
  local lib candidate
  lib="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
  jar="${CARAVAN_JAR:-}"
  if [[ -z "$jar" ]]; then
    for candidate in "$lib/../../target/caravan.jar" "$lib/../../caravan.jar"; do
      if [[ -f "$candidate" ]]; then
        jar="$candidate"
        break
      fi
    done
  fi
  if [[ -z "$jar" || ! -f "$jar" ]]; then
    echo "$1: no caravan.jar (build it with 'mvn -DskipTests package', or set CARAVAN_JAR)" >&2
    exit 1
  fi
}
