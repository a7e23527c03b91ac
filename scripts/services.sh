#!/usr/bin/env bash
# Real servers for integration tests and local runs: Mosquitto, InfluxDB 1.x, VictoriaMetrics and NATS
# (JetStream), installed with apt when missing and started on free loopback ports, one state dir per run.
#
#   scripts/services.sh start  [SERVICE] [--dir DIR]   install what is missing, start, wait until ready, print URLs
#   scripts/services.sh stop   [SERVICE] [--dir DIR]   stop what this script started (PID files); `stop` alone also
#                                                      removes the state dir
#   scripts/services.sh status [SERVICE] [--dir DIR]   running/stopped per service (exit 1 if any is stopped)
#   scripts/services.sh urls             [--dir DIR]   print the URLs of a running set
#   scripts/services.sh kill   SERVICE   [--dir DIR]   SIGKILL it (chaos tests); `start SERVICE` brings it back
#                                                      with the same ports, config and store dir
#
# `start --watch-pid PID` also leaves a watchdog that stops this set once PID is gone (a killed test run).
# SERVICE: mosquitto | influxdb | influxdb-auth | victoria | nats (default: all of them), or
#   nats-cluster (3 JetStream nodes n1..n3 in one cluster, not part of the default set: start it explicitly)
#   or one node of it: nats-n1 | nats-n2 | nats-n3. `stop` with no SERVICE stops the cluster too.
# NATS: `nats` is one JetStream node; each node has DIR/<svc>/nats.conf, store DIR/<svc>/store, PID file
#   DIR/<svc>.pid. services.json has `nats` { url, port } and, once started, `natsCluster`
#   { urls: [...], nodes: { n1: { service, url, port, clusterPort, monitorPort }, … } }. A chaos test kills a
#   node with `services.sh kill nats-n2 --dir DIR` and restarts it with `services.sh start nats-n2 --dir DIR`
#   (which waits until the node's /healthz reports JetStream current).
# DIR defaults to .services/ in the repository; several DIRs can run side by side without colliding.
# DIR/services.json holds everything a test needs (urls, ports, credentials of the test user).
# Env: HA_INGESTOR_SERVICES_TIMEOUT (readiness deadline in seconds, default 30).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ALL_SERVICES=(mosquitto influxdb influxdb-auth victoria nats)
NATS_NODES=(nats-n1 nats-n2 nats-n3)
TEST_USER='hauser'
TEST_PASSWORD='h@ s3cret'   # a space and an @ on purpose: clients must encode credentials properly
DEADLINE_S="${HA_INGESTOR_SERVICES_TIMEOUT:-30}"

log() { printf '[services] %s\n' "$*" >&2; }
die() { printf '[services] ERROR: %s\n' "$*" >&2; exit 1; }

