/*
 * The fan-out bench's floor: the least work a server can do to fan one live
 * FLV stream out to N HTTP-FLV viewers with no latency added, so the bench can
 * show how much of a server's CPU per viewer is the kernel's and how much its
 * own. Its publisher (the bench's paced one, as for the other servers) sends
 * it plain FLV over TCP, and it does exactly what our hub does per viewer,
 * nothing more: one write() per viewer per video frame (carrying the audio
 * that came since), non-blocking, with a per-viewer backlog when the socket
 * is full. No GOP cache: a new viewer waits
 * for the next keyframe (as nginx-rtmp with wait_key does).
 *
 * usage: flv-fanout-floor <viewer-port> <publish-port>
 * Both on 127.0.0.1. Takes one publisher: an FLV file header, then tags.
 * Prints "listening" on stdout once it accepts both; exits 1 when the
 * publisher goes away.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_TAG_BYTES (16u << 20)      /* one FLV tag larger than this ends the run: a broken publisher */
#define MAX_BACKLOG_BYTES (8u << 20)   /* a viewer this far behind is dropped, as a real server would */
#define MAX_REQUEST_BYTES 8192
#define AUDIO_HOLD_MS 50               /* audio waits at most this long for a video frame (ours' default) */

typedef struct {
  unsigned char *data;
  size_t len, cap;
} bytes_t;

static void bytes_append(bytes_t *b, const void *p, size_t n) {
  if (b->len + n > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + n) cap *= 2;
    b->data = realloc(b->data, cap);
    if (!b->data) { perror("realloc"); exit(2); }
    b->cap = cap;
  }
  memcpy(b->data + b->len, p, n);
  b->len += n;
}

static void bytes_consume(bytes_t *b, size_t n) {
  memmove(b->data, b->data + n, b->len - n);
  b->len -= n;
}

enum viewer_state { REQUEST, WAITING_FOR_KEYFRAME, LIVE };

typedef struct viewer {
  int fd;
  int closed;
  enum viewer_state state;
  bytes_t request;
  bytes_t backlog;
  struct viewer *next;
} viewer_t;

static int epfd;
static int listen_fd;
static int publish_listen_fd;
static int publisher_fd = -1;
/* epoll tags for the three non-viewer sockets (viewers are tagged with their viewer_t). */
static int listen_marker, publish_listen_marker, publisher_marker;
static viewer_t *viewers;
/* Viewers closed while a batch of events is handled; freed after it, since later events of the batch may name them. */
static viewer_t *closed_viewers;

/* The stream's header tags, kept for joining viewers: onMetaData and the two decoder configurations. */
static bytes_t metadata_tag, video_config_tag, audio_config_tag;
/* Tags since the last write: audio waiting for the next video frame. */
static bytes_t pending;
static int64_t pending_first_audio_ms = -1;

static uint32_t tag_timestamp(const unsigned char *tag) {
  return ((uint32_t)tag[4] << 16 | (uint32_t)tag[5] << 8 | (uint32_t)tag[6]) | (uint32_t)tag[7] << 24;
}

static void set_tag_timestamp(unsigned char *tag, uint32_t ts) {
  tag[4] = (ts >> 16) & 0xff;
  tag[5] = (ts >> 8) & 0xff;
  tag[6] = ts & 0xff;
  tag[7] = (ts >> 24) & 0xff;
}

static void watch(int fd, uint32_t events, void *ptr, int op) {
  struct epoll_event ev = {.events = events, .data.ptr = ptr};
  if (epoll_ctl(epfd, op, fd, &ev) != 0 && op != EPOLL_CTL_DEL) { perror("epoll_ctl"); exit(2); }
}

static void close_viewer(viewer_t *v) {
  epoll_ctl(epfd, EPOLL_CTL_DEL, v->fd, NULL);
  close(v->fd);
  for (viewer_t **p = &viewers; *p; p = &(*p)->next)
    if (*p == v) { *p = v->next; break; }
  v->closed = 1;
  v->next = closed_viewers;
  closed_viewers = v;
}

static void free_closed_viewers(void) {
  while (closed_viewers) {
    viewer_t *v = closed_viewers;
    closed_viewers = v->next;
    free(v->request.data);
    free(v->backlog.data);
    free(v);
  }
}

