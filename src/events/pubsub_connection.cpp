#include "events/pubsub_connection.hpp"

#include "cache/redis_connection.hpp"

#include <hiredis/hiredis.h>
#include <poll.h>
#include <sys/time.h>

#include <algorithm>
#include <cerrno>
#include <string>
#include <vector>

namespace ov::events::detail {
namespace {

// Silence this long makes the connection send a PING to prove the server is still there.
constexpr std::chrono::seconds kQuietBeforePing{15};

Error unavailable(const std::string& what) {
  return Error{Errc::unavailable, "Redis subscriber: " + what};
}

std::string text(const redisReply* r) {
  return r->str != nullptr ? std::string(r->str, r->len) : std::string();
}

struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

std::string io_error(const redisContext* c) {
  return c->err != 0 ? std::string(c->errstr) : std::string("connection lost");
}

// A blocking command used while setting the connection up; returns its reply.
Result<ReplyPtr> command(redisContext* c, const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<std::size_t> argvlen;
  for (const auto& a : args) {
    argv.push_back(a.data());
    argvlen.push_back(a.size());
  }
  auto* reply = static_cast<redisReply*>(
      redisCommandArgv(c, static_cast<int>(args.size()), argv.data(), argvlen.data()));
  if (reply == nullptr) return unavailable(args.front() + ": " + io_error(c));
  ReplyPtr owned(reply);
  if (reply->type == REDIS_REPLY_ERROR) return unavailable(args.front() + ": " + text(reply));
  return owned;
}

}  // namespace

PubSubConnection::PubSubConnection(redisContext* context, int timeout_ms)
    : context_(context), answer_within_(std::max(timeout_ms, 5000)), last_heard_(Clock::now()) {}

PubSubConnection::~PubSubConnection() {
  redisFree(context_);
}

Result<std::unique_ptr<PubSubConnection>> PubSubConnection::open(
    const cache::RedisEndpoint& endpoint, int timeout_ms, const std::string& pattern) {
  auto opened = cache::detail::RedisConnection::open_context(endpoint, timeout_ms);
  if (!opened) return unavailable(opened.error().message);
  redisContext* context = opened.value();
  std::unique_ptr<PubSubConnection> conn(new PubSubConnection(context, timeout_ms));
  auto confirmed = command(context, {"PSUBSCRIBE", pattern});
  if (!confirmed) return confirmed.error();
  const redisReply* r = confirmed->get();
  if (r->type != REDIS_REPLY_ARRAY || r->elements < 1 || text(r->element[0]) != "psubscribe")
    return unavailable("unexpected answer to PSUBSCRIBE");
  conn->last_heard_ = Clock::now();
  return conn;
}

Result<std::optional<PubSubMessage>> PubSubConnection::take_buffered() {
  for (;;) {
    void* raw = nullptr;
    if (redisGetReplyFromReader(context_, &raw) != REDIS_OK)
      return unavailable("bad reply: " + io_error(context_));
    if (raw == nullptr) return std::optional<PubSubMessage>();
    ReplyPtr reply(static_cast<redisReply*>(raw));
    last_heard_ = Clock::now();
    ping_sent_.reset();  // anything at all proves the server is alive
    const redisReply* r = reply.get();
    if (r->type == REDIS_REPLY_ERROR) return unavailable("error reply: " + text(r));
    if (r->type != REDIS_REPLY_ARRAY || r->elements < 1) continue;
    // ["pmessage", pattern, channel, payload]; "pong" and (p)subscribe confirmations are skipped
    if (text(r->element[0]) == "pmessage" && r->elements == 4)
      return std::optional<PubSubMessage>(PubSubMessage{text(r->element[2]), text(r->element[3])});
  }
}

Result<void> PubSubConnection::send_ping() {
  if (redisAppendCommand(context_, "PING") != REDIS_OK) return unavailable("cannot queue PING");
  int done = 0;
  while (done == 0) {
    if (redisBufferWrite(context_, &done) != REDIS_OK)
      return unavailable("PING: " + io_error(context_));
  }
  ping_sent_ = Clock::now();
  return {};
}

Result<void> PubSubConnection::check_liveness() {
  auto now = Clock::now();
  if (ping_sent_) {
    if (now - *ping_sent_ > answer_within_)
      return unavailable("no answer to PING within " + std::to_string(answer_within_.count()) +
                         " ms");
    return {};
  }
  if (now - last_heard_ >= kQuietBeforePing) return send_ping();
  return {};
}

Result<std::optional<PubSubMessage>> PubSubConnection::next(int wake_fd, int wait_ms) {
  auto buffered = take_buffered();
  if (!buffered || *buffered) return buffered;
  if (auto alive = check_liveness(); !alive) return alive.error();

  pollfd fds[2]{};
  fds[0].fd = context_->fd;
  fds[0].events = POLLIN;
  fds[1].fd = wake_fd;
  fds[1].events = POLLIN;
  int n = ::poll(fds, 2, wait_ms);
  if (n < 0) {
    if (errno == EINTR) return std::optional<PubSubMessage>();
    return unavailable("poll failed");
  }
  if (fds[1].revents != 0 || fds[0].revents == 0) return std::optional<PubSubMessage>();
  // Readable, hung up or in error: reading tells which (EOF and errors fail here).
  if (redisBufferRead(context_) != REDIS_OK) return unavailable(io_error(context_));
  return take_buffered();
}

}  // namespace ov::events::detail
