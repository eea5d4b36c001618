// argon2_cost: what one login spends in Argon2id, measured with the server's own hasher
// (ov::auth::PasswordHasher, libsodium) at the server's cost settings: the floor a login's time
// is compared with in bench/detect_ratio.py. Times `verify` (what a login does) N times.
// Usage: argon2_cost [--ops T] [--memory-kib M] [--runs N]   (defaults: the server's defaults,
// ARGON2_OPS and ARGON2_MEMORY_KIB from the environment when set)
// Prints: argon2_verify_ms median MEDIAN min MIN max MAX runs N
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "auth/password.hpp"

namespace {

std::uint64_t number(const char* text, std::uint64_t fallback) {
  return text != nullptr && *text != '\0' ? std::strtoull(text, nullptr, 10) : fallback;
}

}  // namespace

int main(int argc, char** argv) {
  ov::auth::PasswordCost cost;
  cost.ops = number(std::getenv("ARGON2_OPS"), cost.ops);
  cost.mem_bytes = number(std::getenv("ARGON2_MEMORY_KIB"), cost.mem_bytes / 1024) * 1024;
  int runs = 15;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string_view arg = argv[i];
    if (arg == "--ops") {
      cost.ops = number(argv[i + 1], cost.ops);
    } else if (arg == "--memory-kib") {
      cost.mem_bytes = number(argv[i + 1], cost.mem_bytes / 1024) * 1024;
    } else if (arg == "--runs") {
      runs = std::max(1, std::atoi(argv[i + 1]));
    } else {
      std::fprintf(stderr, "usage: argon2_cost [--ops T] [--memory-kib M] [--runs N]\n");
      return 2;
    }
  }
  const ov::auth::PasswordHasher hasher(cost);
  const std::string phc = hasher.hash("benchmark-password");
  std::vector<double> ms;
  for (int i = 0; i < runs; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    if (!hasher.verify(phc, "benchmark-password")) return 1;
    ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  std::printf("argon2_verify_ms median %.2f min %.2f max %.2f runs %d (t=%llu, m=%zu KiB)\n",
              ms[ms.size() / 2], ms.front(), ms.back(), runs,
              static_cast<unsigned long long>(cost.ops), cost.mem_bytes / 1024);
  return 0;
}
