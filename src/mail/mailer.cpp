#include "mailer.hpp"

#include <algorithm>
#include <vector>

#include <spdlog/spdlog.h>

#include "core/ids.hpp"
#include "obs/metrics.hpp"
#include "obs/trace.hpp"
#include "render.hpp"
#include "storage/mail.hpp"

namespace ov::mail {

struct Mailer::Data : TemplateData {};

namespace {

void count_not_queued(const std::string& kind) {
  static auto& emails = obs::metrics().counter(
      "objectvision_emails_total",
      "Emails by kind and result: sent, retried (a failure to be tried again), failed (for "
      "good).",
      {"kind", "result"});
  emails.with({kind, "not_queued"}).add();
}

std::string display_name(const User& u) {
  return u.name.empty() ? u.email : u.name;
}

std::string utc_time(std::int64_t ms) {
  std::string t = rfc3339(ms);  // 2026-12-01T02:30:00.123Z
  if (t.size() >= 19) return t.substr(0, 10) + " " + t.substr(11, 8);
  return t;
}

std::string join_url(const std::string& base, const std::string& path) {
  if (base.empty()) return {};
  std::string b = base;
  while (!b.empty() && b.back() == '/') b.pop_back();
  return b + path;
}

}  // namespace

namespace {

// "classes" (label, count; most found first), "has_classes" and "object_count" of a mail.
void add_class_counts(TemplateData& d, const std::map<std::string, std::int64_t>& counts) {
  std::vector<std::pair<std::string, std::int64_t>> ordered(counts.begin(), counts.end());
  std::sort(ordered.begin(), ordered.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  std::int64_t objects = 0;
  auto& classes = d.lists["classes"];
  for (const auto& [label, n] : ordered) {
    classes.push_back({{"label", label}, {"count", std::to_string(n)}});
    objects += n;
  }
  d.flags["has_classes"] = !classes.empty();
  d.text["object_count"] = std::to_string(objects);
}

}  // namespace

Mailer::Mailer(storage::MailRepository& repo, MailerSettings settings)
    : repo_(repo), settings_(std::move(settings)) {}

bool Mailer::send(const char* kind, const User& user, Data& data, const std::string& id) {
  if (!settings_.enabled) return false;
  data.text["company"] = settings_.company;
  data.text["name"] = display_name(user);
  data.text["email"] = user.email;
  const std::string settings_url = join_url(settings_.frontend_base_url, "/settings");
  if (!settings_url.empty()) data.text["settings_url"] = settings_url;
  auto rendered = render(kind, data);
  if (!rendered) {
    count_not_queued(kind);
    spdlog::error("mail {} to {} not rendered: {}", kind, user.email, rendered.error().message);
    return false;
  }
  storage::OutgoingMail m;
  m.id = id;
  m.kind = kind;
  m.recipient = user.email;
  m.recipient_name = user.name;
  m.subject = std::move(rendered->subject);
  m.text_body = std::move(rendered->text);
  m.html_body = std::move(rendered->html);
  if (const obs::SpanContext* trace = obs::current_span()) {  // sending continues this trace
    m.trace_parent = trace->traceparent();
    m.trace_state = trace->trace_state;
  }
  if (auto stored = repo_.enqueue(m, now_ms()); !stored) {
    if (!id.empty() && stored.error().code == Errc::conflict) return true;  // stored already
    count_not_queued(kind);
    spdlog::error("mail {} to {} not queued: {}", kind, user.email, stored.error().message);
    return false;
  }
  if (wake_) wake_();
  return true;
}

void Mailer::welcome(const User& user) {
  Data d;
  const std::string app = join_url(settings_.frontend_base_url, "/");
  if (!app.empty()) d.text["app_url"] = app;
  send("welcome", user, d);
}

void Mailer::password_changed(const User& user, std::int64_t when_ms) {
  Data d;
  d.text["when"] = utc_time(when_ms);
  send("password_changed", user, d);
}

void Mailer::api_key_created(const User& user, std::int64_t when_ms) {
  Data d;
  d.text["when"] = utc_time(when_ms);
  send("api_key_created", user, d);
}

void Mailer::job_finished(const User& user, bool notifications, const Job& job,
                          const std::map<std::string, std::int64_t>& counts) {
  if (!notifications) return;
  Data d;
  const bool completed = job.status == JobStatus::completed;
  d.flags["completed"] = completed;
  d.text["job_name"] = job.name.empty() ? job.id : job.name;
  d.text["image_count"] = std::to_string(job.image_count);
  add_class_counts(d, counts);
  d.text["error"] = job.error.value_or("unknown error");
  const std::string url = join_url(settings_.frontend_base_url, "/jobs/" + job.id);
  if (!url.empty()) d.text["job_url"] = url;
  send("job_finished", user, d);
}

bool Mailer::daily_report(const User& user, std::int64_t until_ms, const Figures& figures) {
  Data d;
  const std::string until = utc_time(until_ms);
  d.text["until"] = until.substr(0, 16);  // 2026-12-02 07:00
  d.text["job_count"] = std::to_string(figures.jobs);
  d.text["image_count"] = std::to_string(figures.images);
  if (figures.failed > 0) d.text["failed_count"] = std::to_string(figures.failed);
  add_class_counts(d, figures.objects_by_class);
  const std::string url = join_url(settings_.frontend_base_url, "/history");
  if (!url.empty()) d.text["history_url"] = url;
  // One per user and UTC day, whichever node or run stores it first.
  return send("daily_report", user, d,
              name_uuid("daily_report/" + user.id + "/" + until.substr(0, 10)));
}

}  // namespace ov::mail
