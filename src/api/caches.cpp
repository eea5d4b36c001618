#include "api/caches.hpp"

#include <boost/json.hpp>

#include <atomic>

#include "core/ids.hpp"

namespace ov::api {
namespace json = boost::json;
namespace {

std::atomic<std::uint64_t> g_generation{1};  // fresh generations never repeat an old one

// The shared tier's spaces.
constexpr const char* kUsers = "user";
constexpr const char* kJobs = "job";
constexpr const char* kHistory = "history";

// A user as the shared tier keeps it: everything but the password hash, which stays in the
// database (the password check reads it there).
std::string encode_user(const CachedUser& c) {
  const User& u = c.user;
  json::object o{{"id", u.id},
                 {"email", u.email},
                 {"name", u.name},
                 {"role", to_string(u.role)},
                 {"is_active", u.is_active},
                 {"session_epoch", u.session_epoch},
                 {"created_at_ms", u.created_at_ms},
                 {"updated_at_ms", u.updated_at_ms}};
  if (c.settings) {
    json::object st{{"theme", c.settings->theme},
                    {"notifications", c.settings->notifications},
                    {"daily_report", c.settings->daily_report}};
    if (c.settings->api_key_hash) st["api_key_hash"] = *c.settings->api_key_hash;
    o["settings"] = std::move(st);
  }
  return json::serialize(o);
}

// nullopt for anything unexpected: a miss.
std::optional<CachedUser> decode_user(const std::string& text) {
  boost::system::error_code ec;
  auto parsed = json::parse(text, ec);
  if (ec || !parsed.is_object()) return std::nullopt;
  try {
    const auto& o = parsed.as_object();
    CachedUser c;
    c.user.id = json::value_to<std::string>(o.at("id"));
    c.user.email = json::value_to<std::string>(o.at("email"));
    c.user.name = json::value_to<std::string>(o.at("name"));
    auto role = role_from_string(json::value_to<std::string>(o.at("role")));
    if (!role) return std::nullopt;
    c.user.role = *role;
    c.user.is_active = o.at("is_active").as_bool();
    c.user.session_epoch = o.at("session_epoch").to_number<std::int64_t>();
    c.user.created_at_ms = o.at("created_at_ms").to_number<std::int64_t>();
    c.user.updated_at_ms = o.at("updated_at_ms").to_number<std::int64_t>();
    if (const auto* st = o.if_contains("settings"); st && st->is_object()) {
      const auto& so = st->as_object();
      UserSettings settings;
      settings.user_id = c.user.id;
      settings.theme = json::value_to<std::string>(so.at("theme"));
      settings.notifications = so.at("notifications").as_bool();
      settings.daily_report = so.at("daily_report").as_bool();
      if (const auto* key = so.if_contains("api_key_hash")) {
        settings.api_key_hash = json::value_to<std::string>(*key);
      }
      c.settings = std::move(settings);
    }
    return c;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace

Caches::Caches(CacheSettings settings, cache::SharedTier* shared)
    : settings_(settings),
      shared_(shared),
      tokens_(settings.capacity, settings.tokens),
      users_(settings.capacity, settings.users),
      jobs_(settings.capacity, settings.jobs),
      history_(settings.capacity, settings.history),
      history_generation_(settings.capacity, settings.history) {}

void Caches::remember_live_token(const std::string& jti, std::int64_t expires_at_s,
                                 std::uint64_t stamp) {
  if (!unchanged_since(jti, stamp)) return;
  // Never past the token's own expiry.
  auto left = std::chrono::milliseconds(expires_at_s * 1000 - now_ms());
  if (left <= std::chrono::milliseconds(0)) return;
  tokens_.put(jti, true, std::min(left, settings_.tokens));
}

void Caches::forget_token(const std::string& jti) {
  forgot(jti);
  tokens_.erase(jti);
}

void Caches::remember_user(const User& user, std::optional<UserSettings> settings,
                           std::uint64_t stamp) {
  if (!unchanged_since(user.id, stamp)) return;
  users_.put(user.id, CachedUser{user, std::move(settings)});
}

void Caches::forget_user(const std::string& id) {
  forgot(id);
  users_.erase(id);
}

void Caches::remember_job(const Job& job, std::string json, std::uint64_t stamp) {
  if (!is_final(job.status) || !unchanged_since(job.id, stamp)) return;
  jobs_.put(job.id, CachedJob{job.user_id, std::move(json)});
}

std::string Caches::history_key(const std::string& user_id, const std::string& query) {
  std::uint64_t generation = 0;
  if (auto g = history_generation_.get(user_id)) {
    generation = *g;
  } else {
    generation = g_generation++;
    history_generation_.put(user_id, generation);
  }
  return user_id + "|" + std::to_string(generation) + "|" + query;
}

std::optional<std::string> Caches::history(const std::string& user_id, const std::string& query) {
  return history_.get(history_key(user_id, query));
}

void Caches::forget_job(const std::string& id) {
  forgot(id);
  jobs_.erase(id);
}

void Caches::remember_history(const std::string& user_id, const std::string& query,
                              std::string json, std::uint64_t stamp) {
  if (!unchanged_since(user_id, stamp)) return;
  history_.put(history_key(user_id, query), std::move(json));
}

void Caches::forget_history(const std::string& user_id) {
  forgot(user_id);
  history_generation_.put(user_id, g_generation++);  // the old pages are never asked for again
}

void Caches::on_event(const events::Event& event) {
  if (const auto* job = std::get_if<JobEvent>(&event.what)) {
    forget_job(job->job_id);
    forget_history(event.user_id);
  } else if (const auto* end = std::get_if<SessionEnd>(&event.what)) {
    if (!end->jti.empty()) forget_token(end->jti);
    if (end->before_epoch > 0) forget_user(event.user_id);
  } else if (std::holds_alternative<events::UserChanged>(event.what)) {
    forget_user(event.user_id);
  }
}

SharedFound<CachedUser> Caches::shared_user(const std::string& id) {
  if (shared_ == nullptr) return {};
  auto read = shared_->get(kUsers, id);
  SharedFound<CachedUser> found{std::nullopt, read.generation};
  if (read.value) found.value = decode_user(*read.value);
  return found;
}

void Caches::share_user(const CachedUser& cached, const std::optional<std::string>& generation) {
  if (shared_ == nullptr || !generation) return;
  shared_->put(kUsers, cached.user.id, {}, *generation, encode_user(cached),
               settings_.shared_users);
}

SharedFound<CachedJob> Caches::shared_job(const std::string& id) {
  if (shared_ == nullptr) return {};
  auto read = shared_->get(kJobs, id);
  SharedFound<CachedJob> found{std::nullopt, read.generation};
  if (read.value) {
    // "<owner id>\n<the job's JSON>"
    auto newline = read.value->find('\n');
    if (newline != std::string::npos) {
      found.value = CachedJob{read.value->substr(0, newline), read.value->substr(newline + 1)};
    }
  }
  return found;
}

void Caches::share_job(const Job& job, const std::string& json,
                       const std::optional<std::string>& generation) {
  if (shared_ == nullptr || !generation || !is_final(job.status)) return;
  shared_->put(kJobs, job.id, {}, *generation, job.user_id + "\n" + json, settings_.shared_jobs);
}

void Caches::remember_shared_job(const std::string& id, CachedJob cached, std::uint64_t stamp) {
  if (!unchanged_since(id, stamp)) return;
  jobs_.put(id, std::move(cached));
}

SharedFound<std::string> Caches::shared_history(const std::string& user_id,
                                                const std::string& query) {
  if (shared_ == nullptr) return {};
  auto read = shared_->get(kHistory, user_id, query.empty() ? "-" : query);
  return SharedFound<std::string>{std::move(read.value), std::move(read.generation)};
}

void Caches::share_history(const std::string& user_id, const std::string& query,
                           const std::string& json, const std::optional<std::string>& generation) {
  if (shared_ == nullptr || !generation) return;
  shared_->put(kHistory, user_id, query.empty() ? "-" : query, *generation, json,
               settings_.shared_history);
}

void Caches::user_written(const std::string& id) {
  forget_user(id);
  if (shared_ != nullptr) shared_->invalidate(kUsers, id);
}

Caches::Stats Caches::stats() const {
  Stats s{tokens_.stats(), users_.stats(), jobs_.stats(), history_.stats(), std::nullopt};
  if (shared_ != nullptr) s.shared = shared_->stats();
  return s;
}

void forget_shared(cache::SharedTier& shared, const JobEvent& event) {
  shared.invalidate(kJobs, event.job_id);
  shared.invalidate(kHistory, event.user_id);
}

}  // namespace ov::api