/* Writes now if nothing is queued, else queues behind the backlog. Returns 0 if the viewer had to be dropped. */
static int send_to(viewer_t *v, const unsigned char *data, size_t len) {
  size_t done = 0;
  if (v->backlog.len == 0) {
    ssize_t n = write(v->fd, data, len);
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) { close_viewer(v); return 0; }
    done = n > 0 ? (size_t)n : 0;
    if (done == len) return 1;
    watch(v->fd, EPOLLIN | EPOLLOUT, v, EPOLL_CTL_MOD);
  }
  if (v->backlog.len + (len - done) > MAX_BACKLOG_BYTES) { close_viewer(v); return 0; }
  bytes_append(&v->backlog, data + done, len - done);
  return 1;
}

static void drain_backlog(viewer_t *v) {
  ssize_t n = write(v->fd, v->backlog.data, v->backlog.len);
  if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) { close_viewer(v); return; }
  if (n > 0) bytes_consume(&v->backlog, (size_t)n);
  if (v->backlog.len == 0) watch(v->fd, EPOLLIN, v, EPOLL_CTL_MOD);
}

/* What a viewer gets before its first keyframe: the FLV header, onMetaData at 0, the configurations re-timed to the keyframe. */
static int send_prelude(viewer_t *v, uint32_t keyframe_ts) {
  static const unsigned char head[] =
      "HTTP/1.1 200 OK\r\nContent-Type: video/x-flv\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n"
      "FLV\x01\x05\x00\x00\x00\x09\x00\x00\x00\x00";
  bytes_t prelude = {0};
  bytes_append(&prelude, head, sizeof head - 1);
  if (metadata_tag.len) bytes_append(&prelude, metadata_tag.data, metadata_tag.len);
  bytes_t *configs[] = {&video_config_tag, &audio_config_tag};
  for (int i = 0; i < 2; i++) {
    if (!configs[i]->len) continue;
    size_t at = prelude.len;
    bytes_append(&prelude, configs[i]->data, configs[i]->len);
    set_tag_timestamp(prelude.data + at, keyframe_ts);
  }
  int alive = send_to(v, prelude.data, prelude.len);
  free(prelude.data);
  return alive;
}

/* One write per viewer of what is pending; a viewer waiting for a keyframe starts on a batch that ends with one. */
static void flush_pending(int ends_with_keyframe, uint32_t keyframe_ts) {
  for (viewer_t *v = viewers, *next; v; v = next) {
    next = v->next;
    if (v->state == WAITING_FOR_KEYFRAME && ends_with_keyframe) {
      if (!send_prelude(v, keyframe_ts)) continue;
      v->state = LIVE;
    }
    if (v->state == LIVE) send_to(v, pending.data, pending.len);
  }
  pending.len = 0;
  pending_first_audio_ms = -1;
}

static void keep_copy(bytes_t *slot, const unsigned char *tag, size_t len) {
  slot->len = 0;
  bytes_append(slot, tag, len);
}

/* One whole tag (11-byte header, body, 4-byte previous-tag size) from the publisher. */
static void on_tag(const unsigned char *tag, size_t len, size_t body_len) {
  const unsigned char *body = tag + 11;
  uint32_t ts = tag_timestamp(tag);
  switch (tag[0]) {
    case 18:
      if (!metadata_tag.len) keep_copy(&metadata_tag, tag, len);
      return;
    case 8: {
      if (body_len >= 2 && (body[0] >> 4) == 10 && body[1] == 0) { keep_copy(&audio_config_tag, tag, len); return; }
      bytes_append(&pending, tag, len);
      if (pending_first_audio_ms < 0) pending_first_audio_ms = ts;
      else if ((int64_t)ts - pending_first_audio_ms >= AUDIO_HOLD_MS) flush_pending(0, 0);
      return;
    }
    case 9: {
      if (body_len >= 2 && (body[0] & 0x0f) == 7 && body[1] == 0) { keep_copy(&video_config_tag, tag, len); return; }
      bytes_append(&pending, tag, len);
      flush_pending(body_len >= 1 && (body[0] >> 4) == 1, ts);
      return;
    }
    default:
      return;
  }
}

static bytes_t publisher_in;
static int flv_header_done = 0;

