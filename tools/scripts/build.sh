#!/usr/bin/env bash
# Builds every app and library through Nx (`build` target, see nx.json): each library compiled into
# dist/libs/<lib>/src, each app into dist/apps/<app>/src (what `npm run up` and the integration specs
# run) and bundled into dist/deploy/<app>/ with a pruned package.json (what is shipped); the control
# plane's dashboard with Vite. Unchanged projects come from the Nx cache. Type checking is the
# `typecheck` target (`npm run typecheck`), not part of the build.
set -euo pipefail
cd "$(dirname "$0")/../.."
source tools/scripts/lib/node-env.sh
export NX_DAEMON=false NX_NO_CLOUD=true
nx run-many -t build --output-style=static "$@" >&2
