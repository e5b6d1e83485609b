// One SRT listener (one UDP port, many connections) and its I/O thread.
//
// Threads:
//  - the JS main thread: creates the server, answers decisions, writes, reads stats, asks for
//    closes. It never makes a libsrt call that can wait for libsrt's receive thread (no srt_close,
//    no srt_accept): closes are queued to the I/O thread.
//  - libsrt's receive thread of the port: runs the listen callback (OnHandshake) for every new
//    caller and blocks there, on a condition variable, until JS answers or the decision times out.
//  - our I/O thread: srt_epoll_uwait over the listener and the connections, srt_accept,
//    srt_recvmsg, srt_close; hands events to JS through a thread-safe function in batches.
#pragma once

#include <napi.h>
#include <srt/srt.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace mediaplane_srt {

struct ServerOptions {
  std::string host;
  int port = 0;
  int latencyMs = 120;
  int decisionTimeoutMs = 1000;
  int maxConnections = 100;
  int64_t maxUndeliveredBytes = 4 * 1024 * 1024;
};

/** The answer of JS to one connect request. */
struct Decision {
  bool accept = false;
  int rejectCode = 1503;
  std::string passphrase;
  int keyLength = 0;   // 0 = libsrt's default
  int latencyMs = -1;  // -1 = the listener's
};

struct PendingDecision {
  std::mutex mutex;
  std::condition_variable cv;
  bool done = false;
  Decision decision;
};

/** What the receive thread hands to JS for one handshake. */
struct DecideRequest {
  uint32_t id = 0;
  std::string streamId;
  std::string address;
  int port = 0;
};

/** One accepted connection, owned by the I/O thread; `undelivered` is shared with the JS thread. */
struct Connection {
  SRTSOCKET sock = SRT_INVALID_SOCK;
  std::atomic<int64_t> undelivered{0};
  bool paused = false;
  std::vector<uint8_t> batch;
};

struct Event {
  enum Type { kAccept, kData, kClose, kClosed, kError } type = kError;
  SRTSOCKET id = SRT_INVALID_SOCK;
  std::string text;  // accept: stream id; close: reason; error: message
  std::string address;
  int port = 0;
  std::vector<uint8_t> data;
  std::shared_ptr<Connection> conn;  // data: to credit its undelivered bytes once JS has them
};

using EventBatch = std::vector<Event>;

class ServerCore;

void CallDecide(Napi::Env env, Napi::Function fn, ServerCore* core, DecideRequest* request);
void CallEvents(Napi::Env env, Napi::Function fn, ServerCore* core, EventBatch* batch);

using DecideTsfn = Napi::TypedThreadSafeFunction<ServerCore, DecideRequest, CallDecide>;
using EventsTsfn = Napi::TypedThreadSafeFunction<ServerCore, EventBatch, CallEvents>;

class ServerCore {
 public:
  explicit ServerCore(ServerOptions options) : options_(std::move(options)) {}
  ~ServerCore();

  /** Main thread: create, bind and listen; throws std::runtime_error with a clear message. */
  void Open();
  /** Main thread: start the I/O thread (after the thread-safe functions are set). */
  void Start(DecideTsfn decide, EventsTsfn events);
  int port() const { return port_; }

  /** Main thread: JS answered request `id`; false when it was no longer waiting (timed out). */
  bool Resolve(uint32_t id, Decision decision);
  /** Main thread: 1 sent, 0 send buffer full, -1 connection gone. */
  int Write(SRTSOCKET sock, const uint8_t* data, size_t length);
  bool Stats(SRTSOCKET sock, SRT_TRACEBSTATS* out);
  /** Main thread: queue a close; the I/O thread closes it and reports a close event. */
  void CloseConnection(SRTSOCKET sock);
  /** Any thread: stop accepting, cancel pending decisions, close everything; ends with a kClosed event. */
  void Stop();
  /** Main thread: wait for the I/O thread to end (it has nothing left to wait for once kClosed was sent). */
  void Join();

  /**
   * Process exit (atexit, registered after libsrt's own static teardown, so it runs first):
   * stop every server and join its thread without calling into JS. libsrt's teardown breaks
   * the listener from its GC thread while holding its global lock, and a listen callback that
   * is still waiting would then deadlock with it: the process would never exit.
   */
  static void StopAllAtExit();

  /** libsrt's receive thread: the listen callback. */
  int OnHandshake(SRTSOCKET ns, const sockaddr* peer, const char* streamId);

 private:
  void Run();
  void AcceptAll();
  void ReadAll(const std::shared_ptr<Connection>& conn);
  void Drop(SRTSOCKET sock, const std::string& reason);
  void Flush(EventBatch& pending);
  void CancelDecisions();

  ServerOptions options_;
  SRTSOCKET listener_ = SRT_INVALID_SOCK;
  int eid_ = -1;
  int port_ = 0;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> exiting_{false};  // the process exits: no more calls into JS
  std::atomic<int> connectionCount_{0};

  DecideTsfn decideTsfn_;
  EventsTsfn eventsTsfn_;

  std::mutex commandsMutex_;
  std::vector<SRTSOCKET> closeRequests_;

  std::mutex decisionsMutex_;
  uint32_t nextDecisionId_ = 0;
  std::map<uint32_t, std::shared_ptr<PendingDecision>> decisions_;

  // I/O thread only.
  std::unordered_map<SRTSOCKET, std::shared_ptr<Connection>> connections_;
  EventBatch events_;
  std::chrono::steady_clock::time_point batchSince_;
  size_t batchBytes_ = 0;
};

/** The JS class `SrtServerHandle`. */
class SrtServerHandle : public Napi::ObjectWrap<SrtServerHandle> {
 public:
  static Napi::Function Init(Napi::Env env);
  explicit SrtServerHandle(const Napi::CallbackInfo& info);
  ~SrtServerHandle() override;

 private:
  Napi::Value Port(const Napi::CallbackInfo& info);
  Napi::Value ResolveDecision(const Napi::CallbackInfo& info);
  Napi::Value Write(const Napi::CallbackInfo& info);
  Napi::Value Stats(const Napi::CallbackInfo& info);
  Napi::Value CloseConnection(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value Join(const Napi::CallbackInfo& info);
  static void Cleanup(void* arg);

  std::shared_ptr<ServerCore> core_;
  bool cleanupHookAdded_ = false;
};

}  // namespace mediaplane_srt
