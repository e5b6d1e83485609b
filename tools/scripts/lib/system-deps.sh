# Sourced by the project scripts. Installs what the platform needs from Debian
# when it is missing (root, or sudo), and makes sure NATS (JetStream on) and
# Redis are reachable: reuses servers already listening on the configured
# addresses, otherwise starts private ones under tmp/run/.

_apt_updated=0
ensure_apt_packages() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "[setup] installing from Debian: ${missing[*]}" >&2
  if [ $_apt_updated -eq 0 ]; then
    $sudo apt-get update -qq >&2
    _apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

_port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null && exec 3>&- 3<&-; }

_host_port() { # url → "host port"
  local rest="${1#*://}"
  rest="${rest%%/*}"
  rest="${rest##*@}"
  echo "${rest%%:*} ${rest##*:}"
}

ensure_nats() {
  local url="${MEDIAPLANE_NATS_URL:-nats://127.0.0.1:4222}"
  read -r host port < <(_host_port "${url%%,*}")
  if _port_open "$host" "$port"; then return 0; fi
  ensure_apt_packages nats-server
  mkdir -p tmp/run/nats
  echo "[setup] starting nats-server (JetStream) on $host:$port" >&2
  nats-server -a "$host" -p "$port" -js -sd "$PWD/tmp/run/nats" -l "$PWD/tmp/run/nats.log" -P "$PWD/tmp/run/nats.pid" &
  disown || true
  for _ in $(seq 1 50); do _port_open "$host" "$port" && return 0; sleep 0.1; done
  echo "[setup] nats-server did not come up; see tmp/run/nats.log" >&2
  return 1
}

ensure_redis() {
  local url="${MEDIAPLANE_REDIS_URL:-redis://127.0.0.1:6379}"
  read -r host port < <(_host_port "$url")
  if _port_open "$host" "$port"; then return 0; fi
  ensure_apt_packages redis-server
  mkdir -p tmp/run/redis
  echo "[setup] starting redis-server on $host:$port" >&2
  redis-server --bind "$host" --port "$port" --save '' --appendonly no --dir "$PWD/tmp/run/redis" --daemonize yes \
    --pidfile "$PWD/tmp/run/redis.pid" --logfile "$PWD/tmp/run/redis.log" >&2
  for _ in $(seq 1 50); do _port_open "$host" "$port" && return 0; sleep 0.1; done
  echo "[setup] redis-server did not come up; see tmp/run/redis.log" >&2
  return 1
}

ensure_node_modules() {
  local stamp=node_modules/.mediaplane-lock
  if [ ! -d node_modules ] || ! cmp -s package-lock.json "$stamp"; then
    # npm install (not ci): npm 11.19's own lockfiles omit other platforms' optional
    # packages and its `npm ci` then refuses them; install still honours the lock.
    echo "[setup] npm install (from package-lock.json)" >&2
    if ! npm install --no-audit --no-fund --loglevel=error >&2; then
      # Without internet mediasoup's install cannot fetch (or build) its worker and
      # fails the whole install. Install its TypeScript API without a worker: the
      # SFU then runs on the werift engine (SFU_ENGINE=auto).
      [ -z "${MEDIASOUP_WORKER_BIN:-}" ] || return 1
      echo "[setup] npm install failed; retrying without a mediasoup worker (the SFU will use werift)" >&2
      MEDIASOUP_WORKER_BIN=none npm install --no-audit --no-fund --loglevel=error >&2
    fi
    cp package-lock.json "$stamp"
  fi
}

# Builds one native addon with npm's own node-gyp (or node_modules/node-gyp when present) against
# the Node headers of $npm_config_nodedir (see node-env.sh), only when the .node is missing or older
# than its binding.gyp and sources. $1: the addon's directory, $2: what it is (for the log), $3: the
# module file name.
build_native_addon() {
  local dir="$1" what="$2" file="$3"
  local out="$dir/build/Release/$file"
  if [ -f "$out" ] && [ -z "$(find "$dir/binding.gyp" "$dir/src" -newer "$out" -print -quit)" ]; then return 0; fi
  local gyp="$PWD/node_modules/node-gyp/bin/node-gyp.js"
  if [ ! -f "$gyp" ]; then
    local npm_cli
    npm_cli="$(readlink -f "$(command -v npm)")"
    gyp="$(dirname "$npm_cli")/../node_modules/node-gyp/bin/node-gyp.js"
  fi
  if [ ! -f "$gyp" ]; then
    echo "[setup] node-gyp not found (neither node_modules/node-gyp nor npm's bundled one)" >&2
    return 1
  fi
  echo "[setup] building the $what ($dir) against ${npm_config_nodedir:-the headers of the running Node}" >&2
  (cd "$dir" && node "$gyp" rebuild --loglevel=warn) >&2
  [ -f "$out" ] || { echo "[setup] the $what build produced no $out" >&2; return 1; }
}

# The SRT addon of libs/srt (N-API over Debian's libsrt). Needs node_modules (node-addon-api): call
# after ensure_node_modules.
ensure_srt_addon() {
  ensure_apt_packages libsrt-openssl-dev pkg-config g++ make python3
  build_native_addon libs/srt/native 'SRT addon' mediaplane_srt.node
}

# The ingest's fan-out addon (libs/media-io/native): plain C over libc, so a compiler is all it needs.
ensure_fanout_addon() {
  ensure_apt_packages g++ make python3
  build_native_addon libs/media-io/native 'fan-out addon' mediaplane_fanout.node
}

ensure_native_addons() {
  ensure_srt_addon && ensure_fanout_addon
}
