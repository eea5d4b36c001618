// Lifecycle::ensure_annotated against the real databases and queues: the annotated image is
// drawn from the original and the recorded objects when first asked for, then kept; an image
// deleted while it is drawn leaves no file; retention draws a kept one before the original goes;
// readers at once share one drawing.
#include <opencv2/imgcodecs.hpp>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "lifecycle_fixture.hpp"
#include "obs/metrics.hpp"

namespace ov::jobs::test {
namespace {

namespace fs = std::filesystem;

std::string dog_jpeg() {
  std::ifstream in("/usr/share/darknet/data/dog.jpg", std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

cv::Mat decoded(const std::string& bytes) {
  return cv::imdecode(
      cv::Mat(1, static_cast<int>(bytes.size()), CV_8U, const_cast<char*>(bytes.data())),
      cv::IMREAD_COLOR);
}

// The real store, with reads held at a gate until the test opens it, and writes counted.
class GatedStore final : public files::FileStore {
 public:
  explicit GatedStore(files::FileStore& inner) : inner_(inner) {}
  std::string location() const override { return inner_.location(); }
  void open() {
    std::lock_guard lock(mu_);
    open_ = true;
    changed_.notify_all();
  }
  int reads() const { return reads_; }
  int writes() const { return writes_; }

 protected:
  Result<void> put(const std::string& key, std::string_view data) override {
    ++writes_;
    return inner_.write(key, data);
  }
  Result<std::string> get(const std::string& key) const override {
    ++reads_;
    std::unique_lock lock(mu_);
    changed_.wait(lock, [this] { return open_; });
    return inner_.read(key);
  }
  Result<bool> contains(const std::string& key) const override { return inner_.exists(key); }
  Result<void> erase(const std::string& key) override { return inner_.remove(key); }
  Result<void> erase_detection(std::string_view detection_id) override {
    inner_.remove_detection(detection_id);
    return {};
  }

 private:
  files::FileStore& inner_;
  mutable std::mutex mu_;
  mutable std::condition_variable changed_;
  bool open_ = false;
  mutable std::atomic<int> reads_{0};
  std::atomic<int> writes_{0};
};

double joined_drawings() {
  return obs::metrics()
      .counter("objectvision_annotated_images_total", "", {"outcome"})
      .with({"joined"})
      .value();
}

class Annotated : public LifecycleTest {
 protected:
  // A finished one-image job of dog.jpg with one object recorded; `annotate`: asked for.
  JobImage finished_dog(bool annotate = true) {
    auto job = lifecycle_->submit(new_job(1, dog_jpeg()));
    if (!job) throw std::runtime_error(job.error().message);
    RunningJob run = start(job->id);
    ImageWork work = ok_work(annotate);
    work.width = 768;
    work.height = 576;
    work.objects[0].x = 120;
    work.objects[0].y = 220;
    work.objects[0].width = 200;
    work.objects[0].height = 320;
    if (lifecycle_->record_image(run, run.images[0], work).value() != Recorded::saved)
      throw std::runtime_error("not recorded");
    if (!lifecycle_->finish(run).value()) throw std::runtime_error("not finished");
    return db_->jobs().images(job->id)[0];
  }
};

TEST_P(Annotated, IsDrawnWhenFirstAskedForThenKept) {
  const JobImage img = finished_dog();
  ASSERT_TRUE(img.annotated_path);
  ASSERT_FALSE(files_->exists(*img.annotated_path).value()) << "not drawn by the job";

  auto first = lifecycle_->ensure_annotated(img);
  ASSERT_TRUE(first.ok()) << first.error().message;
  ASSERT_TRUE(first->drawn) << "drawn now";
  EXPECT_TRUE(first->stored);
  EXPECT_EQ(files_->read(*img.annotated_path).value(), *first->drawn) << "kept as answered";

  const cv::Mat original = decoded(dog_jpeg()), annotated = decoded(*first->drawn);
  ASSERT_FALSE(annotated.empty()) << "a JPEG";
  EXPECT_EQ(annotated.size(), original.size()) << "full size";
  // The box's edge is drawn (the palette's colour of class 16), the far corner is the photo's.
  cv::Mat diff;
  cv::absdiff(annotated, original, diff);
  const auto edge = diff.at<cv::Vec3b>(220, 220), corner = diff.at<cv::Vec3b>(570, 760);
  EXPECT_GT(edge[0] + edge[1] + edge[2], 150) << "no box drawn where the object is";
  EXPECT_LT(corner[0] + corner[1] + corner[2], 60) << "drawn where there is no object";

  auto again = lifecycle_->ensure_annotated(img);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_FALSE(again->drawn) << "kept: not drawn twice";
}

TEST_P(Annotated, NoneForAnImageThatAskedForNoneOrFailed) {
  const JobImage plain = finished_dog(false);
  EXPECT_FALSE(plain.annotated_path);
  auto none = lifecycle_->ensure_annotated(plain);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, Errc::not_found);

  auto job = lifecycle_->submit(new_job(1));
  RunningJob run = start(job->id);
  ImageWork failed = ok_work(true);
  failed.error = "unreadable";
  ASSERT_EQ(lifecycle_->record_image(run, run.images[0], failed).value(), Recorded::saved);
  const JobImage img = db_->jobs().images(job->id)[0];
  EXPECT_FALSE(img.annotated_path) << "a failed image has no annotated image";
  EXPECT_EQ(lifecycle_->ensure_annotated(img).error().code, Errc::not_found);
}

TEST_P(Annotated, AnImageDeletedWhileItIsDrawnLeavesNoFile) {
  const JobImage img = finished_dog();
  // The job's rows are gone, its files not yet (the window of a delete): the drawing that
  // read the original before writes its file, finds the image gone and removes it.
  ASSERT_TRUE(db_->jobs().remove(img.job_id).value());
  ASSERT_TRUE(fs::exists(job_dir(img.job_id)));
  auto drawn = lifecycle_->ensure_annotated(img);
  ASSERT_FALSE(drawn.ok());
  EXPECT_EQ(drawn.error().code, Errc::not_found);
  EXPECT_FALSE(files_->exists(*img.annotated_path).value()) << "left behind";
}

TEST_P(Annotated, AnImageWhoseOriginalIsGoneCannotBeDrawn) {
  const JobImage img = finished_dog();
  ASSERT_TRUE(files_->remove(img.original_path).ok());
  auto drawn = lifecycle_->ensure_annotated(img);
  ASSERT_FALSE(drawn.ok());
  EXPECT_EQ(drawn.error().code, Errc::not_found);
  EXPECT_NE(drawn.error().message.find("original"), std::string::npos) << drawn.error().message;
}

TEST_P(Annotated, RetentionDrawsAKeptAnnotatedImageBeforeTheOriginalGoes) {
  const JobImage img = finished_dog();
  auto done = lifecycle_->delete_expired_files(now_ms() + 60'000, false);
  ASSERT_TRUE(done.ok()) << done.error().message;
  EXPECT_EQ(done.value(), 1);
  EXPECT_FALSE(files_->exists(img.original_path).value()) << "the original expired";
  auto kept = files_->read(*img.annotated_path);
  ASSERT_TRUE(kept.ok()) << "the annotated image was not drawn before the original went";
  EXPECT_EQ(decoded(*kept).size(), decoded(dog_jpeg()).size());

  // Annotated images expiring too: nothing is drawn, both go.
  const JobImage other = finished_dog();
  ASSERT_EQ(lifecycle_->delete_expired_files(now_ms() + 60'000, true).value(), 2)
      << "the other image, and the first one's annotated file";
  EXPECT_FALSE(files_->exists(*other.annotated_path).value());
  EXPECT_FALSE(files_->exists(*img.annotated_path).value());
}

TEST_P(Annotated, ReadersAtOnceShareOneDrawing) {
  const JobImage img = finished_dog();
  GatedStore gated(*files_);
  Lifecycle lifecycle(*db_, *queue_, gated, *bus_, settings_);
  constexpr int kReaders = 6;
  std::vector<Result<AnnotatedImage>> got(kReaders, Error{Errc::internal, "not run"});
  std::vector<std::thread> readers;
  // The first reader is held while it reads the original; the others arrive meanwhile.
  readers.emplace_back([&] { got[0] = lifecycle.ensure_annotated(img); });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (gated.reads() == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_EQ(gated.reads(), 1) << "the first reader never read the original";
  const double joined_before = joined_drawings();
  for (int i = 1; i < kReaders; ++i) {
    readers.emplace_back([&, i] { got[i] = lifecycle.ensure_annotated(img); });
  }
  while (joined_drawings() < joined_before + kReaders - 1 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  const double joined = joined_drawings() - joined_before;
  gated.open();  // before any assertion: no reader is left waiting
  for (auto& r : readers) r.join();
  EXPECT_EQ(joined, kReaders - 1) << "readers drew it again instead of waiting for the first";
  EXPECT_EQ(gated.reads(), 1) << "the original read once";
  EXPECT_EQ(gated.writes(), 1) << "the annotated image written once";
  for (int i = 0; i < kReaders; ++i) {
    ASSERT_TRUE(got[i].ok()) << i << ": " << got[i].error().message;
    ASSERT_TRUE(got[i]->drawn) << i;
    EXPECT_TRUE(got[i]->stored) << i;
    EXPECT_EQ(*got[i]->drawn, *got[0]->drawn) << i;
  }
  EXPECT_EQ(files_->read(*img.annotated_path).value(), *got[0]->drawn);

  // Once drawn, a reader finds it kept: no drawing to join, nothing drawn.
  auto later = lifecycle.ensure_annotated(img);
  ASSERT_TRUE(later.ok());
  EXPECT_FALSE(later->drawn);
  EXPECT_EQ(gated.writes(), 1);
}

OV_LIFECYCLE_SHAPES(Annotated);

}  // namespace
}  // namespace ov::jobs::test