usage() {
  sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

# ---------------------------------------------------------------- arguments
CMD="${1:-}"; [[ -n "$CMD" ]] || usage; shift
SERVICE='all'
DIR="$ROOT/.services"
WATCH_PID=''

while [[ $# -gt 0 ]]; do
  case "$1" in
    --dir) [[ $# -ge 2 ]] || usage; DIR="$2"; shift 2 ;;
    --dir=*) DIR="${1#--dir=}"; shift ;;
    --watch-pid) [[ $# -ge 2 && "$2" =~ ^[0-9]+$ ]] || usage; WATCH_PID="$2"; shift 2 ;;
    mosquitto|influxdb|influxdb-auth|victoria|nats|nats-cluster|nats-n1|nats-n2|nats-n3|all) SERVICE="$1"; shift ;;
    -h|--help) usage ;;
    *) log "unknown argument: $1"; usage ;;
  esac
done
[[ "$CMD" == start ]] && mkdir -p "$DIR"
DIR="$(realpath -m "$DIR")"
if [[ "$SERVICE" == all ]]; then SELECTED=("${ALL_SERVICES[@]}")
  # `stop` (all) also stops a cluster that a test started on demand.
  if [[ "$CMD" == stop ]]; then SELECTED+=("${NATS_NODES[@]}"); fi
elif [[ "$SERVICE" == nats-cluster ]]; then SELECTED=("${NATS_NODES[@]}")
else SELECTED=("$SERVICE"); fi

# ---------------------------------------------------------------- process helpers
# kill -0 succeeds on zombies (PID 1 here reaps late), so read the state from /proc/PID/stat.
proc_alive() {
  local pid="$1" stat state
  [[ -r "/proc/$pid/stat" ]] || return 1
  stat="$(cat "/proc/$pid/stat" 2>/dev/null)" || return 1
  state="${stat##*) }"; state="${state%% *}"
  [[ "$state" != Z && "$state" != X ]]
}

# The PID file is ours and the process is still the one we started (its command line names our DIR).
service_pid() {
  local svc="$1" pidfile="$DIR/$1.pid" pid
  [[ -f "$pidfile" ]] || return 1
  pid="$(cat "$pidfile")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  proc_alive "$pid" || return 1
  tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -qF "$DIR/$svc/" || return 1
  printf '%s' "$pid"
}

is_running() { service_pid "$1" >/dev/null; }

log_tail() {
  local file="$1"
  if [[ -s "$file" ]]; then
    log "last lines of $file:"
    tail -n 25 "$file" | sed 's/^/    /' >&2
  else
    log "$file is empty"
  fi
}

# ---------------------------------------------------------------- network helpers (pure bash, no curl needed)
tcp_accepts() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Prints the HTTP status code of GET path on 127.0.0.1:port, or nothing.
http_status() {
  ( exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' "$2" >&3
    IFS=' ' read -r -t 3 _ code _ <&3 || exit 1
    printf '%s' "$code" ) 2>/dev/null || true
}

# POST an InfluxQL statement to /query (already form-encoded body); prints the status code.
influx_query_status() {
  local port="$1" body="$2"
  ( exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
    printf 'POST /query HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s' \
      "${#body}" "$body" >&3
    IFS=' ' read -r -t 5 _ code _ <&3 || exit 1
    printf '%s' "$code" ) 2>/dev/null || true
}

# Free loopback ports, asked from the OS: each candidate is bound (port 0 as a fallback) and all are held
# until every one is chosen, so they are distinct. Candidates come from below the ephemeral range, so a
# client's outgoing connection cannot take a port while its server is stopped for an outage test.
free_ports() {
  node -e '
    const net = require("node:net");
    const fs = require("node:fs");
    const n = Number(process.argv[1]);
    let low = 32768;
    try { low = Number(fs.readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]) || low; } catch {}
    const lo = 20000, hi = Math.max(lo + 1000, Math.min(low, 65535)) - 1;
    const held = [];
    const tryBind = (port) => new Promise((resolve) => {
      const s = net.createServer();
      s.once("error", () => resolve(null));
      s.listen({ port, host: "127.0.0.1", exclusive: true }, () => resolve(s));
    });
    (async () => {
      let attempts = 0;
      while (held.length < n) {
        const port = attempts++ < 200 ? lo + Math.floor(Math.random() * (hi - lo)) : 0;
        const s = await tryBind(port);
        if (s) held.push(s);
      }
      console.log(held.map((s) => s.address().port).join(" "));
      for (const s of held) s.close();
    })();
  ' "$1"
}

# ---------------------------------------------------------------- installation
BINARIES=(mosquitto mosquitto_passwd influxd victoria-metrics nats-server)

missing_packages() {
  local out=()
  command -v mosquitto >/dev/null && command -v mosquitto_passwd >/dev/null || out+=(mosquitto)
  command -v influxd >/dev/null || out+=(influxdb)
  command -v victoria-metrics >/dev/null || out+=(victoria-metrics)
  command -v nats-server >/dev/null || out+=(nats-server)
  # Optional `influx` CLI for the influx -import injection test (issue 11): installed only where we can (root).
  command -v influx >/dev/null || [[ "$(id -u)" != 0 ]] || out+=(influxdb-client)
  # Debian's chromium for the dashboard's browser tests (issue 15; playwright's own browser downloads are
  # unreachable): installed where we can (root); the tests fail under CI=true without it.
  [[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]] || [[ "$(id -u)" != 0 ]] || out+=(chromium)
  printf '%s\n' "${out[@]}"
}

