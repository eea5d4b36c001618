// make_redis_bus: PUBLISH through a connection pool; one subscriber thread per bus holding a
// dedicated PSUBSCRIBE connection, reconnecting with backoff, woken through an eventfd to stop.
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>

#include "cache/log_throttle.hpp"
#include "events/bus.hpp"
#include "events/codec.hpp"
#include "events/handler_set.hpp"
#include "events/pubsub_connection.hpp"

namespace ov::events {
namespace {

constexpr const char* kAll = "";
constexpr const char* kPrefix = "ov:events:";
constexpr const char* kPattern = "ov:events:*";
constexpr std::string_view kSessionSuffix = ":session";
constexpr std::string_view kUserSuffix = ":user";
constexpr std::string_view kModelsUser = "_models";  // ov:events:_models
constexpr std::chrono::milliseconds kFirstBackoff{100};
constexpr std::chrono::milliseconds kMaxBackoff{5000};
constexpr int kPollSliceMs = 1000;  // how often an idle subscriber checks its liveness

using detail::PubSubConnection;

class RedisBus final : public Bus {
 public:
  RedisBus(cache::RedisEndpoint endpoint, int timeout_ms, std::shared_ptr<cache::Redis> publisher,
           int wake_fd)
      : endpoint_(std::move(endpoint)),
        timeout_ms_(timeout_ms),
        publisher_(std::move(publisher)),
        wake_fd_(wake_fd) {}

  ~RedisBus() override {
    if (thread_.joinable()) {
      {
        std::lock_guard lock(mutex_);
        stop_ = true;
      }
      std::uint64_t one = 1;
      [[maybe_unused]] auto written = ::write(wake_fd_, &one, sizeof one);
      stopped_.notify_all();
      thread_.join();
    }
    ::close(wake_fd_);
  }
  RedisBus(const RedisBus&) = delete;
  RedisBus& operator=(const RedisBus&) = delete;

  // Starts the subscriber thread and waits for its first PSUBSCRIBE to succeed or fail.
  Result<void> start() {
    std::promise<Result<void>> started;
    auto first = started.get_future();
    thread_ = std::thread([this, p = std::move(started)]() mutable { run(std::move(p)); });
    auto result = first.get();
    if (!result) thread_.join();  // the thread ends after reporting a failed start
    return result;
  }

  void publish(const Event& event) override {
    std::string why;
    try {
      std::string_view suffix = std::holds_alternative<SessionEnd>(event.what)    ? kSessionSuffix
                                : std::holds_alternative<UserChanged>(event.what) ? kUserSuffix
                                                                                  : "";
      std::string text = std::visit([](const auto& what) { return to_json(what); }, event.what);
      const std::string channel = std::holds_alternative<ModelsChanged>(event.what)
                                      ? redis_channel(std::string(kModelsUser))
                                      : redis_channel(event.user_id, suffix);
      auto reply = publisher_->command({"PUBLISH", channel, text});
      if (reply && reply->type != cache::RedisReply::Type::error) return;
      why = reply ? reply->str : reply.error().message;
    } catch (const std::exception& e) {
      why = e.what();
    } catch (...) {
      why = "unknown exception";
    }
    if (auto held_back = publish_errors_.admit()) {
      spdlog::error(
          "event bus: cannot publish an event for user {}: {}; {} more failures since "
          "the last report",
          event.user_id, why, *held_back);
    }
  }

  std::unique_ptr<Subscription> subscribe(Handler handler) override {
    return handlers_->add(kAll, std::move(handler));
  }

 private:
  bool stopping() {
    std::lock_guard lock(mutex_);
    return stop_;
  }

  // False when the bus is stopping.
  bool sleep(std::chrono::milliseconds how_long) {
    std::unique_lock lock(mutex_);
    return !stopped_.wait_for(lock, how_long, [this] { return stop_; });
  }

  void run(std::promise<Result<void>> started) {
    sigset_t pipe;  // hiredis writes with write(2): a vanished server must not kill us
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe, nullptr);

