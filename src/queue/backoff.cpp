#include "queue/backoff.hpp"

#include <algorithm>
#include <cmath>

namespace ov::queue {
namespace {
constexpr double kMaxDelayMs = 24.0 * 3600 * 1000;
}

std::int64_t retry_delay_ms(const QueueSettings& settings, int attempt) {
  double ms = settings.retry_backoff_s * 1000.0 * std::pow(2.0, std::max(attempt, 1) - 1);
  return static_cast<std::int64_t>(std::clamp(ms, 0.0, kMaxDelayMs));
}

std::int64_t lease_ms(const QueueSettings& settings) {
  return std::max<std::int64_t>(1, std::llround(settings.visibility_timeout_s * 1000.0));
}

}  // namespace ov::queue
