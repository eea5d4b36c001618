// DetectionRepository against both backends: round trips, history paging and counts,
// state transitions, and the exactly-once save under concurrency.
#include <atomic>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "backend_fixture.hpp"
#include "core/ids.hpp"

namespace ov::storage::test {
namespace {

class Detections : public BackendTest {
 protected:
  std::string make_user(const std::string& email) {
    auto u = migrated().users().create(NewUser{email, "hash", "Someone", Role::user});
    if (!u) throw std::runtime_error(u.error().message);
    return u.value().id;
  }

  DetectionWithImages make_detection(const std::string& user_id, int images,
                                     std::int64_t created_at_ms = 0) {
    Detection d;
    d.user_id = user_id;
    d.name = "batch";
    d.params_json = R"({"confidence":0.25})";
    d.created_at_ms = created_at_ms;
    std::vector<DetectionImage> imgs;
    for (int i = 0; i < images; ++i) {
      DetectionImage img;
      img.filename = "img" + std::to_string(i) + ".jpg";
      img.original_path = "/data/" + std::to_string(i) + ".jpg";
      img.content_type = "image/jpeg";
      img.file_size = 1000 + i;
      img.sha256 = "ab" + std::to_string(i);
      imgs.push_back(img);
    }
    auto made = db().detections().create(d, imgs);
    if (!made) throw std::runtime_error(made.error().message);
    return std::move(made).value();
  }

  static DetectionResult result(const std::string& cls, double confidence) {
    DetectionResult r;
    r.object_class = cls;
    r.class_id = cls == "dog" ? 16 : 2;
    r.confidence = confidence;
    r.bbox_x = 1.5;
    r.bbox_y = 2.5;
    r.bbox_width = 30;
    r.bbox_height = 40;
    return r;
  }

  ImageOutcome outcome(const std::string& image_id, std::vector<DetectionResult> results) {
    ImageOutcome o;
    o.image_id = image_id;
    o.width = 640;
    o.height = 480;
    o.annotated_path = "/data/annotated.jpg";
    o.results = std::move(results);
    return o;
  }
};

TEST_P(Detections, CreateFindAndImagesRoundTrip) {
  std::string user = make_user("a@example.com");
  std::int64_t before = now_ms();
  auto made = make_detection(user, 2);
  const Detection& d = made.detection;
  EXPECT_TRUE(is_uuid(d.id));
  EXPECT_EQ(d.status, DetectionStatus::queued);
  EXPECT_EQ(d.image_count, 2);
  ASSERT_EQ(made.images.size(), 2u);

  auto found = db().detections().find(d.id);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->user_id, user);
  EXPECT_EQ(found->name, "batch");
  EXPECT_EQ(found->status, DetectionStatus::queued);
  EXPECT_NE(found->params_json.find("confidence"), std::string::npos);
  EXPECT_GE(found->created_at_ms, before);
  EXPECT_FALSE(found->started_at_ms.has_value());
  EXPECT_EQ(found->image_count, 2);
  EXPECT_EQ(found->processed_count, 0);

  EXPECT_TRUE(db().detections().find_for_user(d.id, user).has_value());
  std::string other = make_user("b@example.com");
  EXPECT_FALSE(db().detections().find_for_user(d.id, other).has_value());
  EXPECT_FALSE(db().detections().find(new_uuid()).has_value());
  EXPECT_FALSE(db().detections().find("not-a-uuid").has_value());

  auto images = db().detections().images(d.id);
  ASSERT_EQ(images.size(), 2u);
  EXPECT_EQ(images[0].position, 0);
  EXPECT_EQ(images[1].position, 1);
  EXPECT_EQ(images[1].filename, "img1.jpg");
  EXPECT_EQ(images[1].file_size, 1001);
  EXPECT_EQ(images[1].sha256, "ab1");
  EXPECT_EQ(images[1].content_type, "image/jpeg");
  EXPECT_FALSE(images[1].processed);
  EXPECT_FALSE(images[1].width.has_value());

