// JobRepository against both backends: round trips, the queue entry created with the job,
// history paging and counts, state transitions under fences, the exactly-once save under
// concurrency, and what the reconciler reads (unfinished jobs, the outbox).
#include <atomic>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "backend_fixture.hpp"
#include "core/ids.hpp"

namespace ov::storage::test {
namespace {

class Jobs : public BackendTest {
 protected:
  std::string make_user(const std::string& email) {
    auto u = migrated().users().create(NewUser{email, "hash", "Someone", Role::user});
    if (!u) throw std::runtime_error(u.error().message);
    return u.value().id;
  }

  JobWithImages make_job(const std::string& user_id, int images, std::int64_t created_at_ms = 0,
                         QueueEntry entry = {}) {
    Job d;
    d.user_id = user_id;
    d.name = "batch";
    d.params_json = R"({"confidence":0.25})";
    d.created_at_ms = created_at_ms;
    std::vector<JobImage> imgs;
    for (int i = 0; i < images; ++i) {
      JobImage img;
      img.filename = "img" + std::to_string(i) + ".jpg";
      img.original_path = "/data/" + std::to_string(i) + ".jpg";
      img.content_type = "image/jpeg";
      img.file_size = 1000 + i;
      img.sha256 = "ab" + std::to_string(i);
      imgs.push_back(img);
    }
    auto made = db().jobs().create(d, imgs, entry);
    if (!made) throw std::runtime_error(made.error().message);
    return std::move(made).value();
  }

  // Starts the job (queued|processing -> processing) and returns its new fence.
  std::int64_t start(const std::string& id, std::int64_t now = 1000) {
    auto fence = db().jobs().start(id, now);
    if (!fence || !fence.value()) throw std::runtime_error("start failed");
    return *fence.value();
  }

  static FoundObject result(const std::string& cls, double confidence) {
    FoundObject r;
    r.label = cls;
    r.class_id = cls == "dog" ? 16 : 2;
    r.confidence = confidence;
    r.x = 1.5;
    r.y = 2.5;
    r.width = 30;
    r.height = 40;
    return r;
  }

  ImageOutcome outcome(const std::string& image_id, std::vector<FoundObject> results) {
    ImageOutcome o;
    o.image_id = image_id;
    o.width = 640;
    o.height = 480;
    o.annotated_path = "/data/annotated.jpg";
    o.objects = std::move(results);
    return o;
  }
};

TEST_P(Jobs, CreateFindAndImagesRoundTrip) {
  std::string user = make_user("a@example.com");
  std::int64_t before = now_ms();
  auto made = make_job(user, 2);
  const Job& d = made.job;
  EXPECT_TRUE(is_uuid(d.id));
  EXPECT_EQ(d.status, JobStatus::queued);
  EXPECT_EQ(d.image_count, 2);
  ASSERT_EQ(made.images.size(), 2u);

  auto found = db().jobs().find(d.id);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->user_id, user);
  EXPECT_EQ(found->name, "batch");
  EXPECT_EQ(found->status, JobStatus::queued);
  EXPECT_NE(found->params_json.find("confidence"), std::string::npos);
  EXPECT_GE(found->created_at_ms, before);
  EXPECT_FALSE(found->started_at_ms.has_value());
  EXPECT_EQ(found->image_count, 2);
  EXPECT_EQ(found->processed_count, 0);

  EXPECT_TRUE(db().jobs().find_for_user(d.id, user).has_value());
  std::string other = make_user("b@example.com");
  EXPECT_FALSE(db().jobs().find_for_user(d.id, other).has_value());
  EXPECT_FALSE(db().jobs().find(new_uuid()).has_value());
  EXPECT_FALSE(db().jobs().find("not-a-uuid").has_value());

  auto images = db().jobs().images(d.id);
  ASSERT_EQ(images.size(), 2u);
  EXPECT_EQ(images[0].position, 0);
  EXPECT_EQ(images[1].position, 1);
  EXPECT_EQ(images[1].filename, "img1.jpg");
  EXPECT_EQ(images[1].file_size, 1001);
  EXPECT_EQ(images[1].sha256, "ab1");
  EXPECT_EQ(images[1].content_type, "image/jpeg");
  EXPECT_FALSE(images[1].processed);
  EXPECT_FALSE(images[1].width.has_value());

