#!/usr/bin/env bash
# The whole test suite, with its own set-up: lint, typecheck, unit, then
# integration and end-to-end tests against real NATS, Redis, FFmpeg and
# Chromium. Prints one closing line `N passed, N failed`.
set -uo pipefail
cd "$(dirname "$0")/../.."
source tools/scripts/lib/node-env.sh
source tools/scripts/lib/system-deps.sh
export NX_DAEMON=false NX_NO_CLOUD=true NX_SKIP_NX_CACHE=true

set -e
ensure_apt_packages ffmpeg nats-server redis-server chromium xvfb pulseaudio openssl nginx-light libnginx-mod-rtmp gstreamer1.0-tools gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-libav libsrt-openssl-dev srt-tools libjemalloc2 adb
ensure_node_modules
ensure_native_addons
ensure_nats
ensure_redis
set +e

mkdir -p tmp/test-results
rm -rf tmp/test-logs
failed_steps=()
step() { # name, command...
  local name=$1
  shift
  echo "== $name" >&2
  local started=$SECONDS
  if "$@"; then echo "== $name: ok ($((SECONDS - started)) s)" >&2; else failed_steps+=("$name"); echo "== $name: FAILED" >&2; fi
}

step build bash tools/scripts/build.sh
step lint bash -c 'nx show projects >/dev/null && eslint . --max-warnings=0'
step typecheck bash -c 'tsc -p tsconfig.json --noEmit && tsc -p apps/control-plane/web/tsconfig.json'
step unit jest --selectProjects unit --ci --json --outputFile=tmp/test-results/unit.json
step integration jest --selectProjects integration --ci --maxWorkers=2 --json --outputFile=tmp/test-results/integration.json

[ ${#failed_steps[@]} -eq 0 ] || echo "failed steps: ${failed_steps[*]}" >&2
node tools/scripts/count-results.cjs tmp/test-results/unit.json tmp/test-results/integration.json "${#failed_steps[@]}"
