#pragma once
// Time arithmetic both queues share.
#include <cstdint>

#include "queue/job_queue.hpp"

namespace ov::queue {

// retry_backoff_s * 2^(attempt-1), in milliseconds (attempt >= 1; capped at one day).
std::int64_t retry_delay_ms(const QueueSettings& settings, int attempt);
// visibility_timeout_s in milliseconds, at least 1.
std::int64_t lease_ms(const QueueSettings& settings);

}  // namespace ov::queue
