#!/usr/bin/env bash
# Runs one benchmark with Node 24: `npm run bench -- <fanout|latency|ladder|hls-latency> [options]`.
set -euo pipefail
cd "$(dirname "$0")/../.."
source tools/scripts/lib/node-env.sh
exec node tools/bench/run.cjs "$@"
