#!/usr/bin/env bash
# Regenerates the demo FHIR source's dataset:
#   fhir-gateway/src/main/resources/demo-source/synthea-patients.ndjson.gz
#
#   scripts/generate-demo-patients.sh                      the shipped 40-patient dataset, byte-identical
#   scripts/generate-demo-patients.sh --patients N --out F  a larger population with the same settings, e.g. the
#                                                          benchmarks' 2,000 patients (benchmarks/run.sh does this)
#
# Synthea (org.mitre.synthea:synthea:3.3.0 from Maven Central) simulates a synthetic population;
# SyntheaToNdjson.java (beside this script) flattens its FHIR R4 transaction bundles into one
# resource per line with references in Type/id form, as a plain FHIR server would hold them.
#
# Parameters (change them here, and the output changes):
#   seed 42, clinician seed 42       -s 42 -cs 42
#   simulated "today" 2025-06-01      -r 20250601 -e 20250601 (without it every run ends on the current day)
#   40 living adults aged 18-85       -p "$PATIENTS" -a 18-85, generate.only_alive_patients
#   Massachusetts                     Synthea's default state
#   5 years of history                exporter.years_of_history=5
#   one simulation thread             generate.thread_pool_size=1 (clinician assignment is shared state)
#   FHIR R4 only, no US Core IG       exporter.fhir.use_us_core_ig=false, CSV and metadata exporters off
#   names without Synthea's numbers   generate.append_numbers_to_person_names=false
#   hospitals and clinicians kept     so that Encounter.serviceProvider and the like resolve
#   Claim, ExplanationOfBenefit dropped: billing data, more than half of the volume, no clinical content
#   every resource gets meta.lastUpdated 2025-06-01T00:00:00Z, the day the "hospital" was loaded
#
# Needs java 17+ and network access to Maven Central. Takes about two minutes for 40 patients, half an hour
# for 2,000 (Synthea simulates each life from birth; one thread keeps the output reproducible).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT="$ROOT/fhir-gateway/src/main/resources/demo-source/synthea-patients.ndjson.gz"
PATIENTS=40
while [ $# -gt 0 ]; do
  case "$1" in
    --patients) PATIENTS="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    *) echo "usage: $0 [--patients N] [--out FILE.ndjson.gz]" >&2; exit 2 ;;
  esac
done
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

cat > "$WORK/pom.xml" <<'EOF'
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local</groupId>
  <artifactId>synthea-runner</artifactId>
  <version>1</version>
  <dependencies>
    <dependency>
      <groupId>org.mitre.synthea</groupId>
      <artifactId>synthea</artifactId>
      <version>3.3.0</version>
    </dependency>
  </dependencies>
</project>
EOF
"$ROOT/mvnw" -B -q -f "$WORK/pom.xml" dependency:copy-dependencies -DoutputDirectory="$WORK/lib"

(cd "$WORK" && java -Xmx4g -cp "lib/*" App \
  -s 42 -cs 42 -r 20250601 -e 20250601 -p "$PATIENTS" -a 18-85 \
  --generate.only_alive_patients=true \
  --generate.thread_pool_size=1 \
  --generate.append_numbers_to_person_names=false \
  --exporter.baseDirectory="$WORK/output/" \
  --exporter.years_of_history=5 \
  --exporter.fhir.export=true \
  --exporter.fhir.use_us_core_ig=false \
  --exporter.fhir.bulk_data=false \
  --exporter.hospital.fhir.export=true \
  --exporter.practitioner.fhir.export=true \
  --exporter.csv.export=false \
  --exporter.metadata.export=false \
  --exporter.pretty_print=false \
  Massachusetts > "$WORK/synthea.log")

java -Xmx$(( PATIENTS / 200 + 2 ))g -cp "$WORK/lib/*" "$ROOT/scripts/SyntheaToNdjson.java" \
  "$WORK/output/fhir" "$OUT" 2025-06-01T00:00:00Z Claim,ExplanationOfBenefit
ls -l "$OUT"
