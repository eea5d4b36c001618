#include "obs/logging.hpp"

#include "core/text.hpp"
#include "obs/line_writer.hpp"
#include "obs/metrics.hpp"
#include "obs/trace.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/spdlog.h>

#include <fmt/format.h>

namespace ov::obs {
namespace {

thread_local std::string t_request_id;

// %* : the message as an escaped JSON string body.
class JsonMessageFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    std::string escaped = json_escape(std::string_view(msg.payload.data(), msg.payload.size()));
    dest.append(escaped.data(), escaped.data() + escaped.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<JsonMessageFlag>();
  }
};

// %& : ,"request_id":"..." when a request is being handled on this thread, and
// ,"trace_id":"...","span_id":"..." when a span is current (a request, a job, a mail).
class RequestIdFlag final : public spdlog::custom_flag_formatter {
 public:
  explicit RequestIdFlag(bool json) : json_(json) {}
  void format(const spdlog::details::log_msg&, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    std::string s;
    if (!t_request_id.empty()) {
      s = json_ ? fmt::format(",\"request_id\":\"{}\"", json_escape(t_request_id))
                : fmt::format(" [{}]", t_request_id);
    }
    if (const SpanContext* span = current_span()) {
      s += json_ ? fmt::format(",\"trace_id\":\"{}\",\"span_id\":\"{}\"", span->trace_id_hex(),
                               span->span_id_hex())
                 : fmt::format(" trace={}", span->trace_id_hex());
    }
    if (!s.empty()) dest.append(s.data(), s.data() + s.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<RequestIdFlag>(json_);
  }

 private:
  bool json_;
};

}  // namespace

void set_request_id(std::string_view id) {
  t_request_id.assign(id);
}
const std::string& request_id() {
  return t_request_id;
}

namespace {
bool g_json = true;
std::shared_ptr<spdlog::logger> g_access;  // set once by init_logging, before any request
}  // namespace

void log_access(const AccessEntry& e) {
  const auto& logger = g_access;
  if (!logger || !logger->should_log(spdlog::level::info)) return;
  if (g_json) {
    logger->info(
        R"("method":"{}","route":"{}","path":"{}","status":{},"duration_ms":{:.3f},"user":{},"ip":"{}")",
        json_escape(e.method), json_escape(e.route), json_escape(e.path), e.status, e.duration_ms,
        e.user_id.empty() ? std::string("null") : "\"" + json_escape(e.user_id) + "\"",
        json_escape(e.client_ip));
  } else {
    logger->info("{} {} {} {:.3f}ms user={} ip={}", e.method, e.path, e.status, e.duration_ms,
                 e.user_id.empty() ? "-" : e.user_id, e.client_ip);
  }
}

void init_logging(const std::string& level, const std::string& format) {
  // One writer thread for both loggers: lines are formatted where they are written and queued
  // (obs/line_writer.hpp); a request never waits on stdout.
  static auto writer = std::make_shared<LineWriter>(stdout);
  static auto dropped = metrics().collect([](Exposition& out) {
    out.family("objectvision_log_lines_dropped_total",
               "Log lines dropped because the log queue was full.", "counter");
    out.sample(static_cast<double>(writer->dropped()));
  });
  auto logger =
      std::make_shared<spdlog::logger>("objectvision", std::make_shared<LineSink>(writer));
  bool json = format == "json";
  auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
  formatter->add_flag<JsonMessageFlag>('*');
  formatter->add_flag<RequestIdFlag>('&', json);
  if (json) {
    // The message of a structured line may itself be a JSON object fragment: see access_log.
    formatter->set_pattern(R"({"ts":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","msg":"%*"%&})");
  } else {
    formatter->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l %v%&");
  }
  logger->set_formatter(std::move(formatter));
  logger->set_level(level == "warning" ? spdlog::level::warn : spdlog::level::from_str(level));
  logger->flush_on(spdlog::level::err);  // an error is on its way out before anything else
  // A sink of its own: spdlog formatters belong to sinks. stdout sinks share one mutex.
  auto access = std::make_shared<spdlog::logger>("access", std::make_shared<LineSink>(writer));
  auto access_formatter =
      std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
  access_formatter->add_flag<RequestIdFlag>('&', json);
  access_formatter->set_pattern(
      json ? R"({"ts":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","msg":"request",%v%&})"
           : "%Y-%m-%dT%H:%M:%S.%eZ %l %v%&");
  access->set_formatter(std::move(access_formatter));
  access->set_level(logger->level());
  access->flush_on(spdlog::level::err);
  g_json = json;
  g_access = std::move(access);
  spdlog::set_default_logger(std::move(logger));
}

}  // namespace ov::obs
