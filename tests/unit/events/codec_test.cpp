#include "events/codec.hpp"

#include <gtest/gtest.h>

namespace ov::events {
namespace {

TEST(EventCodec, AJobEventRoundTripsInTheClientsShape) {
  JobEvent e;
  e.kind = JobEventKind::progress;
  e.job_id = "5f1c0e2a-0000-4000-8000-000000000001";
  e.user_id = "u";
  e.status = JobStatus::processing;
  e.done = 2;
  e.total = 5;
  e.image_id = "img";
  e.error = "a \"quoted\" error";
  std::string text = to_json(e);
  EXPECT_NE(text.find(R"("type":"job.progress")"), std::string::npos) << text;
  EXPECT_NE(text.find(R"("detection_id":"5f1c0e2a)"), std::string::npos) << text;
  EXPECT_NE(text.find(R"("progress":{"done":2,"total":5})"), std::string::npos) << text;
  auto back = job_event_from_json(text, "u");
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->kind, e.kind);
  EXPECT_EQ(back->job_id, e.job_id);
  EXPECT_EQ(back->user_id, "u");
  EXPECT_EQ(back->status, e.status);
  EXPECT_EQ(back->done, 2);
  EXPECT_EQ(back->total, 5);
  EXPECT_EQ(back->image_id, e.image_id);
  EXPECT_EQ(back->error, e.error);
}

TEST(EventCodec, OptionalFieldsStayOut) {
  JobEvent e;
  e.kind = JobEventKind::completed;
  e.job_id = "j";
  e.status = JobStatus::completed;
  std::string text = to_json(e);
  EXPECT_EQ(text.find("image_id"), std::string::npos);
  EXPECT_EQ(text.find("error"), std::string::npos);
  auto back = job_event_from_json(text, "u");
  ASSERT_TRUE(back.has_value());
  EXPECT_TRUE(back->final());
}

TEST(EventCodec, SessionEndsRoundTrip) {
  SessionEnd one;
  one.jti = "abc";
  one.reason = "Token has been revoked";
  auto back = session_end_from_json(to_json(one));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->jti, "abc");
  EXPECT_EQ(back->reason, one.reason);
  EXPECT_TRUE(back->ends("abc", 0));
  EXPECT_FALSE(back->ends("xyz", 0));

  SessionEnd all;
  all.before_epoch = 3;
  auto all_back = session_end_from_json(to_json(all));
  ASSERT_TRUE(all_back.has_value());
  EXPECT_EQ(all_back->before_epoch, 3);
  EXPECT_TRUE(all_back->ends("any", 2));
  EXPECT_FALSE(all_back->ends("any", 3));
}

TEST(EventCodec, AChangeOfTheModelsRoundTrips) {
  ModelsChanged sent{"alias", "ipcam-dark", "yolo \"v8\"", "host:42"};
  auto back = models_changed_from_json(to_json(sent));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->action, "alias");
  EXPECT_EQ(back->name, "ipcam-dark");
  EXPECT_EQ(back->model, "yolo \"v8\"");
  EXPECT_EQ(back->origin, "host:42");
  for (const char* text : {"{}", R"({"type":"models.changed","action":"load","origin":"o"})",
                           R"({"type":"models.changed","action":"load","name":"","origin":"o"})",
                           R"({"type":"job.queued","action":"load","name":"m","origin":"o"})"}) {
    EXPECT_FALSE(models_changed_from_json(text).has_value()) << text;
  }
}

TEST(EventCodec, AnythingElseIsRefused) {
  for (const char* text :
       {"", "[]", "{}", "not json",
        R"({"type":"job.nope","job_id":"j","status":"queued",)"
        R"("progress":{"done":0,"total":1}})",
        R"({"type":"job.queued","job_id":"j","status":"weird","progress":{"done":0,"total":1}})",
        R"({"type":"job.queued","job_id":"j","status":"queued"})",
        R"({"type":"job.queued","job_id":7,"status":"queued","progress":{"done":0,"total":1}})"}) {
    EXPECT_FALSE(job_event_from_json(text, "u").has_value()) << text;
  }
  for (const char* text :
       {"", "{}", R"({"type":"session.revoked"})", R"({"type":"session.revoked","jti":""})",
        R"({"type":"session.ended","epoch":0})", R"({"type":"other"})"}) {
    EXPECT_FALSE(session_end_from_json(text).has_value()) << text;
  }
}

}  // namespace
}  // namespace ov::events
