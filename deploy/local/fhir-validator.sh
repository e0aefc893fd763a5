#!/usr/bin/env bash
# HL7's FHIR R4 validator for the conformance tests (offline; jars from Maven Central).
#   fhir-validator.sh fetch   download the pinned jars into the cache (once)
#   fhir-validator.sh serve   fetch if needed, then validate JSON resources line by line on
#                             stdin/stdout (FhirValidatorServer.java)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

HOME_DIR="$REPO_ROOT/deploy/local/fhir-validator"
HAPI_VERSION=$(sed -n 's:.*<hapi.version>\(.*\)</hapi.version>.*:\1:p' "$HOME_DIR/pom.xml")
LIBS="$CACHE_DIR/fhir-validator-$HAPI_VERSION/libs"

fetch() {
  if [[ -f "$LIBS/.complete" ]]; then return 0; fi
  command -v java >/dev/null || apt_install openjdk-17-jre-headless
  command -v mvn >/dev/null || apt_install maven
  log "fetching the HAPI FHIR $HAPI_VERSION validator jars from Maven Central"
  rm -rf "$LIBS"
  mvn -q -B -f "$HOME_DIR/pom.xml" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$LIBS" >"$CACHE_DIR/fhir-validator-fetch.log" 2>&1 \
    || die "maven fetch failed; see $CACHE_DIR/fhir-validator-fetch.log"
  touch "$LIBS/.complete"
}

case "${1:-}" in
  fetch) fetch ;;
  serve)
    fetch
    exec java -Xss4m -Xmx1g -XX:+UseSerialGC -cp "$LIBS/*" "$HOME_DIR/FhirValidatorServer.java" ;;
  *) die "usage: fhir-validator.sh fetch|serve" ;;
esac
