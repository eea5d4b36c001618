// jobs::Lifecycle against the real databases and queues: the story of a job, its events, the
// fence that stops a worker that lost its job, and what reconcile() repairs.
#include <filesystem>
#include <thread>

#include "lifecycle_fixture.hpp"

namespace ov::jobs::test {
namespace {

namespace fs = std::filesystem;

class Lifecycle : public LifecycleTest {};

TEST_P(Lifecycle, SubmitStoresFilesTheJobAndItsQueueEntry) {
  Job job = submit(2);
  EXPECT_EQ(job.status, JobStatus::queued);
  EXPECT_EQ(job.image_count, 2);
  auto images = db_->jobs().images(job.id);
  ASSERT_EQ(images.size(), 2u);
  for (const auto& img : images) {
    auto bytes = files_->read(img.original_path);
    ASSERT_TRUE(bytes.ok());
    EXPECT_EQ(bytes.value(), "not really an image");
  }
  auto states = queue_->states({job.id});
  ASSERT_TRUE(states.ok()) << states.error().message;
  EXPECT_EQ(states->at(0).kind, storage::QueueState::Kind::waiting);
  auto events = events_of(job.id, 1);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events[0].kind, JobEventKind::queued);
  EXPECT_EQ(events[0].total, 2);
  if (scaled()) {
    EXPECT_TRUE(db_->jobs().outbox(now_ms() + 1, 10)->empty()) << "published";
  }
}

TEST_P(Lifecycle, OverTheInFlightLimitNothingIsStored) {
  settings_.max_in_flight_per_user = 1;
  make_lifecycle();
  submit(1);
  auto refused = lifecycle_->submit(new_job(1));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, Errc::rate_limited);
  EXPECT_EQ(db_->jobs().history(user_id_, {}, 10, 0).total, 1);
}

TEST_P(Lifecycle, AJobRunsToCompletedWithItsEvents) {
  Job job = submit(2);
  ASSERT_EQ(claim().job_id, job.id);
  RunningJob run = start(job.id);
  EXPECT_EQ(run.images.size(), 2u);
  for (const auto& img : std::vector<JobImage>(run.images)) {
    auto recorded = lifecycle_->record_image(run, img, ok_work(true));
    ASSERT_TRUE(recorded.ok()) << recorded.error().message;
    EXPECT_EQ(recorded.value(), Recorded::saved);
  }
  ASSERT_TRUE(lifecycle_->finish(run).value());
  auto done = db_->jobs().find(job.id);
  EXPECT_EQ(done->status, JobStatus::completed);
  EXPECT_EQ(done->processed_count, 2);
  EXPECT_EQ(db_->jobs().objects(job.id).size(), 2u);
  auto img = db_->jobs().images(job.id)[0];
  ASSERT_TRUE(img.annotated_path.has_value());
  EXPECT_EQ(*img.annotated_path, job.id + "/" + img.id + ".annotated.jpg");
  EXPECT_FALSE(files_->exists(*img.annotated_path).value()) << "drawn when first asked for";
  auto events = events_of(job.id, 5);
  ASSERT_EQ(events.size(), 5u);
  EXPECT_EQ(events[1].kind, JobEventKind::started);
  EXPECT_EQ(events[2].kind, JobEventKind::progress);
  EXPECT_EQ(events[2].done, 1);
  EXPECT_EQ(events[3].done, 2);
  EXPECT_EQ(events[4].kind, JobEventKind::completed);
  EXPECT_TRUE(events[4].final());
}

TEST_P(Lifecycle, AJobWhoseImagesAllFailedIsFailed) {
  Job job = submit(2);
  RunningJob run = start(job.id);
  for (const auto& img : std::vector<JobImage>(run.images)) {
    ImageWork broken;
    broken.error = "cannot decode " + img.filename;
    ASSERT_EQ(lifecycle_->record_image(run, img, broken).value(), Recorded::saved);
  }
  ASSERT_TRUE(lifecycle_->finish(run).value());
  auto failed = db_->jobs().find(job.id);
  EXPECT_EQ(failed->status, JobStatus::failed);
  EXPECT_EQ(failed->error, "cannot decode img0.jpg");
  EXPECT_EQ(events_of(job.id, 5).back().kind, JobEventKind::failed);
}

TEST_P(Lifecycle, AWorkerWhoseJobWasStartedAgainIsStale) {
  Job job = submit(2);
  RunningJob first = start(job.id);
  RunningJob second = start(job.id);  // another worker took it over
  EXPECT_GT(second.fence, first.fence);
  const JobImage img = first.images[0];
  EXPECT_EQ(lifecycle_->record_image(first, img, ok_work()).value(), Recorded::stale);
  EXPECT_EQ(lifecycle_->record_image(second, img, ok_work()).value(), Recorded::saved);
  EXPECT_EQ(lifecycle_->record_image(second, img, ok_work()).value(), Recorded::duplicate);
  EXPECT_FALSE(lifecycle_->finish(first).value());
  EXPECT_EQ(db_->jobs().objects(job.id).size(), 1u);
}

