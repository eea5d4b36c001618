#include <fmt/format.h>

#include "config/config.hpp"

namespace ov::config {
namespace {

// name=value,... with the values masked when they may be credentials.
std::string pairs(const std::vector<std::pair<std::string, std::string>>& items, bool secret) {
  std::string out;
  for (const auto& [name, value] : items) {
    out += (out.empty() ? "" : ",") + name + "=" + (secret ? std::string("****") : value);
  }
  return out;
}

std::string mask(const std::string& secret) {
  return secret.empty() ? "" : "****";
}

// postgresql://user:secret@host/db -> postgresql://user:****@host/db
std::string mask_url(const std::string& url) {
  auto scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  auto at = url.find('@', scheme + 3);
  if (at == std::string::npos) return url;
  auto colon = url.find(':', scheme + 3);
  if (colon == std::string::npos || colon > at) return url;
  return url.substr(0, colon + 1) + "****" + url.substr(at);
}

std::string aliases(const std::vector<std::pair<std::string, std::string>>& pairs) {
  std::string out;
  for (const auto& [alias, model] : pairs) out += (out.empty() ? "" : ",") + alias + "=" + model;
  return out;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ",") + i;
  return out;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> describe(const Config& c) {
  auto num = [](double v) { return fmt::format("{}", v); };
  return {
      {"ENVIRONMENT", c.environment},
      {"HOST", c.host},
      {"PORT", std::to_string(c.port)},
      {"METRICS_PORT",
       c.metrics_port == 0 ? std::string("(PORT)") : std::to_string(c.metrics_port)},
      {"METRICS_TOKEN", mask(c.metrics_token)},
      {"DATA_DIR", c.data_dir},
      {"STORAGE_URL", c.storage_url},
      {"AWS_ENDPOINT_URL_S3", c.object_storage() ? c.s3_endpoint : ""},
      {"AWS_REGION", c.object_storage() ? c.s3_region : ""},
      {"AWS_ACCESS_KEY_ID", c.aws_access_key_id},
      {"AWS_SECRET_ACCESS_KEY", mask(c.aws_secret_access_key)},
      {"AWS_SESSION_TOKEN", mask(c.aws_session_token)},
      {"S3_ADDRESSING_STYLE", c.s3_addressing_style},
      {"S3_TIMEOUT_SECONDS", std::to_string(c.s3_timeout_s)},
      {"S3_ATTEMPTS", std::to_string(c.s3_attempts)},
      {"S3_PRESIGN_SECONDS", std::to_string(c.s3_presign_seconds)},
      {"API_BASE_URL", c.api_base_url},
      {"FRONTEND_BASE_URL", c.frontend_base_url},
      {"FRONTEND_SUCCESS_URL", c.frontend_success_url},
      {"FRONTEND_ERROR_URL", c.frontend_error_url},
      {"DATABASE_URL", mask_url(c.database_url)},
      {"DB_HOST", c.db_host},
      {"DB_PORT", std::to_string(c.db_port)},
      {"DB_USER", c.db_user},
      {"DB_NAME", c.db_name},
      {"DB_PASSWORD", mask(c.db_password)},
      {"DB_POOL_SIZE", std::to_string(c.db_pool_size)},
      {"REDIS_URL", c.redis_url.empty() ? "(embedded: none)" : mask_url(c.redis_url)},
      {"JWT_SECRET_KEY",
       c.jwt_secret_key.empty() ? "(generated in DATA_DIR)" : mask(c.jwt_secret_key)},
      {"JWT_ALGORITHM", c.jwt_algorithm},
      {"ACCESS_TOKEN_EXPIRE_MINUTES", std::to_string(c.access_token_expire_minutes)},
      {"REFRESH_TOKEN_EXPIRE_DAYS", std::to_string(c.refresh_token_expire_days)},
      {"BREVO_API_URL", c.brevo_api_url},
      {"BREVO_API_KEY", mask(c.brevo_api_key)},
      {"EMAIL_SENDER", c.email_sender},
      {"EMAIL_SENDER_NAME", c.email_sender_name},
      {"EMAIL_TRANSPORT", c.email_transport},
      {"SMTP_URL", mask_url(c.smtp_url)},
      {"SMTP_USERNAME", c.smtp_username},
      {"SMTP_PASSWORD", mask(c.smtp_password)},
      {"MAIL_MAX_ATTEMPTS", std::to_string(c.mail_max_attempts)},
      {"MAIL_RETRY_BACKOFF_SECONDS", num(c.mail_retry_backoff_s)},
      {"COMPANY_NAME", c.company_name},
      {"MODEL_PATH", c.model_path},
      {"MODELS_DIR", c.models_dir},
      {"DEFAULT_MODEL", c.default_model},
      {"CONFIDENCE_THRESHOLD", num(c.confidence_threshold)},
      {"CORS_ORIGINS", join(c.cors_origins)},
      {"MAX_UPLOAD_MB", num(c.max_upload_mb)},
      {"RATE_LIMIT_PER_MINUTE", num(c.rate_ip.per_minute)},
      {"RATE_LIMIT_BURST", num(c.rate_ip.burst)},
      {"RATE_LIMIT_USER_PER_MINUTE", num(c.rate_user.per_minute)},
      {"RATE_LIMIT_USER_BURST", num(c.rate_user.burst)},
      {"RATE_LIMIT_AUTH_PER_MINUTE", num(c.rate_auth.per_minute)},
      {"RATE_LIMIT_AUTH_BURST", num(c.rate_auth.burst)},
      {"RATE_LIMIT_LOGIN_ACCOUNT_PER_MINUTE", num(c.rate_login_account.per_minute)},
      {"RATE_LIMIT_LOGIN_ACCOUNT_BURST", num(c.rate_login_account.burst)},
      {"DEEPSTACK_RATE_LIMIT_PER_MINUTE", num(c.rate_camera.per_minute)},
      {"DEEPSTACK_RATE_LIMIT_BURST", num(c.rate_camera.burst)},
      {"DEEPSTACK_ANONYMOUS", c.deepstack_anonymous ? "true" : "false"},
      {"DEEPSTACK_MAX_PREDICTIONS", std::to_string(c.deepstack_max_predictions)},
      {"DEEPSTACK_DUPLICATE_WINDOW_MS", std::to_string(c.deepstack_duplicate_window_ms)},
      {"MODEL_ALIASES", aliases(c.model_aliases)},
      {"LOG_LEVEL", c.log_level},
      {"LOG_FORMAT", c.log_format},
      {"ARGON2_OPS", std::to_string(c.argon2_ops)},
      {"ARGON2_MEMORY_KIB", std::to_string(c.argon2_memory_kib)},
      {"IO_THREADS", std::to_string(c.io_threads)},
      {"WORKER_THREADS", std::to_string(c.worker_threads)},
      {"BLOCKING_QUEUE_MAX", std::to_string(c.blocking_queue_max)},
      {"CACHE_CAPACITY", std::to_string(c.cache_capacity)},
      {"CACHE_LOCAL_TTL_SECONDS", num(c.cache_local_ttl_s)},
      {"REQUEST_TIMEOUT_SECONDS", std::to_string(c.request_timeout_s)},
      {"KEEPALIVE_TIMEOUT_SECONDS", std::to_string(c.keepalive_timeout_s)},
      {"SHUTDOWN_GRACE_SECONDS", std::to_string(c.shutdown_grace_s)},
      {"MAX_CONNECTIONS", std::to_string(c.max_connections)},
      {"MAX_WEBSOCKETS_PER_USER", std::to_string(c.max_websockets_per_user)},
      {"WS_RECHECK_SECONDS", std::to_string(c.ws_recheck_s)},
      {"MIN_UPLOAD_BYTES_PER_SECOND", num(c.min_upload_bytes_per_s)},
      {"UPLOAD_GRACE_SECONDS", std::to_string(c.upload_grace_s)},
      {"TRUSTED_PROXIES", c.trusted_proxies},
      {"WORKER_CONCURRENCY", std::to_string(c.worker_concurrency)},
      {"SERVE_WORKERS", std::to_string(c.effective_serve_workers())},
      {"JOB_VISIBILITY_TIMEOUT_SECONDS", num(c.job_visibility_timeout_s)},
      {"JOB_MAX_ATTEMPTS", std::to_string(c.job_max_attempts)},
      {"JOB_RETRY_BACKOFF_SECONDS", num(c.job_retry_backoff_s)},
      {"JOB_TIMEOUT_SECONDS", std::to_string(c.job_timeout_s)},
      {"RECONCILE_INTERVAL_SECONDS", num(c.reconcile_interval_s)},
      {"SCHEDULER", c.scheduler ? "on" : "off"},
      {"SCHEDULE_TOKENS_PURGE", c.schedule_tokens_purge},
      {"SCHEDULE_BACKUP", c.schedule_backup},
      {"BACKUP_KEEP", std::to_string(c.backup_keep_days)},
      {"RETENTION_DAYS", c.retention_days > 0 ? num(c.retention_days) : "0 (files kept)"},
      {"RETENTION_KEEP_ANNOTATED", c.retention_keep_annotated ? "true" : "false"},
      {"SCHEDULE_RETENTION", c.schedule_retention},
      {"SCHEDULE_DAILY_REPORT", c.schedule_daily_report},
      {"WORKER_HEARTBEAT_WINDOW_SECONDS", num(c.worker_heartbeat_window_s)},
      {"QUEUE_MAX_DEPTH", std::to_string(c.queue_max_depth)},
      {"MAX_JOBS_IN_FLIGHT_PER_USER", std::to_string(c.max_jobs_in_flight_per_user)},
      {"WAIT_TIMEOUT_SECONDS", std::to_string(c.wait_timeout_s)},
      {"MAX_BATCH_IMAGES", std::to_string(c.max_batch_images)},
      {"MAX_IMAGE_PIXELS", std::to_string(c.max_image_pixels)},
      {"MAX_TILES", std::to_string(c.max_tiles)},
      {"INFERENCE_THREADS", std::to_string(c.inference_threads)},
      {"INFERENCE_ADAPTIVE_THREADS", c.inference_adaptive_threads ? "true" : "false"},
      {"INFERENCE_REDUCED_DECODE", c.inference_reduced_decode ? "true" : "false"},
      {"INFERENCE_SLOTS", std::to_string(c.inference_slots)},
      {"INFERENCE_NICE", std::to_string(c.inference_nice)},
      {"INFERENCE_WARM_UP_RUNS", std::to_string(c.inference_warm_up_runs)},
      {"INFERENCE_QUEUE_MAX", std::to_string(c.inference_queue_max)},
      {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
       c.otel_traces_endpoint.empty() ? "(tracing off)" : mask_url(c.otel_traces_endpoint)},
      {"OTEL_EXPORTER_OTLP_HEADERS", pairs(c.otel_headers, true)},
      {"OTEL_SERVICE_NAME", c.otel_service_name},
      {"OTEL_RESOURCE_ATTRIBUTES", pairs(c.otel_resource_attributes, false)},
      {"OTEL_TRACES_SAMPLER", c.otel_sampler},
      {"OTEL_TRACES_SAMPLER_ARG", num(c.otel_sampler_arg)},
      {"OTEL_BSP_SCHEDULE_DELAY", std::to_string(c.otel_schedule_delay_ms)},
      {"OTEL_BSP_MAX_QUEUE_SIZE", std::to_string(c.otel_max_queue_size)},
      {"OTEL_BSP_MAX_EXPORT_BATCH_SIZE", std::to_string(c.otel_max_export_batch_size)},
      {"OTEL_EXPORTER_OTLP_TIMEOUT", std::to_string(c.otel_export_timeout_ms)},
  };
}

}  // namespace ov::config
