#!/usr/bin/env bash
# Compiles every app and library into dist/ (one tsc pass keeps the two cores busy once, not twelve times).
set -euo pipefail
cd "$(dirname "$0")/../.."
source tools/scripts/lib/node-env.sh
rm -rf dist
tsc -p tsconfig.build.json
if [ -f apps/control-plane/web/vite.config.mjs ]; then
  vite build --config apps/control-plane/web/vite.config.mjs --logLevel warn
fi