  auto owned = db().detections().image(images[1].id);
  ASSERT_TRUE(owned.has_value());
  EXPECT_EQ(owned->user_id, user);
  EXPECT_EQ(owned->image.detection_id, d.id);
  EXPECT_EQ(owned->image.original_path, "/data/1.jpg");
  EXPECT_FALSE(db().detections().image(new_uuid()).has_value());
}

TEST_P(Detections, CreateIsAllOrNothing) {
  std::string user = make_user("a@example.com");
  Detection d;
  d.user_id = user;
  DetectionImage img;
  img.id = new_uuid();
  img.original_path = "/x";
  // The same image id twice: the second insert fails and the detection must not remain.
  auto made = db().detections().create(d, {img, img});
  ASSERT_FALSE(made.ok());
  EXPECT_EQ(db().detections().history(user, std::nullopt, 10, 0).total, 0);
  EXPECT_FALSE(db().detections().image(img.id).has_value());
}

TEST_P(Detections, SaveResultsAndReadThemInOrder) {
  std::string user = make_user("a@example.com");
  auto made = make_detection(user, 2);
  const auto& imgs = made.images;
  auto second = db().detections().save_image_result(
      outcome(imgs[1].id, {result("car", 0.5), result("dog", 0.9)}));
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_TRUE(second.value());
  auto first = db().detections().save_image_result(
      outcome(imgs[0].id, {result("dog", 0.3), result("dog", 0.8)}));
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(first.value());

  auto results = db().detections().results(made.detection.id);
  ASSERT_EQ(results.size(), 4u);
  EXPECT_EQ(results[0].image_id, imgs[0].id);
  EXPECT_DOUBLE_EQ(results[0].confidence, 0.8);
  EXPECT_DOUBLE_EQ(results[1].confidence, 0.3);
  EXPECT_EQ(results[2].image_id, imgs[1].id);
  EXPECT_EQ(results[2].object_class, "dog");
  EXPECT_EQ(results[2].class_id, 16);
  EXPECT_DOUBLE_EQ(results[2].bbox_x, 1.5);
  EXPECT_DOUBLE_EQ(results[2].bbox_height, 40);
  EXPECT_EQ(results[3].object_class, "car");

  auto images = db().detections().images(made.detection.id);
  EXPECT_TRUE(images[0].processed);
  EXPECT_EQ(images[0].width, 640);
  EXPECT_EQ(images[0].height, 480);
  EXPECT_EQ(images[0].annotated_path, "/data/annotated.jpg");
  EXPECT_EQ(db().detections().find(made.detection.id)->processed_count, 2);
}

TEST_P(Detections, SaveTwiceIsANoOp) {
  std::string user = make_user("a@example.com");
  auto made = make_detection(user, 1);
  auto o = outcome(made.images[0].id, {result("dog", 0.9)});
  EXPECT_TRUE(db().detections().save_image_result(o).value());
  EXPECT_FALSE(db().detections().save_image_result(o).value());
  EXPECT_EQ(db().detections().results(made.detection.id).size(), 1u);
  EXPECT_EQ(db().detections().find(made.detection.id)->processed_count, 1);
  EXPECT_FALSE(db().detections().save_image_result(outcome(new_uuid(), {})).value());
}

TEST_P(Detections, ConcurrentSavesOfOneImageWriteOneSetOfResults) {
  std::string user = make_user("a@example.com");
  constexpr int kRounds = 5;
  for (int round = 0; round < kRounds; ++round) {
    auto made = make_detection(user, 1);
    std::vector<DetectionResult> many;
    for (int i = 0; i < 40; ++i) many.push_back(result(i % 2 ? "dog" : "car", 0.5));
    auto o = outcome(made.images[0].id, many);
    auto other = open_another(2);  // as another process would
    std::atomic<int> won{0};
    std::atomic<int> errors{0};
    auto save = [&](Database& handle) {
      auto r = handle.detections().save_image_result(o);
      if (!r)
        ++errors;
      else if (r.value())
        ++won;
    };
    std::thread a([&] { save(db()); });
    std::thread b([&] { save(*other); });
    a.join();
    b.join();
    EXPECT_EQ(errors.load(), 0);
    EXPECT_EQ(won.load(), 1);
    EXPECT_EQ(db().detections().results(made.detection.id).size(), 40u);
    EXPECT_EQ(db().detections().find(made.detection.id)->processed_count, 1);
  }
}

TEST_P(Detections, HistoryPagesNewestFirstWithCounts) {
  std::string user = make_user("a@example.com");
  std::string other = make_user("b@example.com");
  std::vector<std::string> ids;
  std::int64_t t0 = now_ms();
  for (int i = 0; i < 5; ++i) ids.push_back(make_detection(user, 1, t0 + i).detection.id);
  // Two with the same created_at: the id breaks the tie, descending.
  std::string tie_a = make_detection(user, 1, t0 + 10).detection.id;
  std::string tie_b = make_detection(user, 1, t0 + 10).detection.id;
  make_detection(other, 1, t0 + 20);
  auto newest = db().detections().images(ids[4]);
  ASSERT_TRUE(db().detections()
                  .save_image_result(outcome(
                      newest[0].id, {result("dog", 0.9), result("dog", 0.7), result("car", 0.6)}))
                  .value());
  ASSERT_TRUE(
      db().detections().finish(ids[4], DetectionStatus::completed, std::nullopt, now_ms()).value());

  auto page = db().detections().history(user, std::nullopt, 3, 0);
  EXPECT_EQ(page.total, 7);
  ASSERT_EQ(page.items.size(), 3u);
  EXPECT_EQ(page.items[0].detection.id, std::max(tie_a, tie_b));
  EXPECT_EQ(page.items[1].detection.id, std::min(tie_a, tie_b));
  EXPECT_EQ(page.items[2].detection.id, ids[4]);
  EXPECT_EQ(page.items[2].object_count, 3);
  EXPECT_EQ(page.items[2].counts.at("dog"), 2);
  EXPECT_EQ(page.items[2].counts.at("car"), 1);
  EXPECT_EQ(page.items[0].object_count, 0);
  EXPECT_TRUE(page.items[0].counts.empty());

  auto rest = db().detections().history(user, std::nullopt, 10, 3);
  EXPECT_EQ(rest.total, 7);
  ASSERT_EQ(rest.items.size(), 4u);
  EXPECT_EQ(rest.items[0].detection.id, ids[3]);
  EXPECT_EQ(rest.items[3].detection.id, ids[0]);

  auto completed = db().detections().history(user, DetectionStatus::completed, 10, 0);
  EXPECT_EQ(completed.total, 1);
  ASSERT_EQ(completed.items.size(), 1u);
  EXPECT_EQ(completed.items[0].detection.status, DetectionStatus::completed);
  EXPECT_EQ(db().detections().history(user, DetectionStatus::failed, 10, 0).total, 0);
  EXPECT_EQ(db().detections().history(new_uuid(), std::nullopt, 10, 0).total, 0);
}

TEST_P(Detections, LifecycleTransitions) {
  std::string user = make_user("a@example.com");
  auto d = make_detection(user, 1).detection;
  EXPECT_EQ(db().detections().in_flight_for_user(user), 1);
  ASSERT_TRUE(db().detections().mark_processing(d.id, 1000).value());
  // A retried job finds it processing: still allowed, started_at kept.
  ASSERT_TRUE(db().detections().mark_processing(d.id, 2000).value());
  auto processing = db().detections().find(d.id);
  EXPECT_EQ(processing->status, DetectionStatus::processing);
  EXPECT_EQ(processing->started_at_ms, 1000);
  EXPECT_EQ(db().detections().in_flight_for_user(user), 1);

  auto bad = db().detections().finish(d.id, DetectionStatus::cancelled, std::nullopt, 3000);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Errc::invalid_argument);
  ASSERT_TRUE(db().detections().finish(d.id, DetectionStatus::failed, "boom", 3000).value());
  auto failed = db().detections().find(d.id);
  EXPECT_EQ(failed->status, DetectionStatus::failed);
  EXPECT_EQ(failed->error, "boom");
  EXPECT_EQ(failed->finished_at_ms, 3000);
  EXPECT_EQ(db().detections().in_flight_for_user(user), 0);
  // Finished: no second finish, no processing, cancel reports the final status untouched.
  EXPECT_FALSE(
      db().detections().finish(d.id, DetectionStatus::completed, std::nullopt, 4000).value());
  EXPECT_FALSE(db().detections().mark_processing(d.id, 4000).value());
  auto cancel_final = db().detections().cancel(d.id, 5000);
  ASSERT_TRUE(cancel_final.ok());
  EXPECT_EQ(cancel_final.value(), DetectionStatus::failed);
  EXPECT_EQ(db().detections().find(d.id)->status, DetectionStatus::failed);
}

