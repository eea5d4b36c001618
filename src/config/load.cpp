#include <cctype>
#include <charconv>
#include <cmath>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "config/config.hpp"
#include "config/storage_url.hpp"

namespace ov::config {
namespace {

// Reads typed values out of the variables; the first invalid one becomes the error.
class Reader {
 public:
  explicit Reader(const Vars& vars) : vars_(vars) {}

  void str(const char* name, std::string& out) {
    if (auto it = vars_.find(name); it != vars_.end()) out = it->second;
  }

  void integer(const char* name, int& out, long lo, long hi) {
    auto it = vars_.find(name);
    if (it == vars_.end() || it->second.empty()) return;
    long v = 0;
    auto [p, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), v);
    if (ec != std::errc() || p != it->second.data() + it->second.size() || v < lo || v > hi) {
      fail(
          fmt::format("{}: expected an integer from {} to {}, got '{}'", name, lo, hi, it->second));
      return;
    }
    out = static_cast<int>(v);
  }

  void u64(const char* name, std::uint64_t& out, std::uint64_t lo, std::uint64_t hi) {
    int v = static_cast<int>(out);
    integer(name, v, static_cast<long>(lo), static_cast<long>(hi));
    out = static_cast<std::uint64_t>(v);
  }

  void number(const char* name, double& out, double lo, double hi) {
    auto it = vars_.find(name);
    if (it == vars_.end() || it->second.empty()) return;
    double v = 0;
    auto [p, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), v);
    if (ec != std::errc() || p != it->second.data() + it->second.size() || !std::isfinite(v) ||
        v < lo || v > hi) {
      fail(fmt::format("{}: expected a number from {} to {}, got '{}'", name, lo, hi, it->second));
      return;
    }
    out = v;
  }

  void choice(const char* name, std::string& out, std::initializer_list<const char*> allowed) {
    auto it = vars_.find(name);
    if (it == vars_.end() || it->second.empty()) return;
    for (const char* a : allowed) {
      if (it->second == a) {
        out = it->second;
        return;
      }
    }
    std::string list;
    for (const char* a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
    fail(fmt::format("{}: expected one of {}, got '{}'", name, list, it->second));
  }

  void rate(const char* per_minute, const char* burst, RateLimitSetting& out) {
    number(per_minute, out.per_minute, 0, 1e9);
    number(burst, out.burst, 1, 1e9);
  }

  void fail(std::string message) {
    if (!error_) error_ = Error{Errc::invalid_argument, std::move(message)};
  }
  const std::optional<Error>& error() const { return error_; }

 private:
  const Vars& vars_;
  std::optional<Error> error_;
};

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    auto comma = s.find(',', start);
    std::string item =
        s.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    auto b = item.find_first_not_of(" \t");
    auto e = item.find_last_not_of(" \t/");
    if (b != std::string::npos) out.push_back(item.substr(b, e - b + 1));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

// "ipcam-general=*,ipcam-dark=yolov8n"; nullopt when malformed. Empty: no aliases.
std::optional<std::vector<std::pair<std::string, std::string>>> model_aliases(
    const std::string& text) {
  auto name_ok = [](const std::string& n) {
    if (n.empty() || n.size() > 100) return false;
    for (char ch : n) {
      if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '.' && ch != '_' && ch != '-') {
        return false;
      }
    }
    return true;
  };
  std::vector<std::pair<std::string, std::string>> out;
  for (const std::string& item : split_list(text)) {
    auto eq = item.find('=');
    if (eq == std::string::npos) return std::nullopt;
    auto trimmed = [](std::string v) {
      auto b = v.find_first_not_of(" \t");
      auto e = v.find_last_not_of(" \t");
      return b == std::string::npos ? std::string() : v.substr(b, e - b + 1);
    };
    std::string alias = trimmed(item.substr(0, eq)), model = trimmed(item.substr(eq + 1));
    if (!name_ok(alias) || (model != "*" && !name_ok(model))) return std::nullopt;
    out.emplace_back(std::move(alias), std::move(model));
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// "key1=value1,key2=value2" with percent-encoded values (OTEL_RESOURCE_ATTRIBUTES,
// OTEL_EXPORTER_OTLP_HEADERS); nullopt when an item has no key or a bad escape.
std::optional<std::vector<std::pair<std::string, std::string>>> key_value_list(
    const std::string& text) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const std::string& item : split_list(text)) {
    auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0) return std::nullopt;
    std::string key = item.substr(0, eq);
    while (!key.empty() && (key.back() == ' ' || key.back() == '\t')) key.pop_back();
    std::string raw = item.substr(eq + 1), value;
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] != '%') {
        value += raw[i];
        continue;
      }
      if (i + 2 >= raw.size() || hex_value(raw[i + 1]) < 0 || hex_value(raw[i + 2]) < 0) {
        return std::nullopt;
      }
      value += static_cast<char>(hex_value(raw[i + 1]) * 16 + hex_value(raw[i + 2]));
      i += 2;
    }
    auto b = value.find_first_not_of(" \t");
    value = b == std::string::npos ? "" : value.substr(b);
    if (key.empty()) return std::nullopt;
    out.emplace_back(std::move(key), std::move(value));
  }
  return out;
}

