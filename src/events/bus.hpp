#pragma once
// The event bus: typed events about a user — a job's progress (jobs::Lifecycle publishes them;
// every API node hands them to the user's WebSockets and waiting requests) or the end of some
// of the user's sessions (every node closes the WebSockets they opened). In process they
// travel as values; the Redis bus serialises them once (events/codec.hpp).
//   embedded shape: make_local_bus()   in-process queue and one delivery thread
//   scaled shape:   make_redis_bus()   PUBLISH ov:events:<user_id>; one PSUBSCRIBE ov:events:*
//                                      connection per process, reconnecting with backoff
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <variant>

#include "cache/redis.hpp"
#include "core/error.hpp"
#include "core/job.hpp"
#include "core/session.hpp"

namespace ov::events {

// The user's account changed (name, role, settings, API key): caches of it are stale.
struct UserChanged {};

// An admin changed the models of one process (POST /api/v1/models/...): every other process
// does the same to its own engine. Not about a user: the event's user_id is empty.
struct ModelsChanged {
  std::string action;  // load, reload, unload, alias, unalias
  std::string name;    // the model, or the alias
  std::string model;   // alias: the model it names ("*" the default)
  std::string origin;  // the process that made the change (it does not apply it twice)
};

struct Event {
  std::string user_id;
  std::variant<JobEvent, SessionEnd, UserChanged, ModelsChanged> what;
};

// Handlers stay registered while their Subscription lives. Destroying it from any thread
// other than the bus thread waits for a call of its handler in progress, so that afterwards
// the handler is never running and never called again (destroying it inside the handler itself
// is allowed too, and returns at once).
class Subscription {
 public:
  virtual ~Subscription() = default;
  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;

 protected:
  Subscription() = default;
};

using Handler = std::function<void(const Event&)>;

class Bus {  // thread-safe
 public:
  virtual ~Bus() = default;
  // Never throws and never waits for handlers; failures are logged (throttled).
  virtual void publish(const Event& event) = 0;
  // Calls `handler` for every event published anywhere (any node, any user) until the returned
  // Subscription is destroyed. Handlers run on the bus thread, one event at a time, in the
  // order the bus received them: they must be quick and must not block. An exception thrown by
  // a handler is logged and swallowed.
  virtual std::unique_ptr<Subscription> subscribe(Handler handler) = 0;
};

// In-process. Holds at most `capacity` undelivered events; publishing beyond that drops the
// event (logged, throttled) rather than blocking a worker. Events still queued when the bus is
// destroyed are dropped.
std::unique_ptr<Bus> make_local_bus(std::size_t capacity = 65536);

// Through Redis pub/sub. Fails (Errc::unavailable / invalid_argument) when the URL is bad or
// Redis cannot be reached and subscribed to at start; returns once the subscription is active,
// so an event published afterwards on any node reaches this one's handlers. Later outages are
// survived: the subscriber reconnects with backoff (events published while it is away are
// lost: pub/sub keeps nothing). Publishing goes through its own connection pool
// (config.pool_size connections) or through `publisher` when given.
Result<std::unique_ptr<Bus>> make_redis_bus(const cache::RedisConfig& config);
Result<std::unique_ptr<Bus>> make_redis_bus(const cache::RedisConfig& config,
                                            std::shared_ptr<cache::Redis> publisher);

// The Redis channel of a user's events: ov:events:<user_id> for job events,
// ov:events:<user_id>:session for the end of sessions, ov:events:<user_id>:user for changes of
// the account; changes of the models go to ov:events:_models (no user id starts with '_').
std::string redis_channel(const std::string& user_id, std::string_view suffix = {});

}  // namespace ov::events