  auto owned = db().jobs().image(images[1].id);
  ASSERT_TRUE(owned.has_value());
  EXPECT_EQ(owned->user_id, user);
  EXPECT_EQ(owned->image.job_id, d.id);
  EXPECT_EQ(owned->image.original_path, "/data/1.jpg");
  EXPECT_FALSE(db().jobs().image(new_uuid()).has_value());
}

TEST_P(Jobs, CreateIsAllOrNothing) {
  std::string user = make_user("a@example.com");
  Job d;
  d.user_id = user;
  JobImage img;
  img.id = new_uuid();
  img.original_path = "/x";
  // The same image id twice: the second insert fails and the job must not remain.
  auto made = db().jobs().create(d, {img, img}, QueueEntry{});
  ASSERT_FALSE(made.ok());
  EXPECT_EQ(db().jobs().history(user, {}, 10, 0).total, 0);
  EXPECT_FALSE(db().jobs().image(img.id).has_value());
  auto stats = db().queue_table().stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->queued, 0) << "no queue entry without its job";
}

TEST_P(Jobs, TheQueueEntryIsCreatedWithTheJob) {
  std::string user = make_user("a@example.com");
  auto table = make_job(user, 1);
  auto states = db().queue_table().states({table.job.id});
  ASSERT_TRUE(states.ok()) << states.error().message;
  EXPECT_EQ(states->at(0).kind, QueueState::Kind::waiting);

  QueueEntry outbox;
  outbox.kind = QueueEntry::Kind::outbox;
  auto published_later = make_job(user, 1, 0, outbox);
  EXPECT_EQ(db().queue_table().states({published_later.job.id})->at(0).kind,
            QueueState::Kind::absent);
  auto pending = db().jobs().outbox(now_ms() + 1, 10);
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ(pending->front(), published_later.job.id);
  EXPECT_TRUE(db().jobs().outbox(0, 10)->empty()) << "rows younger than the cut-off wait";
  ASSERT_TRUE(db().jobs().outbox_done(published_later.job.id).ok());
  EXPECT_TRUE(db().jobs().outbox(now_ms() + 1, 10)->empty());
}

TEST_P(Jobs, AFullTableQueueRefusesTheJobAndKeepsNothing) {
  std::string user = make_user("a@example.com");
  QueueEntry entry;
  entry.max_depth = 1;
  make_job(user, 1, 0, entry);
  try {
    make_job(user, 1, 0, entry);
    FAIL() << "a second job fits a queue of depth 1";
  } catch (const std::runtime_error&) {
  }
  EXPECT_EQ(db().jobs().history(user, {}, 10, 0).total, 1);
}

TEST_P(Jobs, SaveObjectsAndReadThemInOrder) {
  std::string user = make_user("a@example.com");
  auto made = make_job(user, 2);
  std::int64_t fence = start(made.job.id);
  const auto& imgs = made.images;
  auto second =
      db().jobs().save_image(outcome(imgs[1].id, {result("car", 0.5), result("dog", 0.9)}), fence);
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_EQ(second.value(), Saved::saved);
  auto first =
      db().jobs().save_image(outcome(imgs[0].id, {result("dog", 0.3), result("dog", 0.8)}), fence);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first.value(), Saved::saved);

  auto objects = db().jobs().objects(made.job.id);
  ASSERT_EQ(objects.size(), 4u);
  EXPECT_EQ(objects[0].image_id, imgs[0].id);
  EXPECT_DOUBLE_EQ(objects[0].confidence, 0.8);
  EXPECT_DOUBLE_EQ(objects[1].confidence, 0.3);
  EXPECT_EQ(objects[2].image_id, imgs[1].id);
  EXPECT_EQ(objects[2].label, "dog");
  EXPECT_EQ(objects[2].class_id, 16);
  EXPECT_DOUBLE_EQ(objects[2].x, 1.5);
  EXPECT_DOUBLE_EQ(objects[2].height, 40);
  EXPECT_EQ(objects[3].label, "car");

  // One image's own, in the same order, none of the other image's.
  auto second_only = db().jobs().image_objects(imgs[1].id);
  ASSERT_EQ(second_only.size(), 2u);
  EXPECT_EQ(second_only[0].label, "dog");
  EXPECT_DOUBLE_EQ(second_only[0].confidence, 0.9);
  EXPECT_EQ(second_only[1].label, "car");
  for (const auto& o : second_only) EXPECT_EQ(o.image_id, imgs[1].id);
  EXPECT_EQ(db().jobs().image_objects(imgs[0].id).size(), 2u);
  EXPECT_TRUE(db().jobs().image_objects("not-an-id").empty());
  EXPECT_TRUE(db().jobs().image_objects("00000000-0000-4000-8000-000000000000").empty());

  auto images = db().jobs().images(made.job.id);
  EXPECT_TRUE(images[0].processed);
  EXPECT_EQ(images[0].width, 640);
  EXPECT_EQ(images[0].height, 480);
  EXPECT_EQ(images[0].annotated_path, "/data/annotated.jpg");
  EXPECT_EQ(db().jobs().find(made.job.id)->processed_count, 2);
}

