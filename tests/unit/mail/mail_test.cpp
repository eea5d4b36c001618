// Mail: the templates (values escaped in HTML only, a subject on one line), the MIME text
// (encoded words, base64 parts, no header a value can break), and the sender's retries and
// give-ups over a real SQLite outbox with a transport that fails on demand.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "mailer.hpp"
#include "message.hpp"
#include "render.hpp"
#include "sender.hpp"
#include "storage/database.hpp"

namespace ov::mail {
namespace {

TEST(Render, ValuesAreEscapedInHtmlAndLeftAloneInText) {
  TemplateData d;
  d.text = {{"company", "Acme"}, {"name", "Ann <b>&\"x"}, {"email", "ann@example.com"}};
  auto r = render("welcome", d);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->subject, "Welcome to Acme");
  EXPECT_NE(r->text.find("Hello Ann <b>&\"x,"), std::string::npos) << r->text;
  EXPECT_NE(r->html.find("Hello Ann &lt;b&gt;&amp;&quot;x,"), std::string::npos) << r->html;
  EXPECT_EQ(r->html.find("<b>&"), std::string::npos);
  EXPECT_NE(r->html.find("<!doctype html>"), std::string::npos) << "inside the layout";
  EXPECT_FALSE(render("no_such_kind", d).ok());
}

TEST(Render, ASubjectStaysOneLine) {
  TemplateData d;
  d.text = {{"company", "Evil\r\nBcc: victim@example.com"}, {"name", "x"}, {"email", "e"}};
  auto r = render("welcome", d);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->subject.find('\n'), std::string::npos);
  EXPECT_EQ(r->subject.find('\r'), std::string::npos);
}

TEST(Message, HeadersAreEncodedAndCannotBeBroken) {
  Envelope e{{"noreply@example.com", "Acme Vision"},
             {"ann@example.com", "Änn\r\nBcc: victim@example.com"},
             "Grüße\nBcc: victim@example.com",
             "id-1@example.com",
             1'700'000'000'000};
  const std::string m = mime_message(e, "plain text\n", "<p>html</p>\n");
  EXPECT_NE(m.find("From: \"Acme Vision\" <noreply@example.com>\r\n"), std::string::npos) << m;
  EXPECT_NE(m.find("To: =?UTF-8?B?"), std::string::npos) << m;
  EXPECT_NE(m.find("Subject: =?UTF-8?B?"), std::string::npos) << m;
  EXPECT_EQ(m.find("\nBcc:"), std::string::npos) << "no injected header";
  EXPECT_NE(m.find("Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n"), std::string::npos) << m;
  EXPECT_NE(m.find("Message-ID: <id-1@example.com>\r\n"), std::string::npos);
  EXPECT_NE(m.find("Content-Type: multipart/alternative; boundary="), std::string::npos);
  // "plain text\r\n" in base64:
  EXPECT_NE(m.find("cGxhaW4gdGV4dA0K"), std::string::npos) << m;
  for (std::size_t at = m.find('\n'); at != std::string::npos; at = m.find('\n', at + 1)) {
    ASSERT_GT(at, 0u);
    EXPECT_EQ(m[at - 1], '\r') << "every line ends with CRLF";
  }
}

// A transport that answers what it is told to, and remembers what it was asked to send.
class ScriptedTransport final : public Transport {
 public:
  std::vector<Result<void>> answers;  // used in order; then success
  std::vector<std::string> subjects;
  Result<void> send(const Envelope& e, const std::string&, const std::string&) override {
    subjects.push_back(e.subject);
    if (answers.empty()) return {};
    auto next = answers.front();
    answers.erase(answers.begin());
    return next;
  }
};

class SenderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("ov-mail-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto db = storage::open_database({"sqlite://" + (dir_ / "db.sqlite").string(), 2});
    ASSERT_TRUE(db.ok());
    db_ = std::move(db.value());
    ASSERT_TRUE(db_->migrate_up().ok());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<Sender> sender(ScriptedTransport*& out, int max_attempts) {
    auto t = std::make_unique<ScriptedTransport>();
    out = t.get();
    SenderSettings s;
    s.from = Address{"noreply@example.com", "Acme"};
    s.max_attempts = max_attempts;
    s.retry_backoff_s = 0;  // due again at once
    return std::make_unique<Sender>(db_->mail(), std::move(t), s, "test");
  }

  void welcome(const std::string& email) {
    Mailer mailer(db_->mail(), MailerSettings{true, "Acme", ""});
    User u;
    u.email = email;
    u.name = "Ann";
    mailer.welcome(u);
  }

  std::filesystem::path dir_;
  std::unique_ptr<storage::Database> db_;
};

TEST_F(SenderTest, SendsOnceAndMarksSent) {
  ScriptedTransport* t = nullptr;
  auto s = sender(t, 3);
  welcome("a@example.com");
  EXPECT_EQ(s->run_due(), 1);
  EXPECT_EQ(s->run_due(), 0) << "a sent mail is not sent again";
  ASSERT_EQ(t->subjects, std::vector<std::string>{"Welcome to Acme"});
  auto counts = db_->mail().counts();
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->sent, 1);
}

TEST_F(SenderTest, TransientFailuresAreRetriedUntilTheAttemptsAreUsedUp) {
  ScriptedTransport* t = nullptr;
  auto s = sender(t, 3);
  t->answers = {Error{Errc::unavailable, "down"}, Error{Errc::unavailable, "down"},
                Error{Errc::unavailable, "down"}};
  welcome("b@example.com");
  EXPECT_EQ(s->run_due(), 3) << "tried, retried at once (no backoff), then given up";
  EXPECT_EQ(t->subjects.size(), 3u);
  auto counts = db_->mail().counts();
  EXPECT_EQ(counts->failed, 1);
  EXPECT_EQ(counts->pending, 0);
}

TEST_F(SenderTest, ARetryThatSucceedsIsSent) {
  ScriptedTransport* t = nullptr;
  auto s = sender(t, 3);
  t->answers = {Error{Errc::unavailable, "busy"}};
  welcome("c@example.com");
  EXPECT_EQ(s->run_due(), 2);
  EXPECT_EQ(db_->mail().counts()->sent, 1);
}

TEST_F(SenderTest, ARefusedMailIsNotTriedAgain) {
  ScriptedTransport* t = nullptr;
  auto s = sender(t, 5);
  t->answers = {Error{Errc::invalid_argument, "550 no such user"}};
  welcome("d@example.com");
  EXPECT_EQ(s->run_due(), 1);
  EXPECT_EQ(t->subjects.size(), 1u);
  EXPECT_EQ(db_->mail().counts()->failed, 1);
}

TEST_F(SenderTest, AnOffMailerStoresNothing) {
  Mailer mailer(db_->mail(), MailerSettings{false, "Acme", ""});
  User u;
  u.email = "e@example.com";
  mailer.welcome(u);
  auto counts = db_->mail().counts();
  EXPECT_EQ(counts->pending + counts->sent + counts->failed, 0);
}

}  // namespace
}  // namespace ov::mail
