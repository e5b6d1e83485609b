/*
 * sendToAll(fds: Int32Array, bytes: Uint8Array, results: Int32Array): void
 *
 * Writes the same bytes to every socket in `fds`, in order: results[i] is
 * what write() took (0..length), or -errno (EAGAIN when the socket's buffer
 * is full, EPIPE/ECONNRESET when the peer went away). The caller hands
 * whatever was not taken to the socket's own write path, which queues it or
 * reports the error as it would have anyway. The sockets are libuv's, which
 * are non-blocking, and Node ignores SIGPIPE; write() rather than send() so
 * the process's write counters (/proc/<pid>/io syscw) still count them.
 *
 * Why: a viewer that is up to date gets each live batch with one write, and
 * through Node's stream machinery that write costs a WriteWrap, the Writable
 * state machine and a callback per viewer per frame — the part of the
 * fan-out above the kernel's own cost. Here it is one call per batch.
 */
#include <errno.h>
#include <stdint.h>
#include <unistd.h>
#include <node_api.h>

static napi_value throw_type_error(napi_env env, const char* message) {
  napi_throw_type_error(env, NULL, message);
  return NULL;
}

static int typed_array(napi_env env, napi_value value, napi_typedarray_type expected, void** data, size_t* length) {
  bool is_typed = false;
  if (napi_is_typedarray(env, value, &is_typed) != napi_ok || !is_typed) return 0;
  napi_typedarray_type type;
  napi_value buffer;
  size_t offset;
  if (napi_get_typedarray_info(env, value, &type, length, data, &buffer, &offset) != napi_ok) return 0;
  return type == expected;
}

static napi_value send_to_all(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value args[3];
  if (napi_get_cb_info(env, info, &argc, args, NULL, NULL) != napi_ok || argc < 3) return throw_type_error(env, "sendToAll(fds, bytes, results)");
  void* fds_data;
  void* bytes;
  void* results_data;
  size_t fd_count, length, result_count;
  if (!typed_array(env, args[0], napi_int32_array, &fds_data, &fd_count)) return throw_type_error(env, "fds must be an Int32Array");
  if (!typed_array(env, args[1], napi_uint8_array, &bytes, &length)) return throw_type_error(env, "bytes must be a Uint8Array");
  if (!typed_array(env, args[2], napi_int32_array, &results_data, &result_count) || result_count < fd_count)
    return throw_type_error(env, "results must be an Int32Array as long as fds");
  const int32_t* fds = fds_data;
  int32_t* results = results_data;
  for (size_t i = 0; i < fd_count; i++) {
    ssize_t sent;
    do {
      sent = write(fds[i], bytes, length);
    } while (sent < 0 && errno == EINTR);
    results[i] = sent >= 0 ? (int32_t)sent : -errno;
  }
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_value fn;
  if (napi_create_function(env, "sendToAll", NAPI_AUTO_LENGTH, send_to_all, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "sendToAll", fn) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
