#pragma once
// A bounded in-process cache: least recently used entries go first, each entry lives at most
// its time to live. Thread-safe: the keys are spread over shards, each with its own lock, so
// that I/O threads reading different keys do not wait on each other. Counts hits and misses.
// Expired entries do not wait for the capacity to push them out: each put drops those at the
// cold end of its shard, and sweeps the whole shard once per as many puts as it holds entries
// (amortized O(1)), so that memory follows the live entries, not the capacity.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace ov::cache {

struct CacheStats {
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;
  std::size_t size = 0;
};

template <class V>
class Lru {
 public:
  using Clock = std::chrono::steady_clock;
  using Now = std::function<Clock::time_point()>;

  // capacity: entries at most (spread over the shards); ttl: the default time to live; now:
  // the clock (tests move it by hand).
  Lru(std::size_t capacity, std::chrono::milliseconds ttl, std::size_t shards = 16,
      Now now = Clock::now)
      : ttl_(ttl), now_(std::move(now)), shards_(shards > 0 ? shards : 1) {
    per_shard_ = std::max<std::size_t>(1, (capacity + shards_.size() - 1) / shards_.size());
  }

  std::optional<V> get(const std::string& key) {
    Shard& s = shard(key);
    std::lock_guard lock(s.mu);
    auto it = s.index.find(key);
    if (it == s.index.end()) {
      ++misses_;
      return std::nullopt;
    }
    if (it->second->expires <= now_()) {
      s.order.erase(it->second);
      s.index.erase(it);
      ++misses_;
      return std::nullopt;
    }
    s.order.splice(s.order.begin(), s.order, it->second);  // most recently used first
    ++hits_;
    return it->second->value;
  }

  void put(const std::string& key, V value, std::optional<std::chrono::milliseconds> ttl = {}) {
    Shard& s = shard(key);
    const auto now = now_();
    const auto expires = now + ttl.value_or(ttl_);
    std::lock_guard lock(s.mu);
    drop_expired(s, now);
    if (auto it = s.index.find(key); it != s.index.end()) {
      it->second->value = std::move(value);
      it->second->expires = expires;
      s.order.splice(s.order.begin(), s.order, it->second);
      return;
    }
    s.order.push_front(Entry{key, std::move(value), expires});
    s.index.emplace(key, s.order.begin());
    while (s.index.size() > per_shard_) {
      s.index.erase(s.order.back().key);
      s.order.pop_back();
    }
  }

  void erase(const std::string& key) {
    Shard& s = shard(key);
    std::lock_guard lock(s.mu);
    if (auto it = s.index.find(key); it != s.index.end()) {
      s.order.erase(it->second);
      s.index.erase(it);
    }
  }

  void clear() {
    for (auto& s : shards_) {
      std::lock_guard lock(s.mu);
      s.index.clear();
      s.order.clear();
    }
  }

  CacheStats stats() const {
    CacheStats out{hits_.load(), misses_.load(), 0};
    for (const auto& s : shards_) {
      std::lock_guard lock(s.mu);
      out.size += s.index.size();
    }
    return out;
  }

 private:
  struct Entry {
    std::string key;
    V value;
    Clock::time_point expires;
  };
  struct Shard {
    mutable std::mutex mu;
    std::list<Entry> order;  // most recently used first
    std::unordered_map<std::string, typename std::list<Entry>::iterator> index;
    std::size_t puts_since_sweep = 0;
  };
  static constexpr std::size_t kMinSweepInterval = 32;

  // The expired entries at the cold end; all of them once per index.size() puts.
  void drop_expired(Shard& s, Clock::time_point now) {
    while (!s.order.empty() && s.order.back().expires <= now) {
      s.index.erase(s.order.back().key);
      s.order.pop_back();
    }
    if (++s.puts_since_sweep < std::max<std::size_t>(s.index.size(), kMinSweepInterval)) return;
    s.puts_since_sweep = 0;
    for (auto it = s.order.begin(); it != s.order.end();) {
      if (it->expires <= now) {
        s.index.erase(it->key);
        it = s.order.erase(it);
      } else {
        ++it;
      }
    }
  }

  Shard& shard(const std::string& key) {
    return shards_[std::hash<std::string>{}(key) % shards_.size()];
  }

  const std::chrono::milliseconds ttl_;
  const Now now_;
  std::vector<Shard> shards_;
  std::size_t per_shard_ = 1;
  std::atomic<std::uint64_t> hits_{0};
  std::atomic<std::uint64_t> misses_{0};
};

}  // namespace ov::cache
