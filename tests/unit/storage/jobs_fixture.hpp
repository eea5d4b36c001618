#pragma once
// The JobRepository tests' fixture (job_repository_test.cpp, job_reports_test.cpp): users, jobs
// with images, a started job's fence, objects and an image's outcome, on both backends.
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "backend_fixture.hpp"

namespace ov::storage::test {
class JobsTest : public BackendTest {
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

}  // namespace ov::storage::test
