#include "api/caches.hpp"

#include <atomic>

#include "core/ids.hpp"

namespace ov::api {
namespace {

std::atomic<std::uint64_t> g_generation{1};  // fresh generations never repeat an old one

}  // namespace

Caches::Caches(CacheSettings settings)
    : settings_(settings),
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
  } else {
    forget_user(event.user_id);
  }
}

Caches::Stats Caches::stats() const {
  return Stats{tokens_.stats(), users_.stats(), jobs_.stats(), history_.stats()};
}

}  // namespace ov::api