    auto first = PubSubConnection::open(endpoint_, timeout_ms_, kPattern);
    if (!first) {
      started.set_value(first.error());
      return;
    }
    started.set_value({});
    std::unique_ptr<PubSubConnection> conn = std::move(*first);
    auto backoff = kFirstBackoff;
    int failed_attempts = 0;
    while (!stopping()) {
      if (!conn) {
        auto opened = PubSubConnection::open(endpoint_, timeout_ms_, kPattern);
        if (!opened) {
          ++failed_attempts;
          if (auto held_back = connect_errors_.admit()) {
            spdlog::warn(
                "event bus: cannot resubscribe to Redis: {} (attempt {}, next in {} ms); "
                "{} more failures since the last report",
                opened.error().message, failed_attempts, backoff.count(), *held_back);
          }
          if (!sleep(backoff)) break;
          backoff = std::min(backoff * 2, kMaxBackoff);
          continue;
        }
        conn = std::move(*opened);
        spdlog::info("event bus: resubscribed to Redis ({} failed attempts)", failed_attempts);
        backoff = kFirstBackoff;
        failed_attempts = 0;
      }
      if (auto served = serve(*conn); !served) {
        if (auto held_back = lost_.admit()) {
          spdlog::warn(
              "event bus: lost the Redis subscription: {}; reconnecting ({} more losses "
              "since the last report)",
              served.error().message, *held_back);
        }
        conn.reset();
        if (!sleep(backoff)) break;
      }
    }
  }

  // Delivers messages until the bus stops (ok) or the connection fails (the error).
  Result<void> serve(PubSubConnection& conn) {
    const std::string prefix = kPrefix;
    while (!stopping()) {
      auto next = conn.next(wake_fd_, kPollSliceMs);
      if (!next) return next.error();
      if (!*next) continue;
      auto& message = **next;
      if (message.channel.compare(0, prefix.size(), prefix) != 0) continue;
      std::string user = message.channel.substr(prefix.size());
      if (user == kModelsUser) {
        if (auto change = models_changed_from_json(message.payload)) {
          handlers_->deliver(kAll, Event{"", std::move(*change)});
        }
      } else if (user.size() > kSessionSuffix.size() && user.ends_with(kSessionSuffix)) {
        user.resize(user.size() - kSessionSuffix.size());
        if (auto end = session_end_from_json(message.payload)) {
          handlers_->deliver(kAll, Event{std::move(user), std::move(*end)});
        }
      } else if (user.size() > kUserSuffix.size() && user.ends_with(kUserSuffix)) {
        user.resize(user.size() - kUserSuffix.size());
        handlers_->deliver(kAll, Event{std::move(user), UserChanged{}});
      } else if (auto job = job_event_from_json(message.payload, user)) {
        handlers_->deliver(kAll, Event{std::move(user), std::move(*job)});
      }
    }
    return {};
  }

  const cache::RedisEndpoint endpoint_;
  const int timeout_ms_;
  const std::shared_ptr<cache::Redis> publisher_;
  const int wake_fd_;
  std::shared_ptr<detail::HandlerSet> handlers_ = std::make_shared<detail::HandlerSet>();
  cache::LogThrottle publish_errors_;
  cache::LogThrottle connect_errors_;
  cache::LogThrottle lost_;
  std::mutex mutex_;
  std::condition_variable stopped_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace

std::string redis_channel(const std::string& user_id, std::string_view suffix) {
  std::string channel = kPrefix + user_id;
  channel += suffix;
  return channel;
}

Result<std::unique_ptr<Bus>> make_redis_bus(const cache::RedisConfig& config,
                                            std::shared_ptr<cache::Redis> publisher) {
  auto endpoint = cache::parse_redis_url(config.url);
  if (!endpoint) return endpoint.error();
  if (!publisher) return Error{Errc::invalid_argument, "event bus: no Redis publisher"};
  int wake_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd < 0) return Error{Errc::internal, "event bus: eventfd failed"};
  int timeout_ms = config.timeout_ms > 0 ? config.timeout_ms : 2000;
  auto bus =
      std::make_unique<RedisBus>(std::move(*endpoint), timeout_ms, std::move(publisher), wake_fd);
  if (auto started = bus->start(); !started) return started.error();
  return std::unique_ptr<Bus>(std::move(bus));
}

Result<std::unique_ptr<Bus>> make_redis_bus(const cache::RedisConfig& config) {
  if (auto endpoint = cache::parse_redis_url(config.url); !endpoint) return endpoint.error();
  auto publisher = cache::connect_redis(config);
  if (!publisher) return publisher.error();
  return make_redis_bus(config, std::shared_ptr<cache::Redis>(std::move(*publisher)));
}

}  // namespace ov::events