TEST_P(Lifecycle, CancelStopsTheRunningWorkerAndKeepsWhatIsDone) {
  Job job = submit(2);
  RunningJob run = start(job.id);
  const JobImage first = run.images[0];
  const JobImage second = run.images[1];
  ASSERT_EQ(lifecycle_->record_image(run, first, ok_work()).value(), Recorded::saved);
  auto before = lifecycle_->cancel(*db_->jobs().find(job.id));
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(before.value(), JobStatus::processing);
  EXPECT_EQ(lifecycle_->record_image(run, second, ok_work()).value(), Recorded::stale);
  auto cancelled = db_->jobs().find(job.id);
  EXPECT_EQ(cancelled->status, JobStatus::cancelled);
  EXPECT_EQ(cancelled->processed_count, 1);
  EXPECT_EQ(queue_->states({job.id})->at(0).kind, storage::QueueState::Kind::absent);
  EXPECT_EQ(events_of(job.id, 4).back().kind, JobEventKind::cancelled);
  auto again = lifecycle_->start(job.id);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again.value().has_value()) << "a cancelled job does not start";
}

TEST_P(Lifecycle, ADeletedJobLeavesNoFileEvenWhenAWorkerRecordsAfter) {
  Job job = submit(1);
  RunningJob run = start(job.id);
  ASSERT_TRUE(lifecycle_->cancel(*db_->jobs().find(job.id)).ok());
  ASSERT_TRUE(lifecycle_->remove(*db_->jobs().find(job.id)).ok());
  EXPECT_FALSE(fs::exists(job_dir(job.id)));
  // The worker was still running: it learns the job is gone and writes nothing.
  const JobImage img = run.images[0];
  EXPECT_EQ(lifecycle_->record_image(run, img, ok_work(true)).value(), Recorded::stale);
  EXPECT_FALSE(fs::exists(job_dir(job.id)));
}

TEST_P(Lifecycle, FailIsFinalAndPublished) {
  Job job = submit(1);
  ASSERT_TRUE(lifecycle_->fail(job.id, "Processing failed repeatedly").value());
  EXPECT_FALSE(lifecycle_->fail(job.id, "again").value());
  auto failed = db_->jobs().find(job.id);
  EXPECT_EQ(failed->status, JobStatus::failed);
  EXPECT_EQ(failed->error, "Processing failed repeatedly");
  EXPECT_EQ(queue_->states({job.id})->at(0).kind, storage::QueueState::Kind::absent);
  auto last = events_of(job.id, 2).back();
  EXPECT_EQ(last.kind, JobEventKind::failed);
  EXPECT_EQ(last.error, "Processing failed repeatedly");
}

// The queue lost its entries (Redis flushed or restarted without persistence, an entry
// deleted): reconcile() puts every unfinished job back, and they run.
TEST_P(Lifecycle, ReconcileQueuesAgainWhatTheQueueLost) {
  Job queued = submit(1);
  Job running = submit(1);
  ASSERT_EQ(claim().job_id, queued.id);
  auto run = start(queued.id);
  ASSERT_TRUE(queue_->remove(queued.id).value());
  ASSERT_TRUE(queue_->remove(running.id).value());
  auto report = lifecycle_->reconcile();
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->requeued, 2);
  auto states = queue_->states({queued.id, running.id});
  EXPECT_EQ(states->at(0).kind, storage::QueueState::Kind::waiting);
  EXPECT_EQ(states->at(1).kind, storage::QueueState::Kind::waiting);
  auto again = lifecycle_->reconcile();
  EXPECT_EQ(again->requeued, 0) << "what the queue holds is left alone";
}

TEST_P(Lifecycle, ReconcilePublishesTheOutboxACrashLeft) {
  if (!scaled()) GTEST_SKIP() << "the outbox is the scaled shape's";
  Job job;
  job.user_id = user_id_;
  storage::QueueEntry outbox;
  outbox.kind = storage::QueueEntry::Kind::outbox;
  auto made = db_->jobs().create(job, {}, outbox);  // committed, never published
  ASSERT_TRUE(made.ok());
  const std::string id = made->job.id;
  EXPECT_EQ(queue_->states({id})->at(0).kind, storage::QueueState::Kind::absent);
  auto report = lifecycle_->reconcile();
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->published, 1);
  EXPECT_EQ(queue_->states({id})->at(0).kind, storage::QueueState::Kind::waiting);
  EXPECT_TRUE(db_->jobs().outbox(now_ms() + 1, 10)->empty());
}

TEST_P(Lifecycle, ReconcileFailsJobsDeadInTheQueue) {
  Job job = submit(1);
  for (int attempt = 1; attempt <= 2; ++attempt) {  // max_attempts = 2
    auto claimed = claim();
    auto dead = queue_->fail(claimed, "boom " + std::to_string(attempt));
    ASSERT_TRUE(dead.ok());
    if (attempt == 2) {
      EXPECT_TRUE(dead.value());
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the retry's backoff
    }
  }
  auto report = lifecycle_->reconcile();
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->dead, 1);
  auto failed = db_->jobs().find(job.id);
  EXPECT_EQ(failed->status, JobStatus::failed);
  EXPECT_EQ(failed->error, "boom 2");
}

TEST_P(Lifecycle, ReconcileFailsJobsPastTheirDeadline) {
  settings_.timeout = std::chrono::seconds(0);
  make_lifecycle();
  Job job = submit(1);
  start(job.id);
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  auto report = lifecycle_->reconcile();
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->timed_out, 1);
  auto failed = db_->jobs().find(job.id);
  EXPECT_EQ(failed->status, JobStatus::failed);
  EXPECT_EQ(failed->error, "Job timed out");
}

OV_LIFECYCLE_SHAPES(Lifecycle);

}  // namespace
}  // namespace ov::jobs::test
