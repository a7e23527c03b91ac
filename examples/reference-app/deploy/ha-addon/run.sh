#!/usr/bin/env sh
# Add-on entrypoint: exports every option from /data/options.json as an environment variable of the
# same name, then runs the ingestor. Inside the add-on the Supervisor token authenticates against HA.
set -eu
OPTIONS=/data/options.json
if [ -f "$OPTIONS" ]; then
  eval "$(node -e '
    const o = require(process.argv[1]);
    for (const [k, v] of Object.entries(o)) {
      if (v === "" || v === null) continue;
      process.stdout.write(`export ${k}=${JSON.stringify(String(v))}\n`);
    }' "$OPTIONS")"
fi
: "${HA_TOKEN:=${SUPERVISOR_TOKEN:-}}"
export HA_TOKEN
export DATA_DIR=/share/ha-ingestor HTTP_HOST=0.0.0.0 HTTP_PORT=8000
exec node /app/bin/ha-ingestor.js run
