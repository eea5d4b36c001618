// WorkerRegistry shared through Redis: a hash per worker that expires after the window, and a
// set of ids that list() prunes of workers whose hash expired.
#include <map>

#include "cache/redis.hpp"
#include "queue/worker_registry.hpp"

namespace ov::queue {
namespace {

using cache::RedisReply;

// KEYS: 1 set, 2 worker hash. ARGV: id, window ms, then field/value pairs.
constexpr const char* kHeartbeat = R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('DEL', KEYS[2])
redis.call('HSET', KEYS[2], 'last_heartbeat', now, unpack(ARGV, 3))
redis.call('PEXPIRE', KEYS[2], ARGV[2])
redis.call('SADD', KEYS[1], ARGV[1])
return 1
)lua";

// KEYS: 1 set. ARGV: worker key prefix. {{id, field, value, ...}, ...}
constexpr const char* kList = R"lua(
local out = {}
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local h = redis.call('HGETALL', ARGV[1] .. id)
  if #h == 0 then
    redis.call('SREM', KEYS[1], id)
  else
    table.insert(h, 1, id)
    table.insert(out, h)
  end
end
return out
)lua";

std::int64_t to_int(const std::string& s) {
  try {
    return std::stoll(s);
  } catch (const std::exception&) {
    return 0;
  }
}

class RedisWorkerRegistry final : public WorkerRegistry {
 public:
  RedisWorkerRegistry(cache::Redis& redis, std::chrono::milliseconds window, std::string prefix)
      : redis_(redis),
        window_(window),
        set_(prefix + "workers"),
        hash_prefix_(prefix + "worker:") {}

  Result<void> heartbeat(const WorkerInfo& w) override {
    if (w.id.empty()) return Error{Errc::invalid_argument, "worker id is empty"};
    std::vector<std::string> args{"EVAL",
                                  kHeartbeat,
                                  "2",
                                  set_,
                                  hash_prefix_ + w.id,
                                  w.id,
                                  std::to_string(window_.count()),
                                  "host",
                                  w.host,
                                  "pid",
                                  std::to_string(w.pid),
                                  "started_at",
                                  std::to_string(w.started_at_ms),
                                  "jobs_done",
                                  std::to_string(w.jobs_done)};
    if (w.current_job) {
      args.push_back("current_job");
      args.push_back(*w.current_job);
    }
    return check(redis_.command(args));
  }

  Result<void> forget(const std::string& worker_id) override {
    if (auto r = check(redis_.command({"DEL", hash_prefix_ + worker_id})); !r) return r;
    return check(redis_.command({"SREM", set_, worker_id}));
  }

  Result<std::vector<WorkerInfo>> list() override {
    auto r = redis_.command({"EVAL", kList, "1", set_, hash_prefix_});
    if (auto ok = check(r); !ok) return ok.error();
    std::map<std::string, WorkerInfo> by_id;
    for (const RedisReply& worker : r.value().elements) {
      if (worker.elements.empty()) continue;
      WorkerInfo w;
      w.id = worker.elements[0].str;
      for (std::size_t i = 1; i + 1 < worker.elements.size(); i += 2) {
        const std::string& field = worker.elements[i].str;
        const std::string& value = worker.elements[i + 1].str;
        if (field == "host")
          w.host = value;
        else if (field == "pid")
          w.pid = to_int(value);
        else if (field == "started_at")
          w.started_at_ms = to_int(value);
        else if (field == "jobs_done")
          w.jobs_done = to_int(value);
        else if (field == "current_job")
          w.current_job = value;
        else if (field == "last_heartbeat")
          w.last_heartbeat_ms = to_int(value);
      }
      by_id[w.id] = std::move(w);
    }
    std::vector<WorkerInfo> out;
    for (auto& [id, w] : by_id) out.push_back(std::move(w));
    return out;
  }

 private:
  static Result<void> check(const Result<RedisReply>& r) {
    if (!r) return r.error();
    if (r.value().type == RedisReply::Type::error) return Error{Errc::internal, r.value().str};
    return {};
  }

  cache::Redis& redis_;
  std::chrono::milliseconds window_;
  std::string set_;
  std::string hash_prefix_;
};

}  // namespace

std::unique_ptr<WorkerRegistry> make_redis_worker_registry(cache::Redis& redis,
                                                           std::chrono::milliseconds window,
                                                           std::string key_prefix) {
  return std::make_unique<RedisWorkerRegistry>(redis, window, std::move(key_prefix));
}

}  // namespace ov::queue
