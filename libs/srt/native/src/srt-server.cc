#include "srt-server.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <srt/access_control.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace mediaplane_srt {

namespace {

// Live mode: one message is at most 1316 bytes of MPEG-TS (7 packets of 188 bytes).
constexpr size_t kLivePayload = 1316;
// The largest live payload libsrt accepts (SRTO_PAYLOADSIZE max); what a peer may send us.
constexpr int kMaxReceivePayload = 1456;
// Data is handed to JS at most this long after it arrived, or sooner when this much is waiting:
// one call into JS per few milliseconds instead of one per SRT message (~570/s at 6 Mb/s).
constexpr auto kBatchWindow = std::chrono::milliseconds(5);
constexpr size_t kBatchBytes = 64 * 1024;
// How long the I/O thread sleeps in srt_epoll_uwait when nothing happens: the latency of
// close requests from JS (which cannot wake it: uwait only watches SRT sockets).
constexpr int64_t kIdleWaitMs = 20;

std::string SrtError(const std::string& what) {
  return what + ": " + srt_getlasterror_str();
}

std::string FormatAddress(const sockaddr* sa, int* port) {
  char text[INET6_ADDRSTRLEN] = {0};
  *port = 0;
  if (sa == nullptr) return "";
  if (sa->sa_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(sa);
    inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
    *port = ntohs(in->sin_port);
  } else if (sa->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
    *port = ntohs(in6->sin6_port);
    if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
      // A dual-stack listener sees IPv4 callers as ::ffff:a.b.c.d; report them as a.b.c.d.
      inet_ntop(AF_INET, &in6->sin6_addr.s6_addr[12], text, sizeof text);
    } else {
      inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text);
    }
  }
  return text;
}

int ListenHook(void* opaque, SRTSOCKET ns, int /*hsVersion*/, const sockaddr* peer, const char* streamId) {
  // Runs on libsrt's receive thread: nothing may escape from here.
  try {
    return static_cast<ServerCore*>(opaque)->OnHandshake(ns, peer, streamId);
  } catch (...) {
    srt_setrejectreason(ns, SRT_REJX_ISE);
    return -1;
  }
}

// Servers whose I/O thread runs, for StopAllAtExit.
std::mutex liveServersMutex;
std::vector<ServerCore*> liveServers;

}  // namespace

// ---------------------------------------------------------------------------------------------
// ServerCore

void ServerCore::StopAllAtExit() {
  std::vector<ServerCore*> servers;
  {
    std::lock_guard<std::mutex> lock(liveServersMutex);
    servers = liveServers;
  }
  for (ServerCore* server : servers) {
    server->exiting_.store(true);
    server->Stop();
  }
  for (ServerCore* server : servers) server->Join();
}

ServerCore::~ServerCore() {
  {
    std::lock_guard<std::mutex> lock(liveServersMutex);
    liveServers.erase(std::remove(liveServers.begin(), liveServers.end(), this), liveServers.end());
  }
  Stop();
  if (thread_.joinable()) {
    if (thread_.get_id() == std::this_thread::get_id()) {
      thread_.detach();
    } else {
      thread_.join();
    }
  }
}

