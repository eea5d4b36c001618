// JobRepository against both backends: round trips, the queue entry created with the job, state
// transitions under fences, the exactly-once save under concurrency, retention, and what the
// reconciler reads (unfinished jobs, the outbox). What it reports: job_reports_test.cpp.
#include <atomic>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "core/ids.hpp"
#include "jobs_fixture.hpp"

namespace ov::storage::test {
namespace {

class Jobs : public JobsTest {};

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