ensure_installed() {
  local missing
  missing="$(missing_packages)"
  [[ -z "$missing" ]] && return 0
  if [[ "$(id -u)" != 0 ]]; then
    die "missing Debian packages: $(echo $missing) — not root, so not installing them.
    Install them once as root:  apt-get update && apt-get install -y --no-install-recommends mosquitto influxdb victoria-metrics nats-server"
  fi
  command -v apt-get >/dev/null || die "missing packages ($(echo $missing)) and no apt-get on this machine"
  # One installer at a time (parallel test runs may all find the packages missing).
  exec 8>/tmp/ha-ingestor-services-apt.lock
  flock 8
  missing="$(missing_packages)"
  if [[ -n "$missing" ]]; then
    local created_policy=0
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
      # Keep the packages' own system services from starting on the default ports.
      printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
      chmod 755 /usr/sbin/policy-rc.d
      created_policy=1
      trap 'rm -f /usr/sbin/policy-rc.d' EXIT
    fi
    log "installing $(echo $missing) with apt (one time)…"
    local rc=0
    { DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing; } >&2 || rc=$?
    if [[ "$created_policy" == 1 ]]; then rm -f /usr/sbin/policy-rc.d; trap - EXIT; fi
    [[ "$rc" == 0 ]] || die "apt-get install $(echo $missing) failed (exit $rc)"
  fi
  flock -u 8
  local b
  for b in "${BINARIES[@]}"; do command -v "$b" >/dev/null || die "$b still missing after installing"; done
}

# ---------------------------------------------------------------- ports (chosen once per state dir)
PORTS_FILE="$DIR/ports.env"

load_ports() {
  # shellcheck disable=SC1090
  [[ -f "$PORTS_FILE" ]] && source "$PORTS_FILE"
  return 0
}

port_count() { case "$1" in mosquitto|nats-n*) echo 3 ;; influxdb|influxdb-auth) echo 2 ;; victoria|nats) echo 1 ;; esac; }

assign_ports() { # svc...: (re)assign those services' ports with one OS query and save them all
  local svc p n=0 ports
  for svc in "$@"; do n=$(( n + $(port_count "$svc") )); done
  [[ "$n" -gt 0 ]] || return 0
  load_ports
  read -r -a ports <<< "$(free_ports "$n")"
  [[ "${#ports[@]}" == "$n" ]] || die "could not get $n free ports"
  for svc in "$@"; do
    case "$svc" in
      mosquitto) MQTT_PORT="${ports[0]}" MQTT_AUTH_PORT="${ports[1]}" MQTT_WS_PORT="${ports[2]}"; ports=("${ports[@]:3}") ;;
      influxdb) INFLUX_PORT="${ports[0]}" INFLUX_RPC_PORT="${ports[1]}"; ports=("${ports[@]:2}") ;;
      influxdb-auth) INFLUX_AUTH_PORT="${ports[0]}" INFLUX_AUTH_RPC_PORT="${ports[1]}"; ports=("${ports[@]:2}") ;;
      victoria) VM_PORT="${ports[0]}"; ports=("${ports[@]:1}") ;;
      nats) NATS_PORT="${ports[0]}"; ports=("${ports[@]:1}") ;;
      nats-n1) NATS_N1_PORT="${ports[0]}" NATS_N1_CLUSTER_PORT="${ports[1]}" NATS_N1_HTTP_PORT="${ports[2]}"; ports=("${ports[@]:3}") ;;
      nats-n2) NATS_N2_PORT="${ports[0]}" NATS_N2_CLUSTER_PORT="${ports[1]}" NATS_N2_HTTP_PORT="${ports[2]}"; ports=("${ports[@]:3}") ;;
      nats-n3) NATS_N3_PORT="${ports[0]}" NATS_N3_CLUSTER_PORT="${ports[1]}" NATS_N3_HTTP_PORT="${ports[2]}"; ports=("${ports[@]:3}") ;;
    esac
  done
  : > "$PORTS_FILE.tmp"
  for p in MQTT_PORT MQTT_AUTH_PORT MQTT_WS_PORT INFLUX_PORT INFLUX_RPC_PORT INFLUX_AUTH_PORT INFLUX_AUTH_RPC_PORT VM_PORT \
    NATS_PORT NATS_N1_PORT NATS_N1_CLUSTER_PORT NATS_N1_HTTP_PORT NATS_N2_PORT NATS_N2_CLUSTER_PORT NATS_N2_HTTP_PORT \
    NATS_N3_PORT NATS_N3_CLUSTER_PORT NATS_N3_HTTP_PORT; do
    if [[ -n "${!p:-}" ]]; then printf '%s=%s\n' "$p" "${!p}" >> "$PORTS_FILE.tmp"; fi
  done
  mv "$PORTS_FILE.tmp" "$PORTS_FILE"
}