// The OTEL_* variables of the tracing exporter (the OpenTelemetry SDK's names and defaults).
std::optional<Error> read_tracing(const Vars& vars, Reader& r, Config& c) {
  auto get = [&vars](const char* name) -> std::string {
    auto it = vars.find(name);
    return it == vars.end() ? std::string() : it->second;
  };
  std::string disabled = get("OTEL_SDK_DISABLED");
  std::string exporter = get("OTEL_TRACES_EXPORTER");
  if (!exporter.empty() && exporter != "otlp" && exporter != "none") {
    return Error{Errc::invalid_argument,
                 fmt::format("OTEL_TRACES_EXPORTER: expected otlp or none, got '{}'", exporter)};
  }
  std::string protocol = get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL");
  if (protocol.empty()) protocol = get("OTEL_EXPORTER_OTLP_PROTOCOL");
  if (!protocol.empty() && protocol != "http/json") {
    return Error{Errc::invalid_argument,
                 fmt::format("OTEL_EXPORTER_OTLP_PROTOCOL: only http/json is supported, got '{}' "
                             "(an OpenTelemetry Collector takes it on port 4318)",
                             protocol)};
  }
  std::string endpoint = get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");  // used as it is
  if (endpoint.empty()) {
    endpoint = get("OTEL_EXPORTER_OTLP_ENDPOINT");  // the base: the signal's path is added
    if (!endpoint.empty()) {
      while (endpoint.ends_with('/')) endpoint.pop_back();
      endpoint += "/v1/traces";
    }
  }
  if (!endpoint.empty() && !endpoint.starts_with("http://") && !endpoint.starts_with("https://")) {
    return Error{Errc::invalid_argument,
                 fmt::format("OTEL_EXPORTER_OTLP_ENDPOINT: expected an http:// or https:// URL, "
                             "got '{}'",
                             endpoint)};
  }
  const bool off = disabled == "true" || exporter == "none";
  c.otel_traces_endpoint = off ? std::string() : endpoint;
  for (const char* name : {"OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_HEADERS"}) {
    auto headers = key_value_list(get(name));
    if (!headers) {
      return Error{Errc::invalid_argument,
                   fmt::format("{}: expected name=value pairs separated by commas", name)};
    }
    for (auto& h : *headers) c.otel_headers.push_back(std::move(h));
  }
  auto resource = key_value_list(get("OTEL_RESOURCE_ATTRIBUTES"));
  if (!resource) {
    return Error{Errc::invalid_argument,
                 "OTEL_RESOURCE_ATTRIBUTES: expected key=value pairs separated by commas"};
  }
  c.otel_resource_attributes = std::move(*resource);
  // OTEL_SERVICE_NAME, else service.name from the resource attributes, else objectvision.
  std::string service;
  r.str("OTEL_SERVICE_NAME", service);
  for (const auto& [key, value] : c.otel_resource_attributes) {
    if (service.empty() && key == "service.name") service = value;
  }
  c.otel_service_name = service.empty() ? "objectvision" : service;
  r.choice("OTEL_TRACES_SAMPLER", c.otel_sampler,
           {"always_on", "always_off", "traceidratio", "parentbased_always_on",
            "parentbased_always_off", "parentbased_traceidratio"});
  if (c.otel_sampler.ends_with("traceidratio")) {
    r.number("OTEL_TRACES_SAMPLER_ARG", c.otel_sampler_arg, 0.0, 1.0);
  }
  r.integer("OTEL_BSP_SCHEDULE_DELAY", c.otel_schedule_delay_ms, 1, 3'600'000);
  r.integer("OTEL_BSP_MAX_QUEUE_SIZE", c.otel_max_queue_size, 1, 10'000'000);
  r.integer("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", c.otel_max_export_batch_size, 1, 10'000'000);
  r.integer("OTEL_EXPORTER_OTLP_TIMEOUT", c.otel_export_timeout_ms, 1, 3'600'000);
  r.integer("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", c.otel_export_timeout_ms, 1, 3'600'000);
  return std::nullopt;
}

