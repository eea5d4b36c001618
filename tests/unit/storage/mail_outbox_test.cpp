// MailRepository against both backends: oldest due first, one claimer per mail (also among
// racing processes), a lease that runs out gives the mail to another sender, retries wait
// until they are due, sent and failed mails are never claimed again.
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "backend_fixture.hpp"

namespace ov::storage::test {
namespace {

class MailOutbox : public BackendTest {
 protected:
  std::string enqueue(const std::string& to, std::int64_t now) {
    OutgoingMail m;
    m.kind = "welcome";
    m.recipient = to;
    m.subject = "Welcome";
    m.text_body = "text";
    m.html_body = "<p>html</p>";
    auto r = migrated().mail().enqueue(m, now);
    if (!r) throw std::runtime_error(r.error().message);
    return m.id;
  }
};

TEST_P(MailOutbox, ClaimsOldestFirstAndLeasesRunOut) {
  auto first = enqueue("a@example.com", 1'000);
  auto second = enqueue("b@example.com", 2'000);
  auto& repo = db().mail();
  EXPECT_FALSE(repo.claim("s1", 500, 10'000)->has_value()) << "nothing due before it was made";
  auto a = repo.claim("s1", 3'000, 10'000);
  ASSERT_TRUE(a.ok() && a->has_value());
  EXPECT_EQ((*a)->id, first);
  EXPECT_EQ((*a)->attempts, 1);
  auto b = repo.claim("s2", 3'000, 10'000);
  ASSERT_TRUE(b->has_value());
  EXPECT_EQ((*b)->id, second);
  EXPECT_FALSE(repo.claim("s3", 3'000, 10'000)->has_value()) << "both leased";
  auto again = repo.claim("s3", 13'001, 10'000);
  ASSERT_TRUE(again->has_value()) << "s1's lease ran out: s3 takes the mail";
  EXPECT_EQ((*again)->id, first);
  EXPECT_EQ((*again)->attempts, 2);
  ASSERT_TRUE(repo.sent(first, "s1", 13'002).ok());  // the old holder: recorded nothing
  EXPECT_EQ(repo.counts()->sent, 0);
  ASSERT_TRUE(repo.sent(first, "s3", 13'003).ok());
  EXPECT_EQ(repo.counts()->sent, 1);
}

TEST_P(MailOutbox, RetriesWaitUntilDueAndFailuresStay) {
  auto id = enqueue("c@example.com", 1'000);
  auto& repo = db().mail();
  ASSERT_TRUE(repo.claim("s", 1'000, 60'000)->has_value());
  ASSERT_TRUE(repo.failed(id, "s", "421 try later", 5'000).ok());
  EXPECT_EQ(*repo.next_due().value(), 5'000);
  EXPECT_FALSE(repo.claim("s", 4'999, 60'000)->has_value());
  auto retry = repo.claim("s", 5'000, 60'000);
  ASSERT_TRUE(retry->has_value());
  EXPECT_EQ((*retry)->attempts, 2);
  ASSERT_TRUE(repo.failed(id, "s", "550 no such user", std::nullopt).ok());
  EXPECT_FALSE(repo.claim("s", 1'000'000, 60'000)->has_value()) << "failed for good";
  EXPECT_EQ(repo.counts()->failed, 1);
  EXPECT_FALSE(repo.next_due().value().has_value());
}

TEST_P(MailOutbox, RacingSendersClaimEachMailOnce) {
  migrated();
  for (int i = 0; i < 20; ++i) enqueue("r" + std::to_string(i) + "@example.com", 1'000 + i);
  std::mutex mu;
  std::multiset<std::string> claimed;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      auto other = open_another(1);
      for (int tries = 0; tries < 200; ++tries) {
        auto r = other->mail().claim("t" + std::to_string(t), 10'000, 60'000);
        if (!r) continue;  // busy database
        if (!r.value()) break;
        std::lock_guard lock(mu);
        claimed.insert(r.value()->id);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(claimed.size(), 20u);
  EXPECT_EQ(std::set<std::string>(claimed.begin(), claimed.end()).size(), 20u);
}

OV_STORAGE_BACKENDS(MailOutbox);

}  // namespace
}  // namespace ov::storage::test
