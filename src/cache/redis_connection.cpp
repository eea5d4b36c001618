#include "cache/redis_connection.hpp"

#include <hiredis/hiredis.h>
#include <poll.h>
#include <signal.h>
#include <sys/time.h>
#include <time.h>

#include <string>
#include <vector>

namespace ov::cache::detail {
namespace {

Error unavailable(const std::string& what) {
  return Error{Errc::unavailable, "Redis: " + what};
}

RedisReply convert(const redisReply* r) {
  RedisReply out;
  switch (r->type) {
    case REDIS_REPLY_INTEGER:
      out.type = RedisReply::Type::integer;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_ERROR:
      out.type = r->type == REDIS_REPLY_STRING   ? RedisReply::Type::string
                 : r->type == REDIS_REPLY_STATUS ? RedisReply::Type::status
                                                 : RedisReply::Type::error;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ARRAY:
      out.type = RedisReply::Type::array;
      out.elements.reserve(r->elements);
      for (std::size_t i = 0; i < r->elements; ++i) out.elements.push_back(convert(r->element[i]));
      break;
    default:
      out.type = RedisReply::Type::nil;
      break;
  }
  return out;
}

timeval to_timeval(int timeout_ms) {
  timeval tv{};
  tv.tv_sec = timeout_ms / 1000;
  tv.tv_usec = static_cast<suseconds_t>((timeout_ms % 1000) * 1000);
  return tv;
}

// hiredis writes with write(2): a server that went away would raise SIGPIPE and kill the
// process. Block it on this thread for the duration of a command and swallow one raised here.
class SigpipeGuard {
 public:
  SigpipeGuard() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
  }
  ~SigpipeGuard() {
    if (sigismember(&old_, SIGPIPE) == 1) return;  // the caller blocks it already
    sigset_t pending;
    sigemptyset(&pending);
    if (sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1) {
      timespec zero{};
      while (sigtimedwait(&pipe_, nullptr, &zero) == SIGPIPE) {
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  SigpipeGuard(const SigpipeGuard&) = delete;
  SigpipeGuard& operator=(const SigpipeGuard&) = delete;

 private:
  sigset_t pipe_{};
  sigset_t old_{};
};

// Runs a set-up command (AUTH, SELECT) and turns an error reply into an Error.
Result<void> setup_command(RedisConnection& conn, const std::vector<std::string>& args,
                           const char* what) {
  auto reply = conn.exec(args);
  if (!reply) return reply.error();
  if (reply->type == RedisReply::Type::error) return unavailable(what + (": " + reply->str));
  return {};
}

}  // namespace

Result<redisContext*> RedisConnection::open_context(const RedisEndpoint& endpoint, int timeout_ms) {
  timeval tv = to_timeval(timeout_ms);
  redisContext* context = redisConnectWithTimeout(endpoint.host.c_str(), endpoint.port, tv);
  if (context == nullptr) return unavailable("cannot allocate a connection");
  RedisConnection conn(context);  // frees the context on every early return
  if (context->err != 0) {
    return unavailable("cannot connect to " + endpoint.host + ":" + std::to_string(endpoint.port) +
                       ": " + context->errstr);
  }
  if (redisSetTimeout(context, tv) != REDIS_OK) return unavailable("cannot set the timeout");
  redisEnableKeepAlive(context);
  if (!endpoint.password.empty()) {
    std::vector<std::string> auth{"AUTH"};
    if (!endpoint.username.empty()) auth.push_back(endpoint.username);
    auth.push_back(endpoint.password);
    if (auto r = setup_command(conn, auth, "AUTH failed"); !r) return r.error();
  }
  if (endpoint.db != 0) {
    if (auto r = setup_command(conn, {"SELECT", std::to_string(endpoint.db)}, "SELECT failed"); !r)
      return r.error();
  }
  conn.context_ = nullptr;  // handed over
  return context;
}

Result<std::unique_ptr<RedisConnection>> RedisConnection::open(const RedisEndpoint& endpoint,
                                                               int timeout_ms) {
  auto context = open_context(endpoint, timeout_ms);
  if (!context) return context.error();
  return std::unique_ptr<RedisConnection>(new RedisConnection(context.value()));
}

RedisConnection::~RedisConnection() {
  redisFree(context_);
}

Result<RedisReply> RedisConnection::exec(const std::vector<std::string>& args) {
  if (broken_) return unavailable("connection is broken");
  std::vector<const char*> argv;
  std::vector<std::size_t> argvlen;
  argv.reserve(args.size());
  argvlen.reserve(args.size());
  for (const auto& a : args) {
    argv.push_back(a.data());
    argvlen.push_back(a.size());
  }
  SigpipeGuard guard;
  void* raw =
      redisCommandArgv(context_, static_cast<int>(args.size()), argv.data(), argvlen.data());
  auto* reply = static_cast<redisReply*>(raw);
  if (reply == nullptr) {
    broken_ = true;
    std::string why = context_->err != 0 ? context_->errstr : "no reply";
    if (context_->err == REDIS_ERR_IO && why.find("temporarily unavailable") != std::string::npos)
      why = "timed out waiting for a reply";
    return unavailable(why);
  }
  RedisReply out = convert(reply);
  freeReplyObject(reply);
  return out;
}

bool RedisConnection::stale() const {
  if (broken_ || context_->err != 0) return true;
  pollfd pfd{};
  pfd.fd = context_->fd;
  pfd.events = POLLIN;
  int n = ::poll(&pfd, 1, 0);
  return n != 0;  // readable, hung up, in error, or poll itself failed
}

}  // namespace ov::cache::detail
