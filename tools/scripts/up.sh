#!/usr/bin/env bash
# One command, whole platform on this host: installs what is missing, reuses
# or starts NATS and Redis, builds, starts the six apps, waits until all are
# ready, prints where to publish and watch, and stops everything on Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/../.."
source tools/scripts/lib/node-env.sh
source tools/scripts/lib/system-deps.sh
export NX_DAEMON=false NX_NO_CLOUD=true

started=$SECONDS
ensure_apt_packages ffmpeg nats-server redis-server libsrt-openssl-dev srt-tools libjemalloc2
ensure_node_modules
ensure_native_addons
ensure_nats
ensure_redis
bash tools/scripts/build.sh

# Local development secrets: generated once, kept in tmp/ so restarts keep working URLs and tokens.
mkdir -p tmp/logs
secrets=tmp/dev-secrets.env
if [ ! -f "$secrets" ]; then
  umask 077
  {
    echo "MEDIAPLANE_ADMIN_TOKEN=${MEDIAPLANE_ADMIN_TOKEN:-$(node -p "require('crypto').randomBytes(24).toString('base64url')")}"
    echo "MEDIAPLANE_PLAYBACK_SECRET=${MEDIAPLANE_PLAYBACK_SECRET:-$(node -p "require('crypto').randomBytes(32).toString('base64url')")}"
  } >"$secrets"
fi
# Values already in the environment win over the saved ones.
while IFS='=' read -r name value; do
  [ -n "${!name:-}" ] || export "$name=$value"
done <"$secrets"

host="${MEDIAPLANE_PUBLIC_HOST:-127.0.0.1}"
apps=(control-plane ingest transcode edge sfu capture-agent)
declare -A http_port=([control-plane]=${CONTROL_PLANE_HTTP_PORT:-8080} [ingest]=${INGEST_HTTP_PORT:-8081} [edge]=${EDGE_HTTP_PORT:-8082} [sfu]=${SFU_HTTP_PORT:-8083} [transcode]=${TRANSCODE_HTTP_PORT:-8084} [capture-agent]=${CAPTURE_AGENT_HTTP_PORT:-8085})
pids=()

stop_all() {
  trap - INT TERM EXIT
  echo
  echo "stopping…"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  echo "all stopped"
}
trap 'stop_all; exit 0' INT TERM
trap stop_all EXIT

for app in "${apps[@]}"; do
  node --require ./tools/runtime/register-paths.cjs "dist/apps/$app/src/main.js" >"tmp/logs/$app.log" 2>&1 &
  pids+=($!)
done

for app in "${apps[@]}"; do
  port=${http_port[$app]}
  for i in $(seq 1 120); do
    if curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; then break; fi
    if [ "$i" -eq 120 ]; then echo "$app did not become ready; see tmp/logs/$app.log" >&2; exit 1; fi
    sleep 0.5
  done
done

cat <<MSG

Mediaplane is up ($((SECONDS - started)) s). Logs: tmp/logs/<app>.log

  Dashboard        http://$host:${http_port[control-plane]}/
  API              http://$host:${http_port[control-plane]}/api/v1   (OpenAPI: /api/docs)
  Admin token      $MEDIAPLANE_ADMIN_TOKEN

  Create a stream:
    curl -s -X POST -H "Authorization: Bearer \$MEDIAPLANE_ADMIN_TOKEN" -H 'content-type: application/json' \\
         -d '{"name":"my first stream"}' http://$host:${http_port[control-plane]}/api/v1/streams

  Publish          rtmp://$host:${INGEST_RTMP_PORT:-1935}/live/{streamKey}    (OBS: server rtmp://$host/live, key {streamKey})
                   srt://$host:${INGEST_SRT_PORT:-9000}?streamid=#!::r=live/{streamKey},m=publish
                   POST http://$host:${http_port[sfu]}/whip/{streamId}   (WHIP, Authorization: Bearer {streamKey})
  Watch            http://$host:${http_port[ingest]}/live/{streamId}.flv   ws://$host:${http_port[ingest]}/live/{streamId}.flv
                   rtmp://$host:${INGEST_RTMP_PORT:-1935}/live/{streamId}
                   srt://$host:${INGEST_SRT_PORT:-9000}?streamid=#!::r=live/{streamId},m=request   (MPEG-TS)
                   http://$host:${http_port[edge]}/hls/{streamId}/master.m3u8
                   POST http://$host:${http_port[sfu]}/whep/{streamId}

Ctrl-C stops everything.
MSG

wait -n "${pids[@]}" || true
echo "an app exited unexpectedly; see tmp/logs/" >&2
exit 1
