#!/usr/bin/env bash
# Add-on entrypoint (runs as root, as the Supervisor starts it). Exports the add-on options
# (/data/options.json) as environment variables of the same name, makes sure the API has a token, gives
# the ingestor its data directory, then runs it as the unprivileged `ingestor` user.
#
# Issue 11: this script used `eval "$(node … options.json)"`, so a `$(…)` or backticks in a password ran
# as root. Now node prints NUL-separated NAME=VALUE pairs and bash only ever reads them as data: no
# value is parsed, expanded or executed by the shell. Only names listed under `schema:` in the add-on's
# config.yaml (copied into the image) can be set, never PATH, NODE_OPTIONS, LD_PRELOAD, …; the list is
# read from that file so there is no second copy to keep in step. No bashio: node is the JSON parser.
#
# The HA_INGESTOR_* variables below exist for the tests (src/addon-run.test.ts); the image sets none.
set -euo pipefail

OPTIONS="${HA_INGESTOR_OPTIONS:-/data/options.json}"
DATA="${HA_INGESTOR_ADDON_DATA:-/data}"
ADDON_CONFIG="${HA_INGESTOR_ADDON_CONFIG:-/usr/src/ha-ingestor-addon/config.yaml}"
ENTRY="${HA_INGESTOR_ENTRY:-/opt/ha-ingestor/node_modules/.bin/ha-ingestor}"
RUN_AS="${HA_INGESTOR_RUN_AS:-ingestor}"

if [ ! -r "$ADDON_CONFIG" ]; then
  echo "ha-ingestor add-on: cannot read $ADDON_CONFIG (the option names come from its schema)" >&2
  exit 1
fi

if [ -f "$OPTIONS" ]; then
  pairs="$(mktemp)"
  trap 'rm -f "$pairs"' EXIT
  # Scalars only; empty and null mean "not set". A value with a NUL can't be an environment value.
  # config.yaml's schema is flat (`  NAME: type` lines under `schema:`), which is all this reader accepts.
  node -e '
    const fs = require("fs");
    const allowed = new Set();
    let inSchema = false;
    for (const line of fs.readFileSync(process.argv[2], "utf8").split(/\r?\n/)) {
      if (/^schema:\s*$/.test(line)) { inSchema = true; continue; }
      if (/^\S/.test(line)) inSchema = false;
      const m = inSchema ? /^  ([A-Z][A-Z0-9_]*):/.exec(line) : null;
      if (m) allowed.add(m[1]);
    }
    if (allowed.size === 0) throw new Error(`no option names under schema: in ${process.argv[2]}`);
    const options = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
    for (const [name, value] of Object.entries(options)) {
      if (value === null || value === "") continue;
      const text = String(value);
      if (!/^[A-Z][A-Z0-9_]*$/.test(name) || typeof value === "object" || text.includes("\0")) {
        process.stderr.write(`ha-ingestor add-on: option ${JSON.stringify(name)} skipped (not a scalar environment value)\n`);
        continue;
      }
      if (!allowed.has(name)) {
        process.stderr.write(`ha-ingestor add-on: option ${name} ignored (not an ingestor setting)\n`);
        continue;
      }
      process.stdout.write(`${name}=${text}\0`);
    }' "$OPTIONS" "$ADDON_CONFIG" > "$pairs"
  while IFS= read -r -d '' pair; do
    export "${pair%%=*}=${pair#*=}"
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

# Checkpoints, outbox and dead letters live in the add-on's own /data (kept across updates, part of the
# add-on's backup), in a directory the unprivileged user owns; options.json and api_token stay root's.
data_dir="$DATA/ingestor"
mkdir -p "$data_dir"
chown -R "$RUN_AS" "$data_dir"

# Requests from the Supervisor's ingress proxy are authenticated by Home Assistant (its login).
export DATA_DIR="$data_dir" HTTP_HOST=0.0.0.0 HTTP_PORT=8000 HTTP_INGRESS_PROXY=172.30.32.2
# su-exec execs (no process left in between), so the ingestor receives the Supervisor's SIGTERM itself.
exec su-exec "$RUN_AS" node "$ENTRY" run