TEST_P(Jobs, SaveTwiceIsADuplicate) {
  std::string user = make_user("a@example.com");
  auto made = make_job(user, 1);
  std::int64_t fence = start(made.job.id);
  auto o = outcome(made.images[0].id, {result("dog", 0.9)});
  EXPECT_EQ(db().jobs().save_image(o, fence).value(), Saved::saved);
  EXPECT_EQ(db().jobs().save_image(o, fence).value(), Saved::duplicate);
  EXPECT_EQ(db().jobs().objects(made.job.id).size(), 1u);
  EXPECT_EQ(db().jobs().find(made.job.id)->processed_count, 1);
  EXPECT_EQ(db().jobs().save_image(outcome(new_uuid(), {}), fence).value(), Saved::stale);
}

// A worker that lost its job (another one started it: a new fence) writes nothing any more;
// nor does anyone into a job that is not processing (queued, cancelled, failed).
TEST_P(Jobs, WritesNeedTheCurrentFenceOfAProcessingJob) {
  std::string user = make_user("a@example.com");
  auto made = make_job(user, 2);
  auto o = outcome(made.images[0].id, {result("dog", 0.9)});
  EXPECT_EQ(db().jobs().save_image(o, 0).value(), Saved::stale) << "a queued job";
  std::int64_t old_fence = start(made.job.id);
  std::int64_t new_fence = start(made.job.id, 2000);
  EXPECT_GT(new_fence, old_fence);
  EXPECT_EQ(db().jobs().save_image(o, old_fence).value(), Saved::stale);
  EXPECT_FALSE(
      db().jobs().finish(made.job.id, old_fence, JobStatus::completed, std::nullopt, 3000).value());
  EXPECT_EQ(db().jobs().save_image(o, new_fence).value(), Saved::saved);
  EXPECT_EQ(db().jobs().find(made.job.id)->started_at_ms, 1000) << "the first start is kept";
  ASSERT_EQ(db().jobs().cancel(made.job.id, 4000).value(), JobStatus::processing);
  auto later = outcome(made.images[1].id, {result("car", 0.5)});
  EXPECT_EQ(db().jobs().save_image(later, new_fence).value(), Saved::stale) << "cancelled";
  EXPECT_EQ(db().jobs().find(made.job.id)->processed_count, 1) << "the image done is kept";
  EXPECT_FALSE(db().jobs().start(made.job.id, 5000).value().has_value());
}

TEST_P(Jobs, ConcurrentSavesOfOneImageWriteOneSetOfObjects) {
  std::string user = make_user("a@example.com");
  constexpr int kRounds = 5;
  for (int round = 0; round < kRounds; ++round) {
    auto made = make_job(user, 1);
    std::int64_t fence = start(made.job.id);
    std::vector<FoundObject> many;
    for (int i = 0; i < 40; ++i) many.push_back(result(i % 2 ? "dog" : "car", 0.5));
    auto o = outcome(made.images[0].id, many);
    auto other = open_another(2);  // as another process would
    std::atomic<int> won{0};
    std::atomic<int> errors{0};
    auto save = [&](Database& handle) {
      auto r = handle.jobs().save_image(o, fence);
      if (!r)
        ++errors;
      else if (r.value() == Saved::saved)
        ++won;
    };
    std::thread a([&] { save(db()); });
    std::thread b([&] { save(*other); });
    a.join();
    b.join();
    EXPECT_EQ(errors.load(), 0);
    EXPECT_EQ(won.load(), 1);
    EXPECT_EQ(db().jobs().objects(made.job.id).size(), 40u);
    EXPECT_EQ(db().jobs().find(made.job.id)->processed_count, 1);
    (void)db().jobs().fail(made.job.id, "done with it", now_ms());  // not in flight any more
  }
}