void ServerCore::Open() {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(options_.port);
  const int gai = getaddrinfo(options_.host.empty() ? nullptr : options_.host.c_str(), service.c_str(), &hints, &found);
  if (gai != 0 || found == nullptr) {
    throw std::runtime_error("SRT listener: cannot resolve host '" + options_.host + "': " + gai_strerror(gai));
  }
  sockaddr_storage address{};
  const socklen_t addressLength = static_cast<socklen_t>(found->ai_addrlen);
  std::memcpy(&address, found->ai_addr, found->ai_addrlen);
  const int family = found->ai_family;
  freeaddrinfo(found);

  listener_ = srt_create_socket();
  if (listener_ == SRT_INVALID_SOCK) throw std::runtime_error(SrtError("SRT listener: srt_create_socket failed"));

  auto fail = [this](const std::string& what) {
    const std::string message = SrtError("SRT listener on " + options_.host + ":" + std::to_string(options_.port) + ": " + what);
    srt_close(listener_);
    listener_ = SRT_INVALID_SOCK;
    if (eid_ >= 0) srt_epoll_release(eid_);
    eid_ = -1;
    throw std::runtime_error(message);
  };

  const SRT_TRANSTYPE live = SRTT_LIVE;
  const bool no = false;
  const int latency = options_.latencyMs;
  // Non-blocking for receiving and sending: the accepted sockets inherit this, so neither the I/O
  // thread nor a JS write() ever waits inside libsrt.
  if (srt_setsockflag(listener_, SRTO_TRANSTYPE, &live, sizeof live) == SRT_ERROR) fail("SRTO_TRANSTYPE");
  if (srt_setsockflag(listener_, SRTO_RCVSYN, &no, sizeof no) == SRT_ERROR) fail("SRTO_RCVSYN");
  if (srt_setsockflag(listener_, SRTO_SNDSYN, &no, sizeof no) == SRT_ERROR) fail("SRTO_SNDSYN");
  if (srt_setsockflag(listener_, SRTO_LATENCY, &latency, sizeof latency) == SRT_ERROR) fail("SRTO_LATENCY");
  if (family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&address);
    if (IN6_IS_ADDR_UNSPECIFIED(&in6->sin6_addr)) {
      const int dualStack = 0;  // "::" also takes IPv4 callers
      if (srt_setsockflag(listener_, SRTO_IPV6ONLY, &dualStack, sizeof dualStack) == SRT_ERROR) fail("SRTO_IPV6ONLY");
    }
  }
  if (srt_listen_callback(listener_, &ListenHook, this) == SRT_ERROR) fail("srt_listen_callback");
  if (srt_bind(listener_, reinterpret_cast<const sockaddr*>(&address), addressLength) == SRT_ERROR) fail("bind failed");
  const int backlog = std::max(16, std::min(options_.maxConnections, 256));
  if (srt_listen(listener_, backlog) == SRT_ERROR) fail("listen failed");

  sockaddr_storage bound{};
  int boundLength = sizeof bound;
  if (srt_getsockname(listener_, reinterpret_cast<sockaddr*>(&bound), &boundLength) == SRT_ERROR) fail("getsockname failed");
  FormatAddress(reinterpret_cast<const sockaddr*>(&bound), &port_);

  eid_ = srt_epoll_create();
  if (eid_ < 0) fail("srt_epoll_create failed");
  srt_epoll_set(eid_, SRT_EPOLL_ENABLE_EMPTY);
  const int events = SRT_EPOLL_IN | SRT_EPOLL_ERR;
  if (srt_epoll_add_usock(eid_, listener_, &events) == SRT_ERROR) fail("srt_epoll_add_usock failed");
}

void ServerCore::Start(DecideTsfn decide, EventsTsfn events) {
  decideTsfn_ = decide;
  eventsTsfn_ = events;
  {
    std::lock_guard<std::mutex> lock(liveServersMutex);
    liveServers.push_back(this);
  }
  thread_ = std::thread([this] { Run(); });
}

