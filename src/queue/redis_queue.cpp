// The scaled-out queue: Redis Streams with a consumer group (scripts in redis_queue_scripts.hpp).
#include <algorithm>
#include <atomic>
#include <thread>

#include "cache/redis.hpp"
#include "queue/backoff.hpp"
#include "queue/job_queue.hpp"
#include "queue/redis_queue_scripts.hpp"

namespace ov::queue {
namespace {

using cache::RedisReply;
using std::chrono::milliseconds;

// The longest one XREADGROUP BLOCK holds a pooled connection.
constexpr milliseconds kMaxBlock{1000};
constexpr milliseconds kMinBlock{10};

struct Token {
  std::string entry;
  std::string consumer;
  std::string attempt;
};

// "entry|consumer|attempt"; the consumer (a worker id) may itself hold '|'.
std::optional<Token> parse_token(const std::string& token) {
  auto first = token.find('|');
  auto last = token.rfind('|');
  if (first == std::string::npos || first == last) return std::nullopt;
  return Token{token.substr(0, first), token.substr(first + 1, last - first - 1),
               token.substr(last + 1)};
}

class RedisQueue final : public JobQueue {
 public:
  RedisQueue(cache::Redis& redis, QueueSettings settings, const std::string& prefix)
      : redis_(redis), settings_(settings) {
    std::string base = prefix;
    if (!base.empty() && base.back() == ':') base.pop_back();
    keys_ = {prefix + "jobs", prefix + "jobs:delayed", prefix + "jobs:entries",
             prefix + "jobs:attempts", prefix + "jobs:dead"};
    group_ = base + "-workers";
    // Polls for lost leases and due retries at least this often while blocking.
    auto lease = milliseconds(lease_ms(settings_));
    auto retry = milliseconds(retry_delay_ms(settings_, 1));
    block_ = std::clamp(std::min(lease / 4, std::max(retry / 2, kMinBlock)), kMinBlock, kMaxBlock);
  }

  Result<void> enqueue(const std::string& job_id) override {
    auto r = eval(scripts::kEnqueue, {job_id, std::to_string(settings_.max_depth)});
    if (!r) return r.error();
    if (r.value().integer == -1) return Error{Errc::rate_limited, "the job queue is full"};
    if (r.value().integer == -2) return Error{Errc::conflict, "the queue holds the job already"};
    return {};
  }

  Result<std::optional<ClaimedJob>> claim(const std::string& worker_id,
                                          milliseconds max_wait) override {
    auto deadline = std::chrono::steady_clock::now() + max_wait;
    std::string min_idle = std::to_string(lease_ms(settings_));
    while (true) {
      auto r = eval(scripts::kClaim, {worker_id, min_idle});
      if (!r) return r.error();
      if (r.value().type == RedisReply::Type::array && r.value().elements.size() == 3) {
        const auto& e = r.value().elements;
        return job(e[0].str, e[1].str, worker_id, static_cast<int>(e[2].integer));
      }
      auto left =
          std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left <= milliseconds(0)) return std::optional<ClaimedJob>();
      auto read =
          block_read(worker_id, std::clamp(std::min(left, block_), milliseconds(1), kMaxBlock));
      if (!read) return read.error();
      if (read.value()) return read;
    }
  }

  Result<bool> extend(const ClaimedJob& job) override {
    return on_lease(scripts::kExtend, job, {});
  }

  Result<bool> complete(const ClaimedJob& job) override {
    return on_lease(scripts::kComplete, job, {});
  }

  Result<bool> fail(const ClaimedJob& job, const std::string& error) override {
    bool dead = job.exhausted || job.attempt >= settings_.max_attempts;
    auto changed =
        on_lease(scripts::kFail, job,
                 {error, dead ? "1" : "0", std::to_string(retry_delay_ms(settings_, job.attempt))});
    if (!changed) return changed.error();
    return changed.value() && dead;
  }

  Result<bool> remove(const std::string& job_id) override {
    auto r = eval(scripts::kRemove, {job_id});
    if (!r) return r.error();
    return r.value().integer == 1;
  }

  Result<std::vector<storage::QueueState>> states(const std::vector<std::string>& ids) override {
    std::vector<storage::QueueState> out;
    out.reserve(ids.size());
    for (std::size_t start = 0; start < ids.size(); start += 100) {
      std::vector<std::string> chunk(
          ids.begin() + static_cast<std::ptrdiff_t>(start),
          ids.begin() + static_cast<std::ptrdiff_t>(std::min(ids.size(), start + 100)));
      auto r = eval(scripts::kStates, chunk);
      if (!r) return r.error();
      const auto& e = r.value().elements;
      if (e.size() != chunk.size() * 2) return Error{Errc::internal, "unexpected states reply"};
      for (std::size_t i = 0; i < chunk.size(); ++i) {
        storage::QueueState state;
        const std::string& kind = e[2 * i].str;
        state.kind = kind == "waiting"   ? storage::QueueState::Kind::waiting
                     : kind == "running" ? storage::QueueState::Kind::running
                     : kind == "dead"    ? storage::QueueState::Kind::dead
                                         : storage::QueueState::Kind::absent;
        state.error = e[2 * i + 1].str;
        out.push_back(std::move(state));
      }
    }
    return out;
  }