std::string percent_encode(const std::string& v) {
  std::string out;
  for (unsigned char ch : v) {
    if (std::isalnum(ch) || ch == '-' || ch == '.' || ch == '_' || ch == '~') {
      out.push_back(static_cast<char>(ch));
    } else {
      out += fmt::format("%{:02X}", ch);
    }
  }
  return out;
}

// DB_* parts as a libpq connection URI.
std::string pg_url_from_parts(const Config& c) {
  std::string auth;
  if (!c.db_user.empty()) {
    auth = percent_encode(c.db_user);
    if (!c.db_password.empty()) auth += ":" + percent_encode(c.db_password);
    auth += "@";
  }
  return fmt::format("postgresql://{}{}:{}/{}", auth, percent_encode(c.db_host), c.db_port,
                     percent_encode(c.db_name.empty() ? "objectvision" : c.db_name));
}

}  // namespace

Result<Config> load(const Vars& vars) {
  Config c;
  Reader r(vars);
  r.choice("ENVIRONMENT", c.environment, {"development", "production", "test", "staging"});
  r.str("API_BASE_URL", c.api_base_url);
  r.str("FRONTEND_BASE_URL", c.frontend_base_url);
  r.str("FRONTEND_SUCCESS_URL", c.frontend_success_url);
  r.str("FRONTEND_ERROR_URL", c.frontend_error_url);
  r.str("DB_HOST", c.db_host);
  r.integer("DB_PORT", c.db_port, 1, 65535);
  r.str("DB_USER", c.db_user);
  r.str("DB_NAME", c.db_name);
  r.str("DB_PASSWORD", c.db_password);
  r.str("DATABASE_URL", c.database_url);
  r.str("REDIS_HOST", c.redis_host);
  r.integer("REDIS_PORT", c.redis_port, 1, 65535);
  r.str("REDIS_URL", c.redis_url);
  r.str("JWT_SECRET_KEY", c.jwt_secret_key);
  r.str("JWT_ALGORITHM", c.jwt_algorithm);
  r.integer("ACCESS_TOKEN_EXPIRE_MINUTES", c.access_token_expire_minutes, 1, 60 * 24 * 30);
  r.integer("REFRESH_TOKEN_EXPIRE_DAYS", c.refresh_token_expire_days, 1, 365);
  r.str("BREVO_API_URL", c.brevo_api_url);
  r.str("BREVO_API_KEY", c.brevo_api_key);
  r.str("EMAIL_SENDER", c.email_sender);
  r.choice("EMAIL_TRANSPORT", c.email_transport, {"outbox", "smtp", "brevo", "off"});
  r.str("SMTP_URL", c.smtp_url);
  r.str("SMTP_USERNAME", c.smtp_username);
  r.str("SMTP_PASSWORD", c.smtp_password);
  r.integer("MAIL_MAX_ATTEMPTS", c.mail_max_attempts, 1, 100);
  r.number("MAIL_RETRY_BACKOFF_SECONDS", c.mail_retry_backoff_s, 0, 86400);
  r.str("EMAIL_SENDER_NAME", c.email_sender_name);
  r.str("COMPANY_NAME", c.company_name);
  r.str("MODEL_PATH", c.model_path);
  r.str("MODELS_DIR", c.models_dir);
  r.str("DEFAULT_MODEL", c.default_model);
  r.number("CONFIDENCE_THRESHOLD", c.confidence_threshold, 0.0, 1.0);
  r.str("HOST", c.host);
  r.integer("PORT", c.port, 0, 65535);
  r.integer("METRICS_PORT", c.metrics_port, 0, 65535);
  r.str("METRICS_TOKEN", c.metrics_token);
  r.str("DATA_DIR", c.data_dir);
  r.str("STORAGE_URL", c.storage_url);
  r.str("AWS_ENDPOINT_URL", c.s3_endpoint);
  r.str("AWS_ENDPOINT_URL_S3", c.s3_endpoint);  // the S3 one wins, as in AWS's tools
  r.str("AWS_DEFAULT_REGION", c.s3_region);
  r.str("AWS_REGION", c.s3_region);
  r.str("AWS_ACCESS_KEY_ID", c.aws_access_key_id);
  r.str("AWS_SECRET_ACCESS_KEY", c.aws_secret_access_key);
  r.str("AWS_SESSION_TOKEN", c.aws_session_token);
  r.choice("S3_ADDRESSING_STYLE", c.s3_addressing_style, {"auto", "path", "virtual"});
  r.integer("S3_TIMEOUT_SECONDS", c.s3_timeout_s, 1, 3600);
  r.integer("S3_ATTEMPTS", c.s3_attempts, 1, 10);
  r.integer("S3_PRESIGN_SECONDS", c.s3_presign_seconds, 0, 604800);
  std::string cors;
  r.str("CORS_ORIGINS", cors);
  c.cors_origins = split_list(cors);
  r.number("MAX_UPLOAD_MB", c.max_upload_mb, 0.001, 4096);
  r.rate("RATE_LIMIT_PER_MINUTE", "RATE_LIMIT_BURST", c.rate_ip);
  r.rate("RATE_LIMIT_USER_PER_MINUTE", "RATE_LIMIT_USER_BURST", c.rate_user);
  r.rate("RATE_LIMIT_AUTH_PER_MINUTE", "RATE_LIMIT_AUTH_BURST", c.rate_auth);
  r.rate("RATE_LIMIT_LOGIN_ACCOUNT_PER_MINUTE", "RATE_LIMIT_LOGIN_ACCOUNT_BURST",
         c.rate_login_account);
  r.rate("DEEPSTACK_RATE_LIMIT_PER_MINUTE", "DEEPSTACK_RATE_LIMIT_BURST", c.rate_camera);
  std::string anonymous = c.deepstack_anonymous ? "true" : "false";
  r.choice("DEEPSTACK_ANONYMOUS", anonymous, {"true", "false"});
  c.deepstack_anonymous = anonymous == "true";
  r.integer("DEEPSTACK_MAX_PREDICTIONS", c.deepstack_max_predictions, 0, 100'000);
  r.integer("DEEPSTACK_DUPLICATE_WINDOW_MS", c.deepstack_duplicate_window_ms, 0, 60'000);
  if (auto it = vars.find("MODEL_ALIASES"); it != vars.end()) {
    auto aliases = model_aliases(it->second);
    if (aliases) {
      c.model_aliases = std::move(*aliases);
    } else {
      r.fail(
          "MODEL_ALIASES: expected name=model pairs separated by commas (model * is the "
          "default model; names of letters, digits, '.', '_' and '-'), got '" +
          it->second + "'");
    }
  }
  r.choice("LOG_LEVEL", c.log_level, {"trace", "debug", "info", "warning", "error", "critical"});
  r.choice("LOG_FORMAT", c.log_format, {"json", "text"});
  r.u64("ARGON2_OPS", c.argon2_ops, 1, 20);
  r.u64("ARGON2_MEMORY_KIB", c.argon2_memory_kib, 8, 4 * 1024 * 1024);
  r.integer("IO_THREADS", c.io_threads, 0, 256);
  r.integer("WORKER_THREADS", c.worker_threads, 1, 1024);
  r.integer("BLOCKING_QUEUE_MAX", c.blocking_queue_max, 1, 1'000'000);
  r.integer("CACHE_CAPACITY", c.cache_capacity, 1, 100'000'000);
  r.number("CACHE_LOCAL_TTL_SECONDS", c.cache_local_ttl_s, 0.001, 86400);
  r.integer("DB_POOL_SIZE", c.db_pool_size, 1, 1024);
  r.integer("REQUEST_TIMEOUT_SECONDS", c.request_timeout_s, 1, 3600);
  r.integer("KEEPALIVE_TIMEOUT_SECONDS", c.keepalive_timeout_s, 1, 3600);
  r.integer("SHUTDOWN_GRACE_SECONDS", c.shutdown_grace_s, 0, 3600);
  r.integer("MAX_CONNECTIONS", c.max_connections, 1, 1'000'000);
  r.integer("MAX_WEBSOCKETS_PER_USER", c.max_websockets_per_user, 0, 100'000);
  r.integer("WS_RECHECK_SECONDS", c.ws_recheck_s, 1, 86400);
  r.number("MIN_UPLOAD_BYTES_PER_SECOND", c.min_upload_bytes_per_s, 0, 1e12);
  r.integer("UPLOAD_GRACE_SECONDS", c.upload_grace_s, 0, 3600);
  r.str("TRUSTED_PROXIES", c.trusted_proxies);
  r.integer("WORKER_CONCURRENCY", c.worker_concurrency, 0, 256);
  r.integer("SERVE_WORKERS", c.serve_workers, 0, 256);
  r.number("JOB_VISIBILITY_TIMEOUT_SECONDS", c.job_visibility_timeout_s, 0.5, 86400);
  r.integer("JOB_MAX_ATTEMPTS", c.job_max_attempts, 1, 100);
  r.number("JOB_RETRY_BACKOFF_SECONDS", c.job_retry_backoff_s, 0, 3600);
  r.integer("JOB_TIMEOUT_SECONDS", c.job_timeout_s, 1, 86400);
  r.number("RECONCILE_INTERVAL_SECONDS", c.reconcile_interval_s, 0.1, 86400);
  std::string scheduler = c.scheduler ? "on" : "off";
  r.choice("SCHEDULER", scheduler, {"on", "off"});
  c.scheduler = scheduler == "on";
  r.str("SCHEDULE_TOKENS_PURGE", c.schedule_tokens_purge);
  r.str("SCHEDULE_BACKUP", c.schedule_backup);
  r.integer("BACKUP_KEEP", c.backup_keep_days, 1, 3650);
  r.number("RETENTION_DAYS", c.retention_days, 0, 36500);
  std::string keep_annotated = c.retention_keep_annotated ? "true" : "false";
  r.choice("RETENTION_KEEP_ANNOTATED", keep_annotated, {"true", "false"});
  c.retention_keep_annotated = keep_annotated == "true";
  r.str("SCHEDULE_RETENTION", c.schedule_retention);
  r.str("SCHEDULE_DAILY_REPORT", c.schedule_daily_report);
  r.number("WORKER_HEARTBEAT_WINDOW_SECONDS", c.worker_heartbeat_window_s, 0.6, 86400);
  r.integer("QUEUE_MAX_DEPTH", c.queue_max_depth, 1, 10'000'000);
  r.integer("MAX_JOBS_IN_FLIGHT_PER_USER", c.max_jobs_in_flight_per_user, 1, 1'000'000);
  r.integer("WAIT_TIMEOUT_SECONDS", c.wait_timeout_s, 0, 600);
  r.integer("MAX_BATCH_IMAGES", c.max_batch_images, 1, 1000);
  double pixels = static_cast<double>(c.max_image_pixels);
  r.number("MAX_IMAGE_PIXELS", pixels, 1, 1e10);
  c.max_image_pixels = static_cast<std::int64_t>(pixels);
  r.integer("MAX_TILES", c.max_tiles, 1, 10'000);
  r.integer("INFERENCE_THREADS", c.inference_threads, 0, 256);
  // A job worker per core that inference may use: INFERENCE_THREADS (a container's CPU limit)
  // when it is set, else the machine's cores.
  if (c.worker_concurrency == 0) {
    c.worker_concurrency =
        c.inference_threads > 0
            ? c.inference_threads
            : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  }
  std::string adaptive = c.inference_adaptive_threads ? "true" : "false";
  r.choice("INFERENCE_ADAPTIVE_THREADS", adaptive, {"true", "false"});
  c.inference_adaptive_threads = adaptive == "true";
  std::string reduced = c.inference_reduced_decode ? "true" : "false";
  r.choice("INFERENCE_REDUCED_DECODE", reduced, {"true", "false"});
  c.inference_reduced_decode = reduced == "true";
  r.integer("INFERENCE_SLOTS", c.inference_slots, 1, 256);
  r.integer("INFERENCE_NICE", c.inference_nice, 0, 19);
  r.integer("INFERENCE_WARM_UP_RUNS", c.inference_warm_up_runs, 0, 20);
  r.integer("INFERENCE_QUEUE_MAX", c.inference_queue_max, 0, 100'000);
  if (auto bad = read_tracing(vars, r, c)) return *bad;
  if (r.error()) return *r.error();

  if (c.jwt_algorithm != "HS256") {
    return Error{Errc::invalid_argument,
                 fmt::format("JWT_ALGORITHM: only HS256 is supported, got '{}'", c.jwt_algorithm)};
  }
  if (c.production() && c.jwt_secret_key.empty()) {
    return Error{Errc::invalid_argument,
                 "JWT_SECRET_KEY: required when ENVIRONMENT=production (generate one with "
                 "`openssl rand -base64 48`)"};
  }
  if (c.production() && c.jwt_secret_key.size() < 32) {
    return Error{Errc::invalid_argument,
                 "JWT_SECRET_KEY: must be at least 32 bytes when ENVIRONMENT=production (HS256 "
                 "wants a key as long as its hash; generate one with `openssl rand -base64 48`)"};
  }
  if (!c.jwt_secret_key.empty() && c.jwt_secret_key.size() < 16) {
    return Error{Errc::invalid_argument, "JWT_SECRET_KEY: must be at least 16 characters"};
  }
  if (auto networks = parse_cidrs(c.trusted_proxies)) {
    c.trusted_proxy_networks = std::move(*networks);
  } else {
    return Error{Errc::invalid_argument,
                 fmt::format("TRUSTED_PROXIES: expected addresses or networks (CIDR) separated "
                             "by commas, got '{}'",
                             c.trusted_proxies)};
  }
  if (c.data_dir.empty()) return Error{Errc::invalid_argument, "DATA_DIR: must not be empty"};
  if (auto bad = resolve_storage(c)) return *bad;
  if (c.email_transport == "smtp" && !c.smtp_url.starts_with("smtp://") &&
      !c.smtp_url.starts_with("smtps://")) {
    return Error{Errc::invalid_argument,
                 fmt::format("SMTP_URL: expected smtp://host:port or smtps://host:port with "
                             "EMAIL_TRANSPORT=smtp, got '{}'",
                             c.smtp_url)};
  }
  if (c.email_transport == "brevo" && c.brevo_api_key.empty()) {
    return Error{Errc::invalid_argument, "BREVO_API_KEY: required with EMAIL_TRANSPORT=brevo"};
  }
  if ((c.email_transport == "smtp" || c.email_transport == "brevo") &&
      c.email_sender.find('@') == std::string::npos) {
    return Error{Errc::invalid_argument,
                 fmt::format("EMAIL_SENDER: an address is required with EMAIL_TRANSPORT={}",
                             c.email_transport)};
  }
  if (c.io_threads == 0)
    c.io_threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));

  if (c.database_url.empty() && !c.db_host.empty()) c.database_url = pg_url_from_parts(c);
  if (c.database_url.empty()) c.database_url = "sqlite://" + c.data_dir + "/objectvision.db";
  if (c.database_url.rfind("sqlite://", 0) != 0 && c.database_url.rfind("postgres", 0) != 0) {
    return Error{Errc::invalid_argument, "DATABASE_URL: expected a postgresql:// or sqlite:// URL"};
  }
  if (c.redis_url.empty() && !c.redis_host.empty()) {
    c.redis_url = fmt::format("redis://{}:{}", c.redis_host, c.redis_port);
  }
  if (!c.redis_url.empty() && c.redis_url.rfind("redis://", 0) != 0) {
    return Error{Errc::invalid_argument, "REDIS_URL: expected a redis:// URL"};
  }
  return c;
}

}  // namespace ov::config
