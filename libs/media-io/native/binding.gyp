# The fan-out addon of @mediaplane/media-io: one N-API call writes a live batch to many plain TCP
# sockets (one non-blocking write() each) instead of one socket.write per viewer. Plain C, no
# library beyond libc. Built by node-gyp with the Node headers of $npm_config_nodedir
# (tools/scripts/lib/node-env.sh); see ensure_native_addons in tools/scripts/lib/system-deps.sh.
{
  "targets": [
    {
      "target_name": "mediaplane_fanout",
      "sources": ["src/fanout.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