ports_known() {
  load_ports
  case "$1" in
    mosquitto) [[ -n "${MQTT_PORT:-}" && -n "${MQTT_AUTH_PORT:-}" && -n "${MQTT_WS_PORT:-}" ]] ;;
    influxdb) [[ -n "${INFLUX_PORT:-}" && -n "${INFLUX_RPC_PORT:-}" ]] ;;
    influxdb-auth) [[ -n "${INFLUX_AUTH_PORT:-}" && -n "${INFLUX_AUTH_RPC_PORT:-}" ]] ;;
    victoria) [[ -n "${VM_PORT:-}" ]] ;;
    nats) [[ -n "${NATS_PORT:-}" ]] ;;
    nats-n1|nats-n2|nats-n3) local v; v="$(node_var "$1")_PORT"; [[ -n "${!v:-}" ]] ;;
  esac
}

node_var() { local n="${1#nats-}"; printf 'NATS_%s' "${n^^}"; } # nats-n2 → NATS_N2

# ---------------------------------------------------------------- configs and launch
write_mosquitto_config() {
  local d="$DIR/mosquitto"
  mkdir -p "$d/data"
  [[ -f "$d/passwd" ]] || { : > "$d/passwd"; mosquitto_passwd -b "$d/passwd" "$TEST_USER" "$TEST_PASSWORD" >/dev/null 2>&1; }
  {
    # As root mosquitto drops to user `mosquitto` and then can't write its persistence file in our dir.
    [[ "$(id -u)" == 0 ]] && echo 'user root'
    cat <<EOF
per_listener_settings true
persistence true
# Mosquitto's default keeps 1000 QoS 1 messages per offline session and drops the rest silently: tests
# that kill the ingestor under load (slow restart on a busy CI machine) must not lose data to the broker.
max_queued_messages 0
persistence_location $d/data/
log_dest stderr
log_type error
log_type warning
log_type notice
log_type information
listener $MQTT_PORT 127.0.0.1
allow_anonymous true
listener $MQTT_AUTH_PORT 127.0.0.1
allow_anonymous false
password_file $d/passwd
listener $MQTT_WS_PORT 127.0.0.1
protocol websockets
# Without this, libwebsockets listens on [::] (every interface) whatever the bind address says.
socket_domain ipv4
allow_anonymous true
EOF
  } > "$d/mosquitto.conf"
}

write_influx_config() { # svc http_port rpc_port auth_enabled
  local d="$DIR/$1"
  mkdir -p "$d/meta" "$d/data" "$d/wal"
  cat > "$d/influxdb.conf" <<EOF
reporting-enabled = false
bind-address = "127.0.0.1:$3"
[meta]
  dir = "$d/meta"
  retention-autocreate = true
  logging-enabled = false
[data]
  dir = "$d/data"
  wal-dir = "$d/wal"
  index-version = "inmem"
  query-log-enabled = false
  wal-fsync-delay = "0s"
[monitor]
  store-enabled = false
[subscriber]
  enabled = false
[continuous_queries]
  enabled = false
[retention]
  enabled = false
[http]
  enabled = true
  bind-address = "127.0.0.1:$2"
  auth-enabled = $4
  log-enabled = false
  pprof-enabled = false
[logging]
  level = "warn"
  suppress-logo = true
[[udp]]
  enabled = false
[[graphite]]
  enabled = false
[[collectd]]
  enabled = false
[[opentsdb]]
  enabled = false
EOF
}

# One JetStream node. The cluster nodes route to each other (all three routes listed, own included: the
# server skips itself) and keep their store across a kill -9, so a restarted node catches up from its peers.
write_nats_config() { # svc
  local svc="$1" d="$DIR/$1" v n c
  mkdir -p "$d/store"
  if [[ "$svc" == nats ]]; then
    printf 'server_name: single\nlisten: 127.0.0.1:%s\njetstream { store_dir: "%s", max_memory_store: 64MB, max_file_store: 2GB }\n' \
      "$NATS_PORT" "$d/store" > "$d/nats.conf"
    return 0
  fi
  v="$(node_var "$svc")"
  local port="${v}_PORT" cport="${v}_CLUSTER_PORT" hport="${v}_HTTP_PORT" routes=()
  for n in "${NATS_NODES[@]}"; do c="$(node_var "$n")_CLUSTER_PORT"; routes+=("nats-route://127.0.0.1:${!c}"); done
  {
    printf 'server_name: %s\nlisten: 127.0.0.1:%s\nhttp: 127.0.0.1:%s\n' "${svc#nats-}" "${!port}" "${!hport}"
    printf 'jetstream { store_dir: "%s", max_memory_store: 64MB, max_file_store: 2GB }\n' "$d/store"
    printf 'cluster {\n  name: ha-ingestor-test\n  listen: 127.0.0.1:%s\n  routes: [ %s ]\n}\n' "${!cport}" "$(IFS=,; echo "${routes[*]}")"
  } > "$d/nats.conf"
}

