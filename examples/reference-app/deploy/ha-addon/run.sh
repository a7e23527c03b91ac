#!/usr/bin/env bash
# Add-on entrypoint. Exports the add-on options (/data/options.json) as environment variables of the
# same name, makes sure the API has a token, then runs the ingestor.
#
# Issue 11: this script used `eval "$(node … options.json)"`, so a `$(…)` or backticks in a password ran
# as root. Now node prints NUL-separated NAME=VALUE pairs and bash only ever reads them as data: no
# value is parsed, expanded or executed by the shell, and only names the ingestor reads can be set
# (never PATH, NODE_OPTIONS, LD_PRELOAD, …).
#
# HA_INGESTOR_OPTIONS / HA_INGESTOR_ADDON_DATA / HA_INGESTOR_ENTRY exist for the test (src/addon-run.test.ts).
set -euo pipefail

OPTIONS="${HA_INGESTOR_OPTIONS:-/data/options.json}"
DATA="${HA_INGESTOR_ADDON_DATA:-/data}"
ENTRY="${HA_INGESTOR_ENTRY:-/app/node_modules/ha-ingestor/bin/ha-ingestor.js}"

ALLOWED=" HA_URL HA_TOKEN HA_EVENTS MQTT_URL MQTT_USERNAME MQTT_PASSWORD MQTT_TOPICS MQTT_FORMAT MQTT_CLIENT_ID \
MQTT_PROTOCOL_VERSION INFLUXDB_URL INFLUXDB_API_VERSION INFLUXDB_TOKEN INFLUXDB_ORG INFLUXDB_BUCKET INFLUXDB_DATABASE \
INFLUXDB_USERNAME INFLUXDB_PASSWORD INFLUXDB_PRECISION INFLUXDB_SCHEMA BATCH_SIZE BATCH_TIMEOUT MAX_RETRIES \
CIRCUIT_BREAKER_THRESHOLD DEDUP_WINDOW OUTBOX_MAX_BYTES OUTBOX_WHEN_FULL SSE_MAX_CLIENTS API_TOKEN LOG_LEVEL "

if [ -f "$OPTIONS" ]; then
  pairs="$(mktemp)"
  trap 'rm -f "$pairs"' EXIT
  # Scalars only; empty and null mean "not set". A value with a NUL can't be an environment value.
  node -e '
    const fs = require("fs");
    const options = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
    for (const [name, value] of Object.entries(options)) {
      if (value === null || value === "") continue;
      const text = String(value);
      if (!/^[A-Z][A-Z0-9_]*$/.test(name) || typeof value === "object" || text.includes("\0")) {
        process.stderr.write(`ha-ingestor add-on: option ${JSON.stringify(name)} skipped (not a scalar environment value)\n`);
        continue;
      }
      process.stdout.write(`${name}=${text}\0`);
    }' "$OPTIONS" > "$pairs"
  while IFS= read -r -d '' pair; do
    name="${pair%%=*}"
    case "$ALLOWED" in
      *" $name "*) export "$name=${pair#*=}" ;;
      *) echo "ha-ingestor add-on: option $name ignored (not an ingestor setting)" >&2 ;;
    esac
  done < "$pairs"
fi

# Inside the add-on the Supervisor token authenticates against HA.
: "${HA_TOKEN:=${SUPERVISOR_TOKEN:-}}"
export HA_TOKEN

# The API listens on all interfaces (the Supervisor's ingress proxy must reach it), so it always has a
# token: the user's API_TOKEN option, or a random one kept in the add-on's private /data. Its value is
# never printed (logs end up in bug reports); HA users reach the API through ingress without it.
if [ -z "${API_TOKEN:-}" ]; then
  token_file="$DATA/api_token"
  if [ ! -s "$token_file" ]; then
    (umask 077 && node -e 'process.stdout.write(require("crypto").randomBytes(32).toString("hex"))' > "$token_file")
    echo "ha-ingestor add-on: no API_TOKEN option set: generated a random API token in the add-on's private data ($token_file)." >&2
    echo "ha-ingestor add-on: open the API from the Home Assistant sidebar (ingress, no token needed), or set the API_TOKEN option to call it directly." >&2
  fi
  API_TOKEN="$(cat "$token_file")"
  export API_TOKEN
fi

# Requests from the Supervisor's ingress proxy are authenticated by Home Assistant (its login).
export DATA_DIR=/share/ha-ingestor HTTP_HOST=0.0.0.0 HTTP_PORT=8000 HTTP_INGRESS_PROXY=172.30.32.2
exec node "$ENTRY" run