static void on_publisher_readable(void) {
  unsigned char buf[65536];
  for (;;) {
    ssize_t n = read(publisher_fd, buf, sizeof buf);
    if (n == 0) { fprintf(stderr, "the publisher went away\n"); exit(1); }
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      perror("publisher read");
      exit(1);
    }
    bytes_append(&publisher_in, buf, (size_t)n);
  }
  size_t at = 0;
  if (!flv_header_done) {
    if (publisher_in.len < 13) return;
    if (memcmp(publisher_in.data, "FLV", 3) != 0) { fprintf(stderr, "the publisher does not send FLV\n"); exit(1); }
    at = 13;
    flv_header_done = 1;
  }
  while (publisher_in.len - at >= 11) {
    const unsigned char *tag = publisher_in.data + at;
    size_t body_len = (size_t)tag[1] << 16 | (size_t)tag[2] << 8 | tag[3];
    if (body_len > MAX_TAG_BYTES) { fprintf(stderr, "the publisher sent a tag of %zu bytes\n", body_len); exit(1); }
    size_t whole = 11 + body_len + 4;
    if (publisher_in.len - at < whole) break;
    on_tag(tag, whole, body_len);
    at += whole;
  }
  bytes_consume(&publisher_in, at);
}

static void on_viewer_readable(viewer_t *v) {
  unsigned char buf[4096];
  for (;;) {
    ssize_t n = read(v->fd, buf, sizeof buf);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) { close_viewer(v); return; }
    if (n < 0) return;
    if (v->state != REQUEST) continue; /* players send nothing after the request; ignore it if they do */
    bytes_append(&v->request, buf, (size_t)n);
    if (memmem(v->request.data, v->request.len, "\r\n\r\n", 4)) v->state = WAITING_FOR_KEYFRAME;
    else if (v->request.len > MAX_REQUEST_BYTES) { close_viewer(v); return; }
  }
}

static void accept_viewers(void) {
  for (;;) {
    int fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    viewer_t *v = calloc(1, sizeof *v);
    if (!v) { perror("calloc"); exit(2); }
    v->fd = fd;
    v->state = REQUEST;
    v->next = viewers;
    viewers = v;
    watch(fd, EPOLLIN, v, EPOLL_CTL_ADD);
  }
}

static int tcp_socket(void) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) { perror("socket"); exit(2); }
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  return fd;
}

/* Binds 127.0.0.1:port, non-blocking. */
static int listen_on(const char *port) {
  int fd = tcp_socket();
  struct sockaddr_in at = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port)), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  if (bind(fd, (struct sockaddr *)&at, sizeof at) != 0 || listen(fd, 4096) != 0) { perror("listen"); exit(1); }
  if (fcntl(fd, F_SETFL, O_NONBLOCK) != 0) { perror("fcntl"); exit(2); }
  return fd;
}

/* The one publisher: later connections on the publish port are refused by closing the listener. */
static void accept_publisher(void) {
  publisher_fd = accept4(publish_listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (publisher_fd < 0) return;
  epoll_ctl(epfd, EPOLL_CTL_DEL, publish_listen_fd, NULL);
  close(publish_listen_fd);
  watch(publisher_fd, EPOLLIN, &publisher_marker, EPOLL_CTL_ADD);
}

int main(int argc, char **argv) {
  if (argc != 3) { fprintf(stderr, "usage: %s <viewer-port> <publish-port>\n", argv[0]); return 2; }
  epfd = epoll_create1(EPOLL_CLOEXEC);
  listen_fd = listen_on(argv[1]);
  watch(listen_fd, EPOLLIN, &listen_marker, EPOLL_CTL_ADD);
  publish_listen_fd = listen_on(argv[2]);
  watch(publish_listen_fd, EPOLLIN, &publish_listen_marker, EPOLL_CTL_ADD);
  printf("listening\n");
  fflush(stdout);

  struct epoll_event events[256];
  for (;;) {
    int n = epoll_wait(epfd, events, 256, -1);
    if (n < 0 && errno != EINTR) { perror("epoll_wait"); return 2; }
    for (int i = 0; i < n; i++) {
      void *ptr = events[i].data.ptr;
      if (ptr == &listen_marker) accept_viewers();
      else if (ptr == &publish_listen_marker) accept_publisher();
      else if (ptr == &publisher_marker) on_publisher_readable();
      else {
        viewer_t *v = ptr;
        if (v->closed) continue;
        if (events[i].events & (EPOLLERR | EPOLLHUP)) { close_viewer(v); continue; }
        if ((events[i].events & EPOLLOUT) && v->backlog.len) drain_backlog(v);
        if (!v->closed && (events[i].events & EPOLLIN)) on_viewer_readable(v);
      }
    }
    free_closed_viewers();
  }
}