# A cluster node serves JetStream once it found a meta leader and caught up (/healthz 200).
nats_node_healthy() { local h; h="$(node_var "$1")_HTTP_PORT"; [[ "$(http_status "${!h}" /healthz)" == 200 ]]; }

wait_nats_healthy() { # svc...
  local svc deadline
  deadline=$(( $(date +%s) + DEADLINE_S ))
  for svc in "$@"; do
    until nats_node_healthy "$svc"; do
      if (( $(date +%s) >= deadline )); then
        log "$svc: JetStream not healthy within ${DEADLINE_S}s"; log_tail "$(logfile_of "$svc")"; return 1
      fi
      sleep 0.1
    done
  done
}

launch() { # svc logfile cmd...
  local svc="$1" logfile="$2"; shift 2
  # setsid: own process group, so a Ctrl-C in the caller's terminal doesn't reach the servers mid-test.
  # The servers must not inherit our lock descriptors (8, 9): they'd hold the locks for their lifetime.
  setsid "$@" >> "$logfile" 2>&1 < /dev/null 8>&- 9>&- &
  echo $! > "$DIR/$svc.pid"
}

# True when process $1 holds the listening socket of 127.0.0.1:$2 (so a readiness probe can't be answered
# by another run's server that took the port first).
owns_port() {
  local pid="$1" hex inode
  hex="$(printf '%04X' "$2")"
  for inode in $(awk -v suffix=":$hex" '$4 == "0A" && substr($2, length($2) - 4) == suffix { print $10 }' /proc/net/tcp); do
    ls -l "/proc/$pid/fd" 2>/dev/null | grep -qF "socket:[$inode]" && return 0
  done
  return 1
}

ready_check() { # svc pid → 0 when that process serves
  local pid="$2"
  case "$1" in
    mosquitto) owns_port "$pid" "$MQTT_PORT" && owns_port "$pid" "$MQTT_AUTH_PORT" && owns_port "$pid" "$MQTT_WS_PORT" &&
      tcp_accepts "$MQTT_PORT" && tcp_accepts "$MQTT_AUTH_PORT" && tcp_accepts "$MQTT_WS_PORT" ;;
    influxdb) owns_port "$pid" "$INFLUX_PORT" && [[ "$(http_status "$INFLUX_PORT" /ping)" == 204 ]] ;;
    influxdb-auth) owns_port "$pid" "$INFLUX_AUTH_PORT" && [[ "$(http_status "$INFLUX_AUTH_PORT" /ping)" == 204 ]] ;;
    victoria) owns_port "$pid" "$VM_PORT" && [[ "$(http_status "$VM_PORT" /health)" == 200 ]] ;;
    nats) owns_port "$pid" "$NATS_PORT" && tcp_accepts "$NATS_PORT" ;;
    nats-n1|nats-n2|nats-n3) local p; p="$(node_var "$1")_PORT"; owns_port "$pid" "${!p}" && tcp_accepts "${!p}" ;;
  esac
}

logfile_of() { printf '%s/%s/%s.log' "$DIR" "$1" "$1"; }

