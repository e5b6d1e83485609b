// @mediaplane/srt native addon: SRT listeners over libsrt (see srt-server.h).
#include <napi.h>
#include <srt/srt.h>

#include <syslog.h>

#include <cstdlib>
#include <mutex>
#include <string>

#include "srt-server.h"

namespace {

std::once_flag startupOnce;
int startupResult = 0;

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  // Once per process (the addon may be loaded by several Node environments, e.g. workers).
  // srt_cleanup is not needed at exit: libsrt's own static teardown stops its threads.
  std::call_once(startupOnce, [] {
    startupResult = srt_startup();
    // libsrt logs to stderr; at its default level (warning) every rejected caller prints three
    // lines. Rejections are routine here (unknown keys, wrong passphrases): keep errors only.
    srt_setloglevel(LOG_ERR);
    // Registered after libsrt's static state was constructed, so it runs before its teardown.
    std::atexit(&mediaplane_srt::ServerCore::StopAllAtExit);
  });
  if (startupResult < 0) {
    throw Napi::Error::New(env, std::string("libsrt srt_startup failed: ") + srt_getlasterror_str());
  }
  const uint32_t version = srt_getversion();
  exports.Set("libsrtVersion", Napi::String::New(env, std::to_string(version >> 16) + "." + std::to_string((version >> 8) & 0xff) +
                                                          "." + std::to_string(version & 0xff)));
  exports.Set("SrtServerHandle", mediaplane_srt::SrtServerHandle::Init(env));
  return exports;
}

}  // namespace

NODE_API_MODULE(mediaplane_srt, Init)
