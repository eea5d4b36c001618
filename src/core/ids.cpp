#include "core/ids.hpp"

#include "core/base64url.hpp"

#include <sys/random.h>

#include <array>
#include <chrono>
#include <ctime>
#include <random>
#include <stdexcept>

#include <fmt/format.h>

namespace ov {
namespace {

void fill_random(unsigned char* out, std::size_t n) {
  std::size_t done = 0;
  while (done < n) {
    ssize_t got = getrandom(out + done, n - done, 0);
    if (got < 0) throw std::runtime_error("getrandom failed");
    done += static_cast<std::size_t>(got);
  }
}

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

std::string uuid_text(std::array<unsigned char, 16> b, unsigned version = 4) {
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | (version << 4));
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[b[i] >> 4]);
    out.push_back(kHex[b[i] & 0x0f]);
  }
  return out;
}

}  // namespace

std::string new_uuid() {
  std::array<unsigned char, 16> b{};
  fill_random(b.data(), b.size());
  return uuid_text(b);
}

std::string name_uuid(std::string_view name) {
  // Two FNV-1a 64-bit hashes with different offsets: stable across processes and versions.
  std::array<unsigned char, 16> b{};
  for (int half = 0; half < 2; ++half) {
    std::uint64_t h = half == 0 ? 0xcbf29ce484222325ULL : 0x84222325cbf29ce4ULL;
    for (unsigned char c : name) {
      h ^= c;
      h *= 0x100000001b3ULL;
    }
    for (int i = 0; i < 8; ++i) {
      b[static_cast<std::size_t>(half * 8 + i)] = static_cast<unsigned char>(h >> (8 * i));
    }
  }
  return uuid_text(b, 8);
}

std::string new_request_uuid() {
  // One generator per thread, seeded from the OS once: a system call per request id would
  // cost more than the rest of a cached answer.
  thread_local std::mt19937_64 generator = [] {
    std::array<unsigned char, 8> seed{};
    fill_random(seed.data(), seed.size());
    std::uint64_t value = 0;
    for (unsigned char byte : seed) value = (value << 8) | byte;
    return std::mt19937_64(value);
  }();
  std::array<unsigned char, 16> b{};
  for (int half = 0; half < 2; ++half) {
    std::uint64_t v = generator();
    for (int i = 0; i < 8; ++i)
      b[static_cast<std::size_t>(half * 8 + i)] = static_cast<unsigned char>(v >> (8 * i));
  }
  return uuid_text(b);
}

bool is_uuid(std::string_view t) {
  if (t.size() != 36) return false;
  for (std::size_t i = 0; i < t.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? t[i] != '-' : !is_hex(t[i])) return false;
  }
  return true;
}

std::string random_token(std::size_t bytes) {
  std::string raw(bytes, '\0');
  fill_random(reinterpret_cast<unsigned char*>(raw.data()), raw.size());
  return base64url_encode(raw);
}

std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string rfc3339(std::int64_t epoch_ms) {
  std::time_t secs = static_cast<std::time_t>(epoch_ms / 1000);
  int ms = static_cast<int>(epoch_ms % 1000);
  if (ms < 0) {
    ms += 1000;
    --secs;
  }
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
}

}  // namespace ov
