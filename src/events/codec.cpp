#include "events/codec.hpp"

#include <boost/json.hpp>

namespace ov::events {
namespace json = boost::json;
namespace {

std::optional<json::object> object_of(std::string_view text) {
  json::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  return std::move(v.as_object());
}

std::optional<std::string> string_at(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || !v->is_string()) return std::nullopt;
  return std::string(v->as_string());
}

std::optional<std::int64_t> int_at(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || !v->is_int64()) return std::nullopt;
  return v->as_int64();
}

}  // namespace

std::string to_json(const JobEvent& e) {
  json::object o{{"type", to_string(e.kind)},
                 {"job_id", e.job_id},
                 {"detection_id", e.job_id},
                 {"status", to_string(e.status)},
                 {"progress", json::object{{"done", e.done}, {"total", e.total}}}};
  if (e.image_id) o["image_id"] = *e.image_id;
  if (e.error) o["error"] = *e.error;
  return json::serialize(o);
}

std::optional<JobEvent> job_event_from_json(std::string_view text, const std::string& user_id) {
  auto o = object_of(text);
  if (!o) return std::nullopt;
  auto type = string_at(*o, "type");
  auto job_id = string_at(*o, "job_id");
  auto status = string_at(*o, "status");
  if (!type || !job_id || !status) return std::nullopt;
  auto kind = job_event_kind_from_string(*type);
  auto parsed_status = job_status_from_string(*status);
  const json::value* progress = o->if_contains("progress");
  if (!kind || !parsed_status || progress == nullptr || !progress->is_object()) {
    return std::nullopt;
  }
  auto done = int_at(progress->as_object(), "done");
  auto total = int_at(progress->as_object(), "total");
  if (!done || !total) return std::nullopt;
  JobEvent e;
  e.kind = *kind;
  e.job_id = std::move(*job_id);
  e.user_id = user_id;
  e.status = *parsed_status;
  e.done = static_cast<int>(*done);
  e.total = static_cast<int>(*total);
  e.image_id = string_at(*o, "image_id");
  e.error = string_at(*o, "error");
  return e;
}

std::string to_json(const SessionEnd& end) {
  json::object o;
  if (!end.jti.empty()) {
    o = json::object{{"type", "session.revoked"}, {"jti", end.jti}};
  } else {
    o = json::object{{"type", "session.ended"}, {"epoch", end.before_epoch}};
  }
  o["reason"] = end.reason;
  return json::serialize(o);
}

std::string to_json(const UserChanged&) {
  return "{}";
}

std::optional<SessionEnd> session_end_from_json(std::string_view text) {
  auto o = object_of(text);
  if (!o) return std::nullopt;
  auto type = string_at(*o, "type");
  SessionEnd end;
  end.reason = string_at(*o, "reason").value_or("Session has ended");
  if (type == "session.revoked") {
    auto jti = string_at(*o, "jti");
    if (!jti || jti->empty()) return std::nullopt;
    end.jti = std::move(*jti);
    return end;
  }
  if (type == "session.ended") {
    auto epoch = int_at(*o, "epoch");
    if (!epoch || *epoch <= 0) return std::nullopt;
    end.before_epoch = *epoch;
    return end;
  }
  return std::nullopt;
}

std::string to_json(const ModelsChanged& change) {
  return json::serialize(json::object{{"type", "models.changed"},
                                      {"action", change.action},
                                      {"name", change.name},
                                      {"model", change.model},
                                      {"origin", change.origin}});
}

std::optional<ModelsChanged> models_changed_from_json(std::string_view text) {
  auto o = object_of(text);
  if (!o || string_at(*o, "type") != "models.changed") return std::nullopt;
  auto action = string_at(*o, "action");
  auto name = string_at(*o, "name");
  auto origin = string_at(*o, "origin");
  if (!action || !name || name->empty() || !origin) return std::nullopt;
  return ModelsChanged{std::move(*action), std::move(*name), string_at(*o, "model").value_or(""),
                       std::move(*origin)};
}

}  // namespace ov::events