int ServerCore::OnHandshake(SRTSOCKET ns, const sockaddr* peer, const char* streamId) {
  if (stopping_.load()) {
    srt_setrejectreason(ns, SRT_REJX_DOWN);
    return -1;
  }
  if (connectionCount_.load() >= options_.maxConnections) {
    srt_setrejectreason(ns, SRT_REJX_OVERLOAD);
    return -1;
  }

  auto pending = std::make_shared<PendingDecision>();
  auto* request = new DecideRequest();
  request->streamId = streamId == nullptr ? "" : streamId;
  request->address = FormatAddress(peer, &request->port);
  {
    std::lock_guard<std::mutex> lock(decisionsMutex_);
    if (++nextDecisionId_ == 0) ++nextDecisionId_;
    request->id = nextDecisionId_;
    decisions_[request->id] = pending;
  }
  const uint32_t id = request->id;

  // Non-blocking: the call queue is unbounded, and this thread must only ever wait on the
  // condition variable below, with a deadline.
  if (decideTsfn_.NonBlockingCall(request) != napi_ok) {
    delete request;
    std::lock_guard<std::mutex> lock(decisionsMutex_);
    decisions_.erase(id);
    srt_setrejectreason(ns, SRT_REJX_DOWN);
    return -1;
  }

  Decision decision;  // fail closed: reject 1503 unless JS answered in time
  {
    std::unique_lock<std::mutex> lock(pending->mutex);
    pending->cv.wait_for(lock, std::chrono::milliseconds(options_.decisionTimeoutMs), [&] { return pending->done; });
    if (pending->done) decision = pending->decision;
    pending->done = true;  // a late answer is ignored
  }
  {
    std::lock_guard<std::mutex> lock(decisionsMutex_);
    decisions_.erase(id);
  }

  if (!decision.accept) {
    srt_setrejectreason(ns, decision.rejectCode >= SRT_REJC_PREDEFINED ? decision.rejectCode : SRT_REJX_ISE);
    return -1;
  }
  // Options of the new socket, set before libsrt answers the handshake: the caller must
  // present this passphrase, and the latency is negotiated from this value.
  if (!decision.passphrase.empty()) {
    if (decision.keyLength != 0 &&
        srt_setsockflag(ns, SRTO_PBKEYLEN, &decision.keyLength, sizeof decision.keyLength) == SRT_ERROR) {
      srt_setrejectreason(ns, SRT_REJX_ISE);
      return -1;
    }
    if (srt_setsockflag(ns, SRTO_PASSPHRASE, decision.passphrase.data(), static_cast<int>(decision.passphrase.size())) ==
        SRT_ERROR) {
      srt_setrejectreason(ns, SRT_REJX_ISE);
      return -1;
    }
  }
  if (decision.latencyMs >= 0 &&
      srt_setsockflag(ns, SRTO_LATENCY, &decision.latencyMs, sizeof decision.latencyMs) == SRT_ERROR) {
    srt_setrejectreason(ns, SRT_REJX_ISE);
    return -1;
  }
  return 0;
}

bool ServerCore::Resolve(uint32_t id, Decision decision) {
  std::shared_ptr<PendingDecision> pending;
  {
    std::lock_guard<std::mutex> lock(decisionsMutex_);
    auto it = decisions_.find(id);
    if (it == decisions_.end()) return false;
    pending = it->second;
  }
  std::lock_guard<std::mutex> lock(pending->mutex);
  if (pending->done) return false;
  pending->decision = std::move(decision);
  pending->done = true;
  pending->cv.notify_all();
  return true;
}

void ServerCore::CancelDecisions() {
  std::vector<std::shared_ptr<PendingDecision>> waiting;
  {
    std::lock_guard<std::mutex> lock(decisionsMutex_);
    for (auto& entry : decisions_) waiting.push_back(entry.second);
  }
  for (auto& pending : waiting) {
    std::lock_guard<std::mutex> lock(pending->mutex);
    if (pending->done) continue;
    pending->decision = Decision{};  // reject 1503: the server is closing
    pending->done = true;
    pending->cv.notify_all();
  }
}

int ServerCore::Write(SRTSOCKET sock, const uint8_t* data, size_t length) {
  for (size_t offset = 0; offset < length; offset += kLivePayload) {
    const int size = static_cast<int>(std::min(kLivePayload, length - offset));
    if (srt_sendmsg2(sock, reinterpret_cast<const char*>(data + offset), size, nullptr) == SRT_ERROR) {
      return srt_getlasterror(nullptr) == SRT_EASYNCSND ? 0 : -1;
    }
  }
  return 1;
}

bool ServerCore::Stats(SRTSOCKET sock, SRT_TRACEBSTATS* out) {
  return srt_bstats(sock, out, 0) == 0;
}

