#include "core/ids.hpp"

#include <set>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace ov {
namespace {

TEST(Ids, UuidsAreCanonicalVersion4AndDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string id = new_uuid();
    ASSERT_TRUE(is_uuid(id)) << id;
    EXPECT_EQ(id[14], '4');
    EXPECT_TRUE(id[19] == '8' || id[19] == '9' || id[19] == 'a' || id[19] == 'b');
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(Ids, RequestUuidsAreCanonicalAndDistinctAcrossThreads) {
  // Each thread seeds its own generator: ids of different threads must not repeat either.
  std::vector<std::vector<std::string>> made(4);
  std::vector<std::thread> threads;
  for (auto& ids : made) {
    threads.emplace_back([&ids] {
      for (int i = 0; i < 5000; ++i) ids.push_back(new_request_uuid());
    });
  }
  for (auto& t : threads) t.join();
  std::set<std::string> seen;
  for (const auto& ids : made) {
    for (const auto& id : ids) {
      ASSERT_TRUE(is_uuid(id)) << id;
      EXPECT_EQ(id[14], '4');
      EXPECT_TRUE(id[19] == '8' || id[19] == '9' || id[19] == 'a' || id[19] == 'b') << id;
      seen.insert(id);
    }
  }
  EXPECT_EQ(seen.size(), 20000u);
}

TEST(Ids, NameUuidsAreStableCanonicalVersion8AndDiffer) {
  const std::string a = name_uuid("daily_report/u1/2026-12-01");
  EXPECT_EQ(a, name_uuid("daily_report/u1/2026-12-01")) << "the same name, the same id";
  EXPECT_TRUE(is_uuid(a)) << a;
  EXPECT_EQ(a[14], '8') << a;
  EXPECT_TRUE(a[19] == '8' || a[19] == '9' || a[19] == 'a' || a[19] == 'b') << a;
  std::set<std::string> ids{a};
  for (const char* other : {"daily_report/u1/2026-12-02", "daily_report/u2/2026-12-01", ""}) {
    ids.insert(name_uuid(other));
  }
  EXPECT_EQ(ids.size(), 4u);
}

TEST(Ids, RejectsNonCanonicalUuids) {
  EXPECT_FALSE(is_uuid(""));
  EXPECT_FALSE(is_uuid("123"));
  EXPECT_FALSE(is_uuid("0123456789ab-cdef-0123-4567-89abcdef0123"));
  EXPECT_FALSE(is_uuid("g1234567-89ab-cdef-0123-456789abcdef"));
  EXPECT_TRUE(is_uuid("01234567-89AB-cdef-0123-456789abcdef"));
}

TEST(Ids, Rfc3339FormatsUtcWithMilliseconds) {
  EXPECT_EQ(rfc3339(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(rfc3339(1795485995123), "2026-11-24T02:06:35.123Z");
}

TEST(Ids, RandomTokenHasExpectedLengthAndAlphabet) {
  std::string t = random_token(32);
  EXPECT_EQ(t.size(), 43u);
  for (char c : t) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_');
}

}  // namespace
}  // namespace ov