TEST_P(Detections, CancelStopsProcessingAndRemoveCascades) {
  std::string user = make_user("a@example.com");
  auto made = make_detection(user, 2);
  const auto& d = made.detection;
  ASSERT_TRUE(db().detections()
                  .save_image_result(outcome(made.images[0].id, {result("dog", 0.9)}))
                  .value());
  auto old = db().detections().cancel(d.id, 7000);
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(old.value(), DetectionStatus::queued);
  auto cancelled = db().detections().find(d.id);
  EXPECT_EQ(cancelled->status, DetectionStatus::cancelled);
  EXPECT_EQ(cancelled->finished_at_ms, 7000);
  EXPECT_FALSE(db().detections().mark_processing(d.id, 8000).value());
  EXPECT_FALSE(
      db().detections().finish(d.id, DetectionStatus::completed, std::nullopt, 8000).value());
  EXPECT_EQ(db().detections().cancel(d.id, 9000).value(), DetectionStatus::cancelled);
  auto missing = db().detections().cancel(new_uuid(), 9000);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Errc::not_found);

  ASSERT_TRUE(db().jobs().enqueue(d.id, 3, 100, now_ms()).ok());
  EXPECT_TRUE(db().detections().remove(d.id).value());
  EXPECT_FALSE(db().detections().remove(d.id).value());
  EXPECT_FALSE(db().detections().find(d.id).has_value());
  EXPECT_FALSE(db().detections().image(made.images[0].id).has_value());
  EXPECT_TRUE(db().detections().results(d.id).empty());
  auto conn = raw();
  for (const char* table : {"detection_images", "detection_results", "job_queue"}) {
    auto rows = conn->query(std::string("SELECT count(*) FROM ") + table, {});
    ASSERT_TRUE(rows.ok()) << rows.error().message;
    EXPECT_EQ(rows.value().rows[0].integer(0), 0) << table;
  }
}

OV_STORAGE_BACKENDS(Detections);

}  // namespace
}  // namespace ov::storage::test