start_one() { # svc → 0 started and ready, 1 failed, 3 failed because a port was taken
  local svc="$1" logfile pid deadline
  logfile="$(logfile_of "$svc")"
  mkdir -p "$DIR/$svc"
  : > "$logfile"
  case "$svc" in
    mosquitto) write_mosquitto_config; launch "$svc" "$logfile" mosquitto -c "$DIR/mosquitto/mosquitto.conf" ;;
    influxdb) write_influx_config influxdb "$INFLUX_PORT" "$INFLUX_RPC_PORT" false
      launch "$svc" "$logfile" influxd run -config "$DIR/influxdb/influxdb.conf" ;;
    influxdb-auth) write_influx_config influxdb-auth "$INFLUX_AUTH_PORT" "$INFLUX_AUTH_RPC_PORT" true
      launch "$svc" "$logfile" influxd run -config "$DIR/influxdb-auth/influxdb.conf" ;;
    victoria) mkdir -p "$DIR/victoria/data"
      launch "$svc" "$logfile" victoria-metrics -httpListenAddr="127.0.0.1:$VM_PORT" \
        -storageDataPath="$DIR/victoria/data" -retentionPeriod=100y -search.latencyOffset=0s \
        -search.disableCache -loggerLevel=WARN ;;
    nats|nats-n1|nats-n2|nats-n3) write_nats_config "$svc"
      launch "$svc" "$logfile" nats-server -c "$DIR/$svc/nats.conf" ;;
  esac
  pid="$(cat "$DIR/$svc.pid")"
  deadline=$(( $(date +%s) + DEADLINE_S ))
  until ready_check "$svc" "$pid"; do
    if ! proc_alive "$pid"; then
      rm -f "$DIR/$svc.pid"
      if grep -qiE 'address already in use|address in use|Error: Address' "$logfile"; then return 3; fi
      log "$svc exited during start-up"
      log_tail "$logfile"
      return 1
    fi
    if (( $(date +%s) >= deadline )); then
      log "$svc not ready within ${DEADLINE_S}s (pid $pid) — stopping it"
      stop_one "$svc" quiet
      log_tail "$logfile"
      return 1
    fi
    sleep 0.05
  done
  if [[ "$svc" == influxdb-auth ]]; then setup_influx_auth || return 1; fi
  return 0
}

setup_influx_auth() {
  # Before any admin exists, auth-enabled 1.x accepts exactly this statement; later starts get 401 (exists).
  local q code
  q='q=CREATE+USER+%22'"$TEST_USER"'%22+WITH+PASSWORD+%27h%40+s3cret%27+WITH+ALL+PRIVILEGES'
  code="$(influx_query_status "$INFLUX_AUTH_PORT" "$q")"
  [[ "$code" == 200 || "$code" == 401 || "$code" == 403 ]] || { log "influxdb-auth: creating the test user failed (HTTP $code)"; return 1; }
}

start_service() {
  local svc="$1" attempt rc
  if is_running "$svc"; then return 0; fi
  ports_known "$svc" || assign_ports "$svc"
  for attempt in 1 2 3; do
    rc=0; start_one "$svc" || rc=$?
    [[ "$rc" == 0 ]] && return 0
    [[ "$rc" == 3 ]] || return 1
    log "$svc: a port was taken meanwhile (attempt $attempt) — picking new ports"
    assign_ports "$svc"
  done
  log_tail "$(logfile_of "$svc")"
  return 1
}

stop_one() { # svc [quiet]
  local svc="$1" pid i
  pid="$(service_pid "$svc")" || { rm -f "$DIR/$svc.pid"; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 200); do proc_alive "$pid" || break; sleep 0.05; done
  if proc_alive "$pid"; then
    log "$svc (pid $pid) ignored SIGTERM for 10 s — SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    for i in $(seq 1 100); do proc_alive "$pid" || break; sleep 0.05; done
  fi
  rm -f "$DIR/$svc.pid"
  [[ "${2:-}" == quiet ]] || log "stopped $svc (pid $pid)"
}