TEST_P(Jobs, HistoryPagesNewestFirstWithCounts) {
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

TEST_P(Jobs, RecentFailuresListEveryUsersFailedJobsLatestFirst) {
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

TEST_P(Jobs, StatsCountPerStatusClassAndUtcDayInTheRange) {
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

TEST_P(Jobs, LifecycleTransitions) {
  std::string user = make_user("a@example.com");
  auto d = make_job(user, 1).job;
  EXPECT_EQ(db().jobs().in_flight_for_user(user), 1);
  std::int64_t fence = start(d.id, 1000);
  auto processing = db().jobs().find(d.id);
  EXPECT_EQ(processing->status, JobStatus::processing);
  EXPECT_EQ(processing->started_at_ms, 1000);
  EXPECT_EQ(db().jobs().in_flight_for_user(user), 1);

  auto bad = db().jobs().finish(d.id, fence, JobStatus::cancelled, std::nullopt, 3000);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Errc::invalid_argument);
  ASSERT_TRUE(db().jobs().finish(d.id, fence, JobStatus::failed, "boom", 3000).value());
  auto failed = db().jobs().find(d.id);
  EXPECT_EQ(failed->status, JobStatus::failed);
  EXPECT_EQ(failed->error, "boom");
  EXPECT_EQ(failed->finished_at_ms, 3000);
  EXPECT_EQ(db().jobs().in_flight_for_user(user), 0);
  // Finished: no second finish or fail, no start, cancel reports the final status untouched.
  EXPECT_FALSE(db().jobs().finish(d.id, fence, JobStatus::completed, std::nullopt, 4000).value());
  EXPECT_FALSE(db().jobs().fail(d.id, "again", 4000).value());
  EXPECT_FALSE(db().jobs().start(d.id, 4000).value().has_value());
  auto cancel_final = db().jobs().cancel(d.id, 5000);
  ASSERT_TRUE(cancel_final.ok());
  EXPECT_EQ(cancel_final.value(), JobStatus::failed);
  EXPECT_EQ(db().jobs().find(d.id)->status, JobStatus::failed);

  // fail() takes a queued job too, whoever holds it.
  auto queued = make_job(user, 1).job;
  EXPECT_TRUE(db().jobs().fail(queued.id, "timed out", 6000).value());
  EXPECT_EQ(db().jobs().find(queued.id)->error, "timed out");
}

TEST_P(Jobs, CancelStopsProcessingAndRemoveCascades) {
  std::string user = make_user("a@example.com");
  auto made = make_job(user, 2);
  const auto& d = made.job;
  std::int64_t fence = start(d.id);
  ASSERT_EQ(db().jobs().save_image(outcome(made.images[0].id, {result("dog", 0.9)}), fence).value(),
            Saved::saved);
  auto old = db().jobs().cancel(d.id, 7000);
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(old.value(), JobStatus::processing);
  auto cancelled = db().jobs().find(d.id);
  EXPECT_EQ(cancelled->status, JobStatus::cancelled);
  EXPECT_EQ(cancelled->finished_at_ms, 7000);
  EXPECT_FALSE(db().jobs().start(d.id, 8000).value().has_value());
  EXPECT_FALSE(db().jobs().finish(d.id, fence, JobStatus::completed, std::nullopt, 8000).value());
  EXPECT_EQ(db().jobs().cancel(d.id, 9000).value(), JobStatus::cancelled);
  auto missing = db().jobs().cancel(new_uuid(), 9000);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Errc::not_found);

  EXPECT_TRUE(db().jobs().remove(d.id).value());
  EXPECT_FALSE(db().jobs().remove(d.id).value());
  EXPECT_FALSE(db().jobs().find(d.id).has_value());
  EXPECT_FALSE(db().jobs().image(made.images[0].id).has_value());
  EXPECT_TRUE(db().jobs().objects(d.id).empty());
  auto conn = raw();
  for (const char* table : {"detection_images", "detection_results", "job_queue", "job_outbox"}) {
    auto rows = conn->query(std::string("SELECT count(*) FROM ") + table, {});
    ASSERT_TRUE(rows.ok()) << rows.error().message;
    EXPECT_EQ(rows.value().rows[0].integer(0), 0) << table;
  }
}

TEST_P(Jobs, RetentionFindsTheFilesOfJobsEndedBeforeTheCutOffOnly) {
  std::string user = make_user("a@example.com");
  // Ended at 5000 with an annotated image, ended at 9000, still processing, still queued.
  auto old_done = make_job(user, 2);
  std::int64_t fence = start(old_done.job.id, 1000);
  ASSERT_EQ(db().jobs().save_image(outcome(old_done.images[0].id, {}), fence).value(),
            Saved::saved);
  ASSERT_TRUE(
      db().jobs().finish(old_done.job.id, fence, JobStatus::completed, std::nullopt, 5000).value());
  auto recent = make_job(user, 1);
  ASSERT_TRUE(db().jobs().fail(recent.job.id, "boom", 9000).value());
  auto running = make_job(user, 1);
  start(running.job.id, 1000);
  make_job(user, 1);

  auto originals = db().jobs().expired_images(6000, false, 100);
  ASSERT_TRUE(originals.ok()) << originals.error().message;
  ASSERT_EQ(originals.value().size(), 2u) << "the two images of the job ended at 5000 only";
  EXPECT_EQ(originals.value()[0].image_id, old_done.images[0].id) << "by position";
  EXPECT_EQ(originals.value()[0].original, old_done.images[0].original_path);
  EXPECT_EQ(originals.value()[0].annotated, "/data/annotated.jpg")
      << "given while kept, though annotated images do not expire (drawn before the original goes)";
  EXPECT_FALSE(originals.value()[1].annotated) << "the second image has none";

  auto both = db().jobs().expired_images(10'000, true, 100).value();
  ASSERT_EQ(both.size(), 3u) << "not the processing or the queued job's";
  EXPECT_EQ(both[0].annotated, "/data/annotated.jpg");
  EXPECT_FALSE(both[1].annotated) << "the second image has none";
  EXPECT_EQ(both[2].image_id, recent.images[0].id) << "the oldest end first";
  EXPECT_EQ(db().jobs().expired_images(10'000, true, 1).value().size(), 1u) << "the limit";

  // Originals recorded deleted: gone from the originals' list, the annotated one still due.
  ASSERT_TRUE(db().jobs().mark_files_deleted(old_done.images[0].id, false, 7000).ok());
  auto img = db().jobs().image(old_done.images[0].id);
  ASSERT_TRUE(img);
  EXPECT_EQ(img->image.original_deleted_at_ms, 7000);
  EXPECT_FALSE(img->image.annotated_deleted_at_ms);
  EXPECT_EQ(db().jobs().expired_images(6000, false, 100).value().size(), 1u);
  auto annotated_left = db().jobs().expired_images(6000, true, 100).value();
  ASSERT_EQ(annotated_left.size(), 2u);
  EXPECT_FALSE(annotated_left[0].original) << "deleted already: nothing to delete again";
  EXPECT_EQ(annotated_left[0].annotated, "/data/annotated.jpg");

  ASSERT_TRUE(db().jobs().mark_files_deleted(old_done.images[0].id, true, 8000).ok());
  ASSERT_TRUE(db().jobs().mark_files_deleted(old_done.images[1].id, true, 8000).ok());
  img = db().jobs().image(old_done.images[0].id);
  EXPECT_EQ(img->image.original_deleted_at_ms, 7000) << "the first deletion's time stays";
  EXPECT_EQ(img->image.annotated_deleted_at_ms, 8000);
  EXPECT_FALSE(db().jobs().image(old_done.images[1].id)->image.annotated_deleted_at_ms)
      << "no annotated image: nothing recorded deleted";
  EXPECT_TRUE(db().jobs().expired_images(6000, true, 100).value().empty());
  auto listed = db().jobs().images(old_done.job.id);
  EXPECT_EQ(listed[1].original_deleted_at_ms, 8000) << "images() reads the same columns";
}

TEST_P(Jobs, PeriodFiguresCountTheJobsCreatedInTheRangeAndTheirObjects) {
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

TEST_P(Jobs, UsersWithTheDailyReportOnArePagedById) {
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

TEST_P(Jobs, UnfinishedJobsOldestFirst) {
  std::string user = make_user("a@example.com");
  auto a = make_job(user, 1, now_ms() - 60'000).job;
  auto b = make_job(user, 1, now_ms() - 30'000).job;
  auto done = make_job(user, 1, now_ms() - 90'000).job;
  ASSERT_TRUE(db().jobs().fail(done.id, "gone", now_ms() - 80'000).value());
  auto fresh = make_job(user, 1).job;
  auto list = db().jobs().unfinished(now_ms() - 10'000, 10);
  ASSERT_TRUE(list.ok()) << list.error().message;
  ASSERT_EQ(list->size(), 2u) << "final jobs and recently updated ones are left out";
  EXPECT_EQ(list->at(0).id, a.id);
  EXPECT_EQ(list->at(0).status, JobStatus::queued);
  EXPECT_EQ(list->at(1).id, b.id);
  EXPECT_EQ(db().jobs().unfinished(now_ms() + 1, 1)->size(), 1u) << "the limit holds";
  (void)fresh;
}

OV_STORAGE_BACKENDS(Jobs);

}  // namespace
}  // namespace ov::storage::test