void ServerCore::CloseConnection(SRTSOCKET sock) {
  std::lock_guard<std::mutex> lock(commandsMutex_);
  closeRequests_.push_back(sock);
}

void ServerCore::Stop() {
  stopping_.store(true);
  CancelDecisions();
}

void ServerCore::Join() {
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

void ServerCore::Run() {
  std::vector<SRT_EPOLL_EVENT> ready(256);
  std::string fatal;
  while (!stopping_.load()) {
    std::vector<SRTSOCKET> closes;
    {
      std::lock_guard<std::mutex> lock(commandsMutex_);
      closes.swap(closeRequests_);
    }
    for (SRTSOCKET sock : closes) Drop(sock, "closed locally");

    // Resume reading connections whose undelivered data JS has taken (below half the bound).
    for (auto& entry : connections_) {
      auto& conn = entry.second;
      if (conn->paused && conn->undelivered.load() < options_.maxUndeliveredBytes / 2) {
        const int events = SRT_EPOLL_IN | SRT_EPOLL_ERR;
        srt_epoll_update_usock(eid_, conn->sock, &events);
        conn->paused = false;
      }
    }

    int64_t timeoutMs = kIdleWaitMs;
    if (batchBytes_ > 0 || !events_.empty()) {
      const auto elapsed = std::chrono::steady_clock::now() - batchSince_;
      timeoutMs = std::max<int64_t>(0, std::chrono::duration_cast<std::chrono::milliseconds>(kBatchWindow - elapsed).count());
    }
    const int count = srt_epoll_uwait(eid_, ready.data(), static_cast<int>(ready.size()), timeoutMs);
    if (count < 0) {
      fatal = SrtError("SRT I/O: srt_epoll_uwait failed");
      break;
    }
    for (int i = 0; i < count; ++i) {
      const SRTSOCKET sock = ready[i].fd;
      const int events = ready[i].events;
      if (sock == listener_) {
        if (events & SRT_EPOLL_ERR) {
          fatal = "SRT listener failed (socket state " + std::to_string(srt_getsockstate(listener_)) + ")";
          break;
        }
        AcceptAll();
        continue;
      }
      auto it = connections_.find(sock);
      if (it == connections_.end()) {
        srt_epoll_remove_usock(eid_, sock);
        continue;
      }
      auto conn = it->second;
      if (events & SRT_EPOLL_IN) ReadAll(conn);
      if ((events & SRT_EPOLL_ERR) && connections_.count(sock) != 0) {
        Drop(sock, "connection broken (peer closed or timed out)");
      }
    }
    if (!fatal.empty()) break;
    if (batchBytes_ > 0 || !events_.empty()) {
      const bool due = std::chrono::steady_clock::now() - batchSince_ >= kBatchWindow;
      if (due || batchBytes_ >= kBatchBytes) Flush(events_);
    }
  }

  // Shut down: no new handshakes (closing the listener waits for a running listen callback,
  // which the cancelled decisions release at once), then every connection, then the thread-safe
  // functions, so Node may exit.
  stopping_.store(true);
  CancelDecisions();
  srt_close(listener_);
  std::vector<SRTSOCKET> open;
  for (auto& entry : connections_) open.push_back(entry.first);
  for (SRTSOCKET sock : open) Drop(sock, fatal.empty() ? "server closed" : "server failed");
  srt_epoll_release(eid_);
  eid_ = -1;
  if (!fatal.empty()) {
    Event error;
    error.type = Event::kError;
    error.text = fatal;
    events_.push_back(std::move(error));
  }
  if (exiting_.load()) return;  // the process exits: Node's functions are not to be touched
  Event closed;
  closed.type = Event::kClosed;
  events_.push_back(std::move(closed));
  Flush(events_);
  decideTsfn_.Release();
  eventsTsfn_.Release();
}

void ServerCore::AcceptAll() {
  // One accept per readiness report: the epoll is level-triggered, so a second queued caller is
  // reported again at once, and an srt_accept with nothing queued makes libsrt log an error.
  {
    sockaddr_storage peer{};
    int peerLength = sizeof peer;
    const SRTSOCKET sock = srt_accept(listener_, reinterpret_cast<sockaddr*>(&peer), &peerLength);
    if (sock == SRT_INVALID_SOCK) return;
    char streamId[513] = {0};
    int streamIdLength = sizeof streamId - 1;
    if (srt_getsockflag(sock, SRTO_STREAMID, streamId, &streamIdLength) == SRT_ERROR) streamIdLength = 0;
    const int events = SRT_EPOLL_IN | SRT_EPOLL_ERR;
    if (srt_epoll_add_usock(eid_, sock, &events) == SRT_ERROR) {
      srt_close(sock);
      return;
    }
    auto conn = std::make_shared<Connection>();
    conn->sock = sock;
    connections_[sock] = conn;
    connectionCount_.fetch_add(1);

    Event accept;
    accept.type = Event::kAccept;
    accept.id = sock;
    accept.text.assign(streamId, static_cast<size_t>(std::max(0, std::min(streamIdLength, 512))));
    accept.address = FormatAddress(reinterpret_cast<const sockaddr*>(&peer), &accept.port);
    if (events_.empty() && batchBytes_ == 0) batchSince_ = std::chrono::steady_clock::now();
    events_.push_back(std::move(accept));
    // A caller that left between its handshake and this accept broke the socket before the epoll
    // watched it, and libsrt raises no ERR for a socket that is already broken when it is added:
    // without this check the connection would stay open here, unreported, for ever.
    if (srt_getsockstate(sock) >= SRTS_BROKEN) Drop(sock, "connection broken (peer closed or timed out)");
  }
}

void ServerCore::ReadAll(const std::shared_ptr<Connection>& conn) {
  char buffer[kMaxReceivePayload + 64];
  for (;;) {
    if (conn->undelivered.load() + static_cast<int64_t>(conn->batch.size()) >= options_.maxUndeliveredBytes) {
      // JS is not keeping up: stop reading this connection (libsrt's own bounded buffer and its
      // too-late drop take over) until JS has taken half of what waits for it.
      const int events = SRT_EPOLL_ERR;
      srt_epoll_update_usock(eid_, conn->sock, &events);
      conn->paused = true;
      return;
    }
    const int n = srt_recvmsg(conn->sock, buffer, sizeof buffer);
    if (n == SRT_ERROR) {
      if (srt_getlasterror(nullptr) == SRT_EASYNCRCV) return;
      Drop(conn->sock, srt_getsockstate(conn->sock) == SRTS_BROKEN ? "connection broken (peer closed or timed out)"
                                                                     : SrtError("receive failed"));
      return;
    }
    if (n <= 0) return;
    if (batchBytes_ == 0 && events_.empty()) batchSince_ = std::chrono::steady_clock::now();
    conn->batch.insert(conn->batch.end(), buffer, buffer + n);
    batchBytes_ += static_cast<size_t>(n);
  }
}

void ServerCore::Drop(SRTSOCKET sock, const std::string& reason) {
  auto it = connections_.find(sock);
  if (it == connections_.end()) return;
  auto conn = it->second;
  connections_.erase(it);
  srt_epoll_remove_usock(eid_, sock);
  srt_close(sock);
  connectionCount_.fetch_sub(1);
  if (events_.empty() && batchBytes_ == 0) batchSince_ = std::chrono::steady_clock::now();
  // What was read before the close is delivered before it.
  if (!conn->batch.empty()) {
    Event data;
    data.type = Event::kData;
    data.id = sock;
    batchBytes_ -= conn->batch.size();
    data.data.swap(conn->batch);
    conn->undelivered.fetch_add(static_cast<int64_t>(data.data.size()));
    data.conn = conn;
    events_.push_back(std::move(data));
  }
  Event close;
  close.type = Event::kClose;
  close.id = sock;
  close.text = reason;
  events_.push_back(std::move(close));
}

void ServerCore::Flush(EventBatch& pending) {
  for (auto& entry : connections_) {
    auto& conn = entry.second;
    if (conn->batch.empty()) continue;
    Event data;
    data.type = Event::kData;
    data.id = conn->sock;
    data.data.swap(conn->batch);
    conn->undelivered.fetch_add(static_cast<int64_t>(data.data.size()));
    data.conn = conn;
    pending.push_back(std::move(data));
  }
  batchBytes_ = 0;
  if (pending.empty()) return;
  if (exiting_.load()) {
    pending.clear();
    return;
  }
  auto* batch = new EventBatch(std::move(pending));
  pending.clear();
  if (eventsTsfn_.NonBlockingCall(batch) != napi_ok) {
    // Node is shutting down: nobody will take these.
    for (auto& event : *batch) {
      if (event.conn) event.conn->undelivered.fetch_sub(static_cast<int64_t>(event.data.size()));
    }
    delete batch;
    stopping_.store(true);
  }
}

// ---------------------------------------------------------------------------------------------
// Calls into JS (main thread). `env` is null when Node tears the function down with calls queued.

void CallDecide(Napi::Env env, Napi::Function fn, ServerCore* /*core*/, DecideRequest* request) {
  std::unique_ptr<DecideRequest> owned(request);
  if (env == nullptr || fn.IsEmpty()) return;  // the listen callback times out and rejects
  fn.Call({Napi::Number::New(env, request->id), Napi::String::New(env, request->streamId),
           Napi::String::New(env, request->address), Napi::Number::New(env, request->port)});
}

void CallEvents(Napi::Env env, Napi::Function fn, ServerCore* /*core*/, EventBatch* batch) {
  std::unique_ptr<EventBatch> owned(batch);
  if (env == nullptr || fn.IsEmpty()) {
    for (auto& event : *batch) {
      if (event.conn) event.conn->undelivered.fetch_sub(static_cast<int64_t>(event.data.size()));
    }
    return;
  }
  Napi::Array events = Napi::Array::New(env, batch->size());
  uint32_t index = 0;
  for (auto& event : *batch) {
    Napi::Object object = Napi::Object::New(env);
    switch (event.type) {
      case Event::kAccept:
        object.Set("type", "accept");
        object.Set("id", Napi::Number::New(env, event.id));
        object.Set("streamId", Napi::String::New(env, event.text));
        object.Set("address", Napi::String::New(env, event.address));
        object.Set("port", Napi::Number::New(env, event.port));
        break;
      case Event::kData:
        object.Set("type", "data");
        object.Set("id", Napi::Number::New(env, event.id));
        object.Set("data", Napi::Buffer<uint8_t>::Copy(env, event.data.data(), event.data.size()));
        if (event.conn) event.conn->undelivered.fetch_sub(static_cast<int64_t>(event.data.size()));
        break;
      case Event::kClose:
        object.Set("type", "close");
        object.Set("id", Napi::Number::New(env, event.id));
        object.Set("reason", Napi::String::New(env, event.text));
        break;
      case Event::kClosed:
        object.Set("type", "closed");
        break;
      case Event::kError:
        object.Set("type", "error");
        object.Set("message", Napi::String::New(env, event.text));
        break;
    }
    events.Set(index++, object);
  }
  fn.Call({events});
}

// ---------------------------------------------------------------------------------------------
// SrtServerHandle (JS)

Napi::Function SrtServerHandle::Init(Napi::Env env) {
  return DefineClass(env, "SrtServerHandle",
                     {
                         InstanceMethod<&SrtServerHandle::Port>("port"),
                         InstanceMethod<&SrtServerHandle::ResolveDecision>("resolveDecision"),
                         InstanceMethod<&SrtServerHandle::Write>("write"),
                         InstanceMethod<&SrtServerHandle::Stats>("stats"),
                         InstanceMethod<&SrtServerHandle::CloseConnection>("closeConnection"),
                         InstanceMethod<&SrtServerHandle::Close>("close"),
                         InstanceMethod<&SrtServerHandle::Join>("join"),
                     });
}

namespace {

int IntOption(const Napi::Object& options, const char* name, int min, int max) {
  Napi::Value value = options.Get(name);
  if (!value.IsNumber()) throw Napi::TypeError::New(options.Env(), std::string("SrtServerHandle: option '") + name + "' must be a number");
  const double number = value.As<Napi::Number>().DoubleValue();
  if (!(number >= min && number <= max) || number != static_cast<double>(static_cast<int64_t>(number))) {
    throw Napi::RangeError::New(options.Env(), std::string("SrtServerHandle: option '") + name + "' must be an integer in " +
                                                   std::to_string(min) + ".." + std::to_string(max));
  }
  return static_cast<int>(number);
}

SRTSOCKET SocketArg(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsNumber()) throw Napi::TypeError::New(info.Env(), "connection id must be a number");
  return static_cast<SRTSOCKET>(info[0].As<Napi::Number>().Int32Value());
}

}  // namespace

