#pragma once
// A bounded in-process cache: least recently used entries go first, each entry lives at most
// its time to live. Thread-safe: the keys are spread over shards, each with its own lock, so
// that I/O threads reading different keys do not wait on each other. Counts hits and misses.
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

  // capacity: entries at most (spread over the shards); ttl: the default time to live.
  Lru(std::size_t capacity, std::chrono::milliseconds ttl, std::size_t shards = 16)
      : ttl_(ttl), shards_(shards > 0 ? shards : 1) {
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
    if (it->second->expires <= Clock::now()) {
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
    const auto expires = Clock::now() + ttl.value_or(ttl_);
    std::lock_guard lock(s.mu);
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
  };

  Shard& shard(const std::string& key) {
    return shards_[std::hash<std::string>{}(key) % shards_.size()];
  }

  const std::chrono::milliseconds ttl_;
  std::vector<Shard> shards_;
  std::size_t per_shard_ = 1;
  std::atomic<std::uint64_t> hits_{0};
  std::atomic<std::uint64_t> misses_{0};
};

}  // namespace ov::cache
