#!/usr/bin/env bash
# bench/reply-rules/run.sh [ROUNDS]
# Times what deciding one SMTP reply costs with the shipped reply catalogue (config/catalogue.yaml):
# every reply text of src/test/resources/catalogue-cases.csv against each provider's rules (then the
# default entries), ROUNDS times (default 20000). Prints ns per decision, p50 and p99 of the rounds.
# Needs target/classes (mvn -o -q compile) and snakeyaml in ~/.m2.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
YAML=$(ls ~/.m2/repository/org/yaml/snakeyaml/*/snakeyaml-*.jar | grep -v sources | sort -V | tail -1)
java -Xmx256m -cp "$ROOT/target/classes:$YAML" "$ROOT/bench/reply-rules/ReplyRulesBench.java" "$ROOT" "${1:-20000}"