SrtServerHandle::SrtServerHandle(const Napi::CallbackInfo& info) : Napi::ObjectWrap<SrtServerHandle>(info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsObject() || !info[1].IsFunction() || !info[2].IsFunction()) {
    throw Napi::TypeError::New(env, "SrtServerHandle(options, onDecide, onEvents)");
  }
  Napi::Object options = info[0].As<Napi::Object>();
  ServerOptions parsed;
  Napi::Value host = options.Get("host");
  if (!host.IsString()) throw Napi::TypeError::New(env, "SrtServerHandle: option 'host' must be a string");
  parsed.host = host.As<Napi::String>().Utf8Value();
  parsed.port = IntOption(options, "port", 0, 65535);
  parsed.latencyMs = IntOption(options, "latencyMs", 0, 60000);
  parsed.decisionTimeoutMs = IntOption(options, "decisionTimeoutMs", 1, 60000);
  parsed.maxConnections = IntOption(options, "maxConnections", 1, 100000);
  parsed.maxUndeliveredBytes = IntOption(options, "maxUndeliveredBytes", 64 * 1024, 1024 * 1024 * 1024);

  core_ = std::make_shared<ServerCore>(parsed);
  try {
    core_->Open();
  } catch (const std::exception& error) {
    throw Napi::Error::New(env, error.what());
  }
  auto decide = DecideTsfn::New(env, info[1].As<Napi::Function>(), "mediaplane-srt-decide", 0, 1, nullptr);
  auto events = EventsTsfn::New(env, info[2].As<Napi::Function>(), "mediaplane-srt-events", 0, 1, nullptr);
  core_->Start(decide, events);
  if (napi_add_env_cleanup_hook(env, &SrtServerHandle::Cleanup, this) == napi_ok) cleanupHookAdded_ = true;
}