# ---------------------------------------------------------------- services.json and URLs
write_json() {
  load_ports
  local tmp="$DIR/services.json.tmp" m i ia v nt nc n sep pv cv hv
  m='null'; i='null'; ia='null'; v='null'; nt='null'; nc='null'
  [[ -n "${NATS_PORT:-}" ]] && nt="{ \"url\": \"nats://127.0.0.1:$NATS_PORT\", \"port\": $NATS_PORT }"
  if [[ -n "${NATS_N1_PORT:-}" && -n "${NATS_N2_PORT:-}" && -n "${NATS_N3_PORT:-}" ]]; then
    nc="{ \"urls\": [\"nats://127.0.0.1:$NATS_N1_PORT\", \"nats://127.0.0.1:$NATS_N2_PORT\", \"nats://127.0.0.1:$NATS_N3_PORT\"], \"nodes\": {"
    sep=''
    for n in n1 n2 n3; do
      pv="NATS_${n^^}_PORT" cv="NATS_${n^^}_CLUSTER_PORT" hv="NATS_${n^^}_HTTP_PORT"
      nc+="$sep \"$n\": { \"service\": \"nats-$n\", \"url\": \"nats://127.0.0.1:${!pv}\", \"port\": ${!pv}, \"clusterPort\": ${!cv}, \"monitorPort\": ${!hv} }"
      sep=','
    done
    nc+=" } }"
  fi
  [[ -n "${MQTT_PORT:-}" ]] && m=$(cat <<EOF
{ "url": "mqtt://127.0.0.1:$MQTT_PORT", "host": "127.0.0.1", "port": $MQTT_PORT,
    "authUrl": "mqtt://127.0.0.1:$MQTT_AUTH_PORT", "authPort": $MQTT_AUTH_PORT,
    "wsUrl": "ws://127.0.0.1:$MQTT_WS_PORT", "wsPort": $MQTT_WS_PORT,
    "username": "$TEST_USER", "password": "$TEST_PASSWORD" }
EOF
)
  [[ -n "${INFLUX_PORT:-}" ]] && i=$(cat <<EOF
{ "url": "http://127.0.0.1:$INFLUX_PORT", "port": $INFLUX_PORT, "rpcPort": $INFLUX_RPC_PORT }
EOF
)
  [[ -n "${INFLUX_AUTH_PORT:-}" ]] && ia=$(cat <<EOF
{ "url": "http://127.0.0.1:$INFLUX_AUTH_PORT", "port": $INFLUX_AUTH_PORT, "rpcPort": $INFLUX_AUTH_RPC_PORT,
    "username": "$TEST_USER", "password": "$TEST_PASSWORD" }
EOF
)
  [[ -n "${VM_PORT:-}" ]] && v=$(cat <<EOF
{ "url": "http://127.0.0.1:$VM_PORT", "port": $VM_PORT }
EOF
)
  cat > "$tmp" <<EOF
{
  "available": true,
  "dir": "$DIR",
  "script": "$ROOT/scripts/services.sh",
  "mosquitto": $m,
  "influxdb": $i,
  "influxdbAuth": $ia,
  "victoria": $v,
  "nats": $nt,
  "natsCluster": $nc
}
EOF
  mv "$tmp" "$DIR/services.json"
}

print_urls() {
  load_ports
  [[ -n "${MQTT_PORT:-}" ]] && printf 'mosquitto       mqtt://127.0.0.1:%s  (auth: mqtt://127.0.0.1:%s as %s, ws: ws://127.0.0.1:%s)\n' \
    "$MQTT_PORT" "$MQTT_AUTH_PORT" "$TEST_USER" "$MQTT_WS_PORT"
  [[ -n "${INFLUX_PORT:-}" ]] && printf 'influxdb        http://127.0.0.1:%s\n' "$INFLUX_PORT"
  [[ -n "${INFLUX_AUTH_PORT:-}" ]] && printf 'influxdb-auth   http://127.0.0.1:%s  (as %s)\n' "$INFLUX_AUTH_PORT" "$TEST_USER"
  [[ -n "${VM_PORT:-}" ]] && printf 'victoria        http://127.0.0.1:%s\n' "$VM_PORT"
  [[ -n "${NATS_PORT:-}" ]] && printf 'nats            nats://127.0.0.1:%s\n' "$NATS_PORT"
  [[ -n "${NATS_N1_PORT:-}" ]] && printf 'nats-cluster    nats://127.0.0.1:%s,nats://127.0.0.1:%s,nats://127.0.0.1:%s\n' \
    "$NATS_N1_PORT" "$NATS_N2_PORT" "$NATS_N3_PORT"
  printf 'services.json   %s/services.json\n' "$DIR"
}

# ---------------------------------------------------------------- watchdog
watchdog_pid() {
  local pid
  [[ -f "$DIR/watchdog.pid" ]] || return 1
  pid="$(cat "$DIR/watchdog.pid")"
  [[ "$pid" =~ ^[0-9]+$ ]] && proc_alive "$pid" || return 1
  tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -qF "__watch --dir $DIR" || return 1
  printf '%s' "$pid"
}

