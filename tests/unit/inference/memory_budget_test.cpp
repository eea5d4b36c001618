// The memory an image needs, estimated from its header, against what the kernel says is left.
#include <gtest/gtest.h>

#include "inference/memory_budget.hpp"

namespace ov::inference {
namespace {

TEST(MemoryBudget, TheEstimateAndTheRefusal) {
  const ImageHeader h{SourceFormat::jpeg, 6000, 4000, 144'000'000};
  const std::int64_t floats = 4 * 3 * 416 * 416;
  EXPECT_EQ(image_memory_bytes(h, floats), 2 * 72'000'000 + 144'000'000 + 2 * 4 * floats);
  const std::int64_t needed = image_memory_bytes(h, floats);
  EXPECT_TRUE(check_memory(h, needed, std::nullopt).ok());  // nothing known: no refusal
  EXPECT_TRUE(check_memory(h, needed, needed + kMemoryReserveBytes).ok());
  auto refused = check_memory(h, needed, needed);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, Errc::unavailable);
  EXPECT_NE(refused.error().message.find("not enough memory for this image: decoding and "
                                         "detecting a 6000x4000 JPEG takes about 291 MiB"),
            std::string::npos)
      << refused.error().message;
  const auto available = available_memory_bytes();
  ASSERT_TRUE(available.has_value());  // /proc/meminfo at least
  EXPECT_GT(*available, 0);
}

}  // namespace
}  // namespace ov::inference