SrtServerHandle::~SrtServerHandle() {
  if (cleanupHookAdded_) napi_remove_env_cleanup_hook(Env(), &SrtServerHandle::Cleanup, this);
  // The I/O thread keeps the core alive until it has closed everything.
  if (core_) core_->Stop();
}

void SrtServerHandle::Cleanup(void* arg) {
  // Node is tearing the environment down (exit, worker termination) with the server still open.
  auto* self = static_cast<SrtServerHandle*>(arg);
  self->cleanupHookAdded_ = false;
  self->core_->Stop();
  self->core_->Join();
}

Napi::Value SrtServerHandle::Port(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), core_->port());
}

Napi::Value SrtServerHandle::ResolveDecision(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsObject()) {
    throw Napi::TypeError::New(env, "resolveDecision(requestId, decision)");
  }
  const uint32_t id = info[0].As<Napi::Number>().Uint32Value();
  Napi::Object answer = info[1].As<Napi::Object>();
  Decision decision;
  decision.accept = answer.Get("accept").ToBoolean().Value();
  if (decision.accept) {
    Napi::Value passphrase = answer.Get("passphrase");
    if (passphrase.IsString()) decision.passphrase = passphrase.As<Napi::String>().Utf8Value();
    Napi::Value keyLength = answer.Get("keyLength");
    if (keyLength.IsNumber()) decision.keyLength = keyLength.As<Napi::Number>().Int32Value();
    Napi::Value latency = answer.Get("latencyMs");
    if (latency.IsNumber()) decision.latencyMs = latency.As<Napi::Number>().Int32Value();
    if (!decision.passphrase.empty() && (decision.passphrase.size() < 10 || decision.passphrase.size() > 79)) {
      throw Napi::RangeError::New(env, "SRT passphrase must be 10 to 79 characters");
    }
    if (decision.keyLength != 0 && decision.keyLength != 16 && decision.keyLength != 24 && decision.keyLength != 32) {
      throw Napi::RangeError::New(env, "SRT key length must be 16, 24 or 32");
    }
  } else {
    Napi::Value code = answer.Get("rejectCode");
    decision.rejectCode = code.IsNumber() ? code.As<Napi::Number>().Int32Value() : SRT_REJX_ISE;
    if (decision.rejectCode < SRT_REJC_PREDEFINED || decision.rejectCode > 2999) {
      throw Napi::RangeError::New(env, "SRT reject code must be in 1000..2999 (SRT_REJX_*)");
    }
  }
  return Napi::Boolean::New(env, core_->Resolve(id, std::move(decision)));
}

