// What JobRepository reports, against both backends: history pages with counts, recent
// failures, statistics per status, class and day, period figures, and the users whose daily
// report is on.
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/ids.hpp"
#include "jobs_fixture.hpp"

namespace ov::storage::test {
namespace {

class JobReports : public JobsTest {};

TEST_P(JobReports, HistoryPagesNewestFirstWithCounts) {
  std::string user = make_user("a@example.com");
  std::string other = make_user("b@example.com");
  std::vector<std::string> ids;
  std::int64_t t0 = now_ms();
  for (int i = 0; i < 5; ++i) ids.push_back(make_job(user, 1, t0 + i).job.id);
  // Two with the same created_at: the id breaks the tie, descending.
  std::string tie_a = make_job(user, 1, t0 + 10).job.id;
  std::string tie_b = make_job(user, 1, t0 + 10).job.id;
  make_job(other, 1, t0 + 20);
  auto newest = db().jobs().images(ids[4]);
  std::int64_t fence = start(ids[4]);
  ASSERT_EQ(db().jobs()
                .save_image(outcome(newest[0].id,
                                    {result("dog", 0.9), result("dog", 0.7), result("car", 0.6)}),
                            fence)
                .value(),
            Saved::saved);
  ASSERT_TRUE(
      db().jobs().finish(ids[4], fence, JobStatus::completed, std::nullopt, now_ms()).value());

  auto page = db().jobs().history(user, {}, 3, 0);
  EXPECT_EQ(page.total, 7);
  ASSERT_EQ(page.items.size(), 3u);
  EXPECT_EQ(page.items[0].job.id, std::max(tie_a, tie_b));
  EXPECT_EQ(page.items[1].job.id, std::min(tie_a, tie_b));
  EXPECT_EQ(page.items[2].job.id, ids[4]);
  EXPECT_EQ(page.items[2].object_count, 3);
  EXPECT_EQ(page.items[2].counts.at("dog"), 2);
  EXPECT_EQ(page.items[2].counts.at("car"), 1);
  EXPECT_EQ(page.items[0].object_count, 0);
  EXPECT_TRUE(page.items[0].counts.empty());

  auto rest = db().jobs().history(user, {}, 10, 3);
  EXPECT_EQ(rest.total, 7);
  ASSERT_EQ(rest.items.size(), 4u);
  EXPECT_EQ(rest.items[0].job.id, ids[3]);
  EXPECT_EQ(rest.items[3].job.id, ids[0]);

  auto completed = db().jobs().history(user, {JobStatus::completed, {}}, 10, 0);
  EXPECT_EQ(completed.total, 1);
  ASSERT_EQ(completed.items.size(), 1u);
  EXPECT_EQ(completed.items[0].job.status, JobStatus::completed);
  EXPECT_EQ(db().jobs().history(user, {JobStatus::failed, {}}, 10, 0).total, 0);
  // By class: the jobs where one such object was found, with all of their counts.
  auto dogs = db().jobs().history(user, {std::nullopt, "dog"}, 10, 0);
  EXPECT_EQ(dogs.total, 1);
  ASSERT_EQ(dogs.items.size(), 1u);
  EXPECT_EQ(dogs.items[0].job.id, ids[4]);
  EXPECT_EQ(dogs.items[0].counts.at("car"), 1);
  EXPECT_EQ(db().jobs().history(user, {JobStatus::completed, "car"}, 10, 0).total, 1);
  EXPECT_EQ(db().jobs().history(user, {JobStatus::queued, "car"}, 10, 0).total, 0);
  EXPECT_EQ(db().jobs().history(user, {std::nullopt, "cat"}, 10, 0).total, 0);
  EXPECT_EQ(db().jobs().history(other, {std::nullopt, "dog"}, 10, 0).total, 0);
  EXPECT_EQ(db().jobs().history(new_uuid(), {}, 10, 0).total, 0);
}

TEST_P(JobReports, RecentFailuresListEveryUsersFailedJobsLatestFirst) {
  std::string a = make_user("a@example.com");
  std::string b = make_user("b@example.com");
  std::int64_t t0 = now_ms();
  std::string first = make_job(a, 1, t0).job.id;
  std::string second = make_job(b, 2, t0 + 1).job.id;
  std::string fine = make_job(a, 1, t0 + 2).job.id;
  ASSERT_TRUE(db().jobs().fail(first, "the model could not be loaded", t0 + 10).value());
  ASSERT_TRUE(db().jobs().fail(second, "no space left", t0 + 20).value());

  auto failures = db().jobs().recent_failures(10);
  ASSERT_TRUE(failures.ok()) << failures.error().message;
  ASSERT_EQ(failures.value().size(), 2u);
  EXPECT_EQ(failures.value()[0].job.id, second);
  EXPECT_EQ(failures.value()[0].user_email, "b@example.com");
  EXPECT_EQ(failures.value()[0].job.error, "no space left");
  EXPECT_EQ(failures.value()[0].job.image_count, 2);
  EXPECT_EQ(failures.value()[1].job.id, first);
  EXPECT_EQ(failures.value()[1].user_email, "a@example.com");
  EXPECT_EQ(db().jobs().recent_failures(1).value().size(), 1u);
  for (const auto& f : failures.value()) EXPECT_NE(f.job.id, fine);
}

TEST_P(JobReports, StatsCountPerStatusClassAndUtcDayInTheRange) {
  std::string me = make_user("me@example.com");
  std::string other = make_user("other@example.com");
  constexpr std::int64_t kDay = 86'400'000;
  const std::int64_t day0 = 20'000 * kDay;  // 2024-10-04 00:00:00 UTC
  auto late = make_job(me, 2, day0 - 1);    // 23:59:59.999 the day before
  auto early = make_job(me, 1, day0);       // midnight: day0
  auto later = make_job(me, 1, day0 + kDay - 1);
  make_job(other, 3, day0);  // someone else's
  std::int64_t fence = start(late.job.id);
  ASSERT_TRUE(
      db().jobs()
          .save_image(outcome(late.images[0].id, {result("dog", 0.9), result("car", 0.5)}), fence)
          .ok());
  ASSERT_TRUE(db().jobs().save_image(outcome(late.images[1].id, {result("dog", 0.7)}), fence).ok());
  ASSERT_TRUE(db().jobs().finish(late.job.id, fence, JobStatus::completed, std::nullopt, 5).ok());
  fence = start(early.job.id);
  ASSERT_TRUE(
      db().jobs().save_image(outcome(early.images[0].id, {result("car", 0.6)}), fence).ok());

  auto st = db().jobs().stats(me, day0 - kDay, day0 + kDay);  // two days, both included
  EXPECT_EQ(st.by_status["completed"].jobs, 1);
  EXPECT_EQ(st.by_status["completed"].images, 2);
  EXPECT_EQ(st.by_status["processing"].jobs, 1);
  EXPECT_EQ(st.by_status["queued"].jobs, 1);
  EXPECT_EQ(st.by_status.size(), 3u) << "the other user's job is not counted";
  EXPECT_EQ(st.objects_by_class, (std::map<std::string, std::int64_t>{{"car", 2}, {"dog", 2}}));
  ASSERT_EQ(st.by_day.size(), 2u);
  const auto& before = st.by_day.at("2024-10-03");
  EXPECT_EQ(before.jobs, 1);
  EXPECT_EQ(before.images, 2);
  EXPECT_EQ(before.objects, 3);
  const auto& first = st.by_day.at("2024-10-04");
  EXPECT_EQ(first.jobs, 2) << "midnight and 23:59:59.999 are the same UTC day";
  EXPECT_EQ(first.images, 2);
  EXPECT_EQ(first.objects, 1);

  auto narrow = db().jobs().stats(me, day0, day0 + 1);  // [day0, day0 + 1 ms)
  ASSERT_EQ(narrow.by_day.size(), 1u);
  EXPECT_EQ(narrow.by_day.at("2024-10-04").jobs, 1) << "the range's end is excluded";
  EXPECT_TRUE(db().jobs().stats("not-a-uuid", 0, day0).by_status.empty());
  (void)later;
}

TEST_P(JobReports, PeriodFiguresCountTheJobsCreatedInTheRangeAndTheirObjects) {
  std::string me = make_user("a@example.com"), other = make_user("b@example.com");
  auto before = make_job(me, 1, 999);
  auto done = make_job(me, 2, 1000);
  std::int64_t fence = start(done.job.id, 1000);
  ASSERT_EQ(db().jobs()
                .save_image(outcome(done.images[0].id,
                                    {result("dog", 0.9), result("car", 0.5), result("dog", 0.4)}),
                            fence)
                .value(),
            Saved::saved);
  ASSERT_TRUE(
      db().jobs().finish(done.job.id, fence, JobStatus::completed, std::nullopt, 1500).value());
  auto failed = make_job(me, 1, 1999);
  ASSERT_TRUE(db().jobs().fail(failed.job.id, "boom", 2000).value());
  make_job(me, 1, 2000);     // at the end of the range: outside
  make_job(other, 3, 1500);  // someone else's
  auto figures = db().jobs().period(me, 1000, 2000);
  ASSERT_TRUE(figures.ok()) << figures.error().message;
  const auto& f = figures.value();
  ASSERT_EQ(f.by_status.size(), 2u);
  EXPECT_EQ(f.by_status.at("completed").jobs, 1);
  EXPECT_EQ(f.by_status.at("completed").images, 2);
  EXPECT_EQ(f.by_status.at("failed").jobs, 1);
  EXPECT_EQ(f.objects_by_class, (std::map<std::string, std::int64_t>{{"car", 1}, {"dog", 2}}));
  EXPECT_TRUE(db().jobs().period(me, 3000, 4000).value().by_status.empty());
  (void)before;
}

TEST_P(JobReports, UsersWithTheDailyReportOnArePagedById) {
  std::vector<std::string> on;
  for (int i = 0; i < 5; ++i) {
    std::string id = make_user("r" + std::to_string(i) + "@example.com");
    if (i != 2) {
      storage::SettingsPatch patch;
      patch.daily_report = true;
      ASSERT_TRUE(db().users().update_settings(id, patch).ok());
      on.push_back(id);
    }
  }
  EXPECT_TRUE(db().users().settings(on[0])->daily_report);
  // Deactivated users get none.
  storage::UserPatch off;
  off.is_active = false;
  ASSERT_TRUE(db().users().update(on[3], off).ok());
  on.erase(on.begin() + 3);
  std::sort(on.begin(), on.end());
  std::vector<std::string> seen;
  std::string after;
  for (;;) {
    auto page = db().users().with_daily_report(after, 2);
    ASSERT_TRUE(page.ok()) << page.error().message;
    for (const auto& u : page.value()) seen.push_back(u.id);
    if (page.value().size() < 2) break;
    after = page.value().back().id;
  }
  EXPECT_EQ(seen, on);
}

OV_STORAGE_BACKENDS(JobReports);

}  // namespace
}  // namespace ov::storage::test
