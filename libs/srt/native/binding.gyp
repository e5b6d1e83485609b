# The SRT addon of @mediaplane/srt: a small N-API (node-addon-api) layer over Debian's libsrt
# (pkg-config `srt`, package libsrt-openssl-dev). Built by node-gyp with the Node headers of
# $npm_config_nodedir (tools/scripts/lib/node-env.sh); see ensure_srt_addon in
# tools/scripts/lib/system-deps.sh.
{
  "targets": [
    {
      "target_name": "mediaplane_srt",
      "sources": ["src/addon.cc", "src/srt-server.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "cflags": ["<!@(pkg-config --cflags srt)"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17", "-std=gnu++20"],
      "libraries": ["<!@(pkg-config --libs srt)"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"]
    }
  ]
}