  Result<QueueStats> stats() override {
    auto r = eval(scripts::kStats, {});
    if (!r) return r.error();
    const auto& e = r.value().elements;
    if (e.size() != 3) return Error{Errc::internal, "unexpected stats reply"};
    QueueStats s;
    s.depth = e[0].integer;
    s.in_flight = e[1].integer;
    s.oldest_queued_age_s = e[2].integer < 0 ? 0 : static_cast<double>(e[2].integer) / 1000;
    return s;
  }

 private:
  std::optional<ClaimedJob> job(const std::string& entry, const std::string& detection,
                                const std::string& consumer, int attempt) const {
    std::string token = entry + "|" + consumer + "|" + std::to_string(attempt);
    return ClaimedJob{detection, attempt, token, attempt > settings_.max_attempts};
  }

  // XREADGROUP ... BLOCK: waits for a new entry on one pooled connection.
  Result<std::optional<ClaimedJob>> block_read(const std::string& consumer, milliseconds block) {
    if (auto ready = ensure_group(); !ready) return ready.error();
    auto r = redis_.command({"XREADGROUP", "GROUP", group_, consumer, "COUNT", "1", "BLOCK",
                             std::to_string(block.count()), "STREAMS", keys_[0], ">"});
    if (!r) return r.error();
    if (r.value().type == RedisReply::Type::error) return reply_error(r.value());
    // [[stream, [[id, [field, value]]]]]
    const RedisReply& reply = r.value();
    if (reply.type != RedisReply::Type::array || reply.elements.empty()) {
      return std::optional<ClaimedJob>();
    }
    const auto& entries = reply.elements[0].elements.at(1).elements;
    if (entries.empty()) return std::optional<ClaimedJob>();
    const std::string& entry = entries[0].elements.at(0).str;
    const std::string& detection = entries[0].elements.at(1).elements.at(1).str;
    auto attempt = eval(scripts::kAttempt, {entry, detection});
    if (!attempt) return attempt.error();
    return job(entry, detection, consumer, static_cast<int>(attempt.value().integer));
  }

  Result<bool> on_lease(const char* body, const ClaimedJob& job,
                        const std::vector<std::string>& extra) {
    auto token = parse_token(job.token);
    if (!token) return false;
    std::vector<std::string> args{token->entry, token->consumer, token->attempt, job.job_id};
    args.insert(args.end(), extra.begin(), extra.end());
    auto r = eval(std::string(scripts::kHolds) + body, args);
    if (!r) return r.error();
    return r.value().integer == 1;
  }

  // EVAL with the five keys and the group as ARGV[1]; a Redis error reply becomes an Error.
  // After NOGROUP (Redis lost the stream: a restart without persistence, FLUSHALL) the group
  // is created again and the script run once more.
  Result<RedisReply> eval(const std::string& body, const std::vector<std::string>& argv) {
    for (int round = 0;; ++round) {
      if (auto ready = ensure_group(); !ready) return ready.error();
      std::vector<std::string> args{"EVAL", std::string(scripts::kNow) + body, "5"};
      args.insert(args.end(), keys_.begin(), keys_.end());
      args.push_back(group_);
      args.insert(args.end(), argv.begin(), argv.end());
      auto r = redis_.command(args);
      if (!r) return r.error();
      if (r.value().type != RedisReply::Type::error) return r;
      Error error = reply_error(r.value());
      if (group_ready_.load() || round > 0) return error;
    }
  }

  // A Redis error reply as an Error; after NOGROUP (the stream was deleted, or Redis flushed)
  // the next call creates the group again.
  Error reply_error(const RedisReply& reply) {
    if (reply.str.find("NOGROUP") != std::string::npos) group_ready_ = false;
    return Error{Errc::internal, reply.str};
  }

  Result<void> ensure_group() {
    if (group_ready_.load()) return {};
    auto r = redis_.command({"XGROUP", "CREATE", keys_[0], group_, "0", "MKSTREAM"});
    if (!r) return r.error();
    if (r.value().type == RedisReply::Type::error &&
        r.value().str.find("BUSYGROUP") == std::string::npos) {
      return Error{Errc::internal, r.value().str};
    }
    group_ready_ = true;
    return {};
  }

  cache::Redis& redis_;
  QueueSettings settings_;
  std::vector<std::string> keys_;
  std::string group_;
  milliseconds block_{kMaxBlock};
  std::atomic<bool> group_ready_{false};
};

}  // namespace

std::unique_ptr<JobQueue> make_redis_queue(cache::Redis& redis, QueueSettings settings,
                                           std::string key_prefix) {
  return std::make_unique<RedisQueue>(redis, settings, key_prefix);
}

}  // namespace ov::queue