start_watchdog() {
  [[ -n "$WATCH_PID" ]] || return 0
  if watchdog_pid >/dev/null; then return 0; fi
  setsid bash "$ROOT/scripts/services.sh" __watch --dir "$DIR" --watch-pid "$WATCH_PID" \
    >> "$DIR/watchdog.log" 2>&1 < /dev/null 8>&- 9>&- &
  echo $! > "$DIR/watchdog.pid"
}

cmd_watch() {
  while proc_alive "$WATCH_PID"; do sleep 1; done
  log "owner pid $WATCH_PID is gone — stopping the services in $DIR"
  HA_INGESTOR_SERVICES_FROM_WATCHDOG=1 exec bash "$ROOT/scripts/services.sh" stop --dir "$DIR"
}

# ---------------------------------------------------------------- commands
with_dir_lock() { exec 9>"$DIR/.lock"; flock 9; }

cmd_start() {
  ensure_installed
  with_dir_lock
  touch "$DIR/.ha-ingestor-services"
  local svc failed=() need=()
  for svc in "${SELECTED[@]}"; do ports_known "$svc" || need+=("$svc"); done
  assign_ports "${need[@]}"
  for svc in "${SELECTED[@]}"; do start_service "$svc" || failed+=("$svc"); done
  # Cluster nodes need each other for a meta leader, so their health is awaited once all are launched.
  local cluster=()
  for svc in "${SELECTED[@]}"; do if [[ "$svc" == nats-n* ]]; then cluster+=("$svc"); fi; done
  if [[ ${#cluster[@]} -gt 0 && ${#failed[@]} -eq 0 ]]; then wait_nats_healthy "${cluster[@]}" || failed+=("${cluster[@]}"); fi
  write_json
  start_watchdog
  if [[ ${#failed[@]} -gt 0 ]]; then
    log "failed to start: ${failed[*]} (logs under $DIR)"
    exit 1
  fi
  print_urls
}

cmd_stop() {
  [[ -d "$DIR" ]] || return 0
  with_dir_lock
  local svc wpid
  if [[ "$SERVICE" == all && -z "${HA_INGESTOR_SERVICES_FROM_WATCHDOG:-}" ]] && wpid="$(watchdog_pid)"; then
    kill -TERM "$wpid" 2>/dev/null || true
  fi
  for svc in "${SELECTED[@]}"; do stop_one "$svc"; done
  if [[ "$SERVICE" == all ]]; then
    # Remove only what this script creates, and the dir itself once empty.
    if [[ -f "$DIR/.ha-ingestor-services" ]]; then
      rm -rf "$DIR/mosquitto" "$DIR/influxdb" "$DIR/influxdb-auth" "$DIR/victoria" "$DIR/nats" \
        "$DIR/nats-n1" "$DIR/nats-n2" "$DIR/nats-n3" \
        "$DIR/services.json" "$DIR/ports.env" "$DIR/.ha-ingestor-services" "$DIR/watchdog.pid" "$DIR/watchdog.log"
    fi
    rm -f "$DIR/.lock"
    rmdir "$DIR" 2>/dev/null || true
  fi
}

# Chaos: SIGKILL, no cleanup — the state dir, ports and store stay for `start SERVICE`.
cmd_kill() {
  [[ "$SERVICE" != all ]] || die "kill needs a SERVICE (e.g. nats-n2)"
  with_dir_lock
  local svc pid i
  for svc in "${SELECTED[@]}"; do
    pid="$(service_pid "$svc")" || { log "$svc is not running"; continue; }
    kill -KILL "$pid" 2>/dev/null || true
    for i in $(seq 1 100); do proc_alive "$pid" || break; sleep 0.05; done
    rm -f "$DIR/$svc.pid"
    log "killed $svc (pid $pid) with SIGKILL"
  done
}

cmd_status() {
  local svc pid rc=0
  for svc in "${SELECTED[@]}"; do
    if pid="$(service_pid "$svc")"; then printf '%-14s running (pid %s)\n' "$svc" "$pid"
    else printf '%-14s stopped\n' "$svc"; rc=1; fi
  done
  return "$rc"
}

case "$CMD" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  kill) cmd_kill ;;
  __watch) [[ -n "$WATCH_PID" ]] || usage; cmd_watch ;;
  urls) [[ -f "$DIR/services.json" ]] || die "no services.json in $DIR (not started?)"; print_urls ;;
  *) usage ;;
esac