Napi::Value SrtServerHandle::Write(const Napi::CallbackInfo& info) {
  const SRTSOCKET sock = SocketArg(info);
  if (info.Length() < 2 || !info[1].IsBuffer()) throw Napi::TypeError::New(info.Env(), "write(id, buffer)");
  auto buffer = info[1].As<Napi::Buffer<uint8_t>>();
  return Napi::Number::New(info.Env(), core_->Write(sock, buffer.Data(), buffer.Length()));
}

Napi::Value SrtServerHandle::Stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const SRTSOCKET sock = SocketArg(info);
  SRT_TRACEBSTATS perf{};
  if (!core_->Stats(sock, &perf)) return env.Undefined();
  Napi::Object stats = Napi::Object::New(env);
  stats.Set("msRTT", perf.msRTT);
  stats.Set("mbpsBandwidth", perf.mbpsBandwidth);
  stats.Set("mbpsRecvRate", perf.mbpsRecvRate);
  stats.Set("mbpsSendRate", perf.mbpsSendRate);
  stats.Set("pktRecvTotal", static_cast<double>(perf.pktRecvTotal));
  stats.Set("pktSentTotal", static_cast<double>(perf.pktSentTotal));
  stats.Set("pktRcvLossTotal", perf.pktRcvLossTotal);
  stats.Set("pktSndLossTotal", perf.pktSndLossTotal);
  // With clear=0 the "local" counters count from the connection's start, as the totals do.
  stats.Set("pktRcvRetrans", perf.pktRcvRetrans);
  stats.Set("pktRetransTotal", perf.pktRetransTotal);
  stats.Set("pktRcvDropTotal", perf.pktRcvDropTotal);
  stats.Set("pktSndDropTotal", perf.pktSndDropTotal);
  stats.Set("byteRecvTotal", static_cast<double>(perf.byteRecvTotal));
  stats.Set("byteSentTotal", static_cast<double>(perf.byteSentTotal));
  stats.Set("msRcvBuf", perf.msRcvBuf);
  stats.Set("msRcvTsbPdDelay", perf.msRcvTsbPdDelay);
  stats.Set("msSndTsbPdDelay", perf.msSndTsbPdDelay);
  return stats;
}

Napi::Value SrtServerHandle::CloseConnection(const Napi::CallbackInfo& info) {
  core_->CloseConnection(SocketArg(info));
  return info.Env().Undefined();
}

Napi::Value SrtServerHandle::Close(const Napi::CallbackInfo& info) {
  core_->Stop();
  return info.Env().Undefined();
}

Napi::Value SrtServerHandle::Join(const Napi::CallbackInfo& info) {
  core_->Join();
  return info.Env().Undefined();
}

}  // namespace mediaplane_srt
