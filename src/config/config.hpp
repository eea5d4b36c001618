#pragma once
// The effective configuration: the process environment over `.env.<ENVIRONMENT>` over `.env`.
// Every variable is documented in .env.example; an invalid value stops the start with a
// message naming the variable.
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/cidr.hpp"
#include "core/error.hpp"

namespace ov::config {

using Vars = std::map<std::string, std::string>;

struct RateLimitSetting {
  double per_minute = 0;  // 0 disables the limit
  double burst = 0;
};

struct Config {
  // The old service's variables.
  std::string environment = "development";  // development | production | test
  std::string api_base_url;
  std::string frontend_base_url;
  std::string frontend_success_url;
  std::string frontend_error_url;
  std::string database_url;  // effective: DATABASE_URL, DB_* or sqlite:// in DATA_DIR
  std::string db_host, db_user, db_name, db_password;
  int db_port = 5432;
  std::string redis_url;  // effective: REDIS_URL or REDIS_HOST/REDIS_PORT; empty = embedded
  std::string redis_host;
  int redis_port = 6379;
  std::string jwt_secret_key;  // empty until ensure_jwt_secret() in development
  std::string jwt_algorithm = "HS256";
  int access_token_expire_minutes = 15;
  int refresh_token_expire_days = 7;
  std::string brevo_api_url = "https://api.brevo.com/v3/smtp/email";
  std::string brevo_api_key;
  std::string email_sender;  // From: address; required for smtp and brevo
  std::string email_sender_name = "ObjectVision";
  std::string company_name = "ObjectVision";
  std::string model_path;
  std::string default_model;  // DEFAULT_MODEL: a name in MODELS_DIR; empty = the first
  double confidence_threshold = 0.25;

  // Ours.
  std::string host = "0.0.0.0";
  int port = 8000;
  // GET /metrics: on PORT unless METRICS_PORT is set (then there only, for serve and for
  // workers); with METRICS_TOKEN set, only for "Authorization: Bearer <token>".
  int metrics_port = 0;
  std::string metrics_token;
  std::string data_dir = "./data";
  // Files of jobs (uploads, annotated images): STORAGE_URL file://PATH (the default:
  // DATA_DIR/files) or s3://BUCKET[/PREFIX] on an S3-compatible store, configured as AWS's
  // tools are: AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID,
  // AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION (or AWS_DEFAULT_REGION).
  std::string storage_url;  // effective
  std::string files_dir;    // file://: the directory
  std::string s3_bucket;    // s3://
  std::string s3_prefix;    // "" or ending in '/'
  std::string s3_endpoint;  // effective: https://s3.<region>.amazonaws.com when unset
  std::string s3_region = "us-east-1";
  std::string aws_access_key_id;
  std::string aws_secret_access_key;
  std::string aws_session_token;
  // S3_ADDRESSING_STYLE: path (endpoint/bucket/key), virtual (bucket.endpoint/key) or auto:
  // path with AWS_ENDPOINT_URL* (MinIO, Ceph, Garage, s3rver), virtual on AWS.
  std::string s3_addressing_style = "auto";
  int s3_timeout_s = 30;  // one request to the store, connection included
  int s3_attempts = 3;    // tries of a request that failed on the network or with a 5xx
  // S3_PRESIGN_SECONDS: 0 (the default) serves images through the API; N > 0 answers the image
  // routes with a redirect (307) to a presigned URL of the store valid N seconds, once the
  // caller's right to the image is checked (the endpoint must then be reachable by clients).
  int s3_presign_seconds = 0;
  std::string models_dir = "models";
  std::vector<std::string> cors_origins;
  double max_upload_mb = 10;
  RateLimitSetting rate_ip{600, 120};
  RateLimitSetting rate_user{300, 60};
  RateLimitSetting rate_auth{30, 10};
  RateLimitSetting rate_login_account{10, 10};  // login attempts per account, any address
  // DeepStack / CodeProject.AI routes (NVRs, home automation): their own bucket per client IP
  // instead of the general one (a few cameras behind one NVR send many frames a second).
  RateLimitSetting rate_camera{3000, 100};
  bool deepstack_anonymous = false;          // serve them without a key or token
  int deepstack_max_predictions = 20;        // predictions per answer; 0 = all (Frigate: 20)
  int deepstack_duplicate_window_ms = 2000;  // the same frame again within this: no inference
  // MODEL_ALIASES: name=model pairs, "*" the default model (Blue Iris's model names).
  std::vector<std::pair<std::string, std::string>> model_aliases{{"ipcam-general", "*"},
                                                                 {"ipcam-combined", "*"}};
  std::string log_level = "info";
  std::string log_format = "json";
  std::uint64_t argon2_ops = 2;
  std::uint64_t argon2_memory_kib = 19456;
  int io_threads = 0;            // 0 = number of cores
  int worker_threads = 8;        // blocking work: database, password hashing
  int blocking_queue_max = 256;  // requests waiting for or on the blocking pool (503 beyond)
  int cache_capacity = 10000;    // entries per in-process cache
  double cache_local_ttl_s = 5;  // scaled: how long a node keeps a cached value at most
  int db_pool_size = 8;
  int request_timeout_s = 30;
  int keepalive_timeout_s = 60;
  int shutdown_grace_s = 25;
  int max_connections = 1024;             // open HTTP + WebSocket connections per process
  int max_websockets_per_user = 16;       // per process
  int ws_recheck_s = 60;                  // an open WebSocket's token is checked this often
  double min_upload_bytes_per_s = 16384;  // slowest accepted body after the grace period
  int upload_grace_s = 10;
  std::string trusted_proxies;  // CIDRs whose X-Forwarded-For / Forwarded name the client
  std::vector<Cidr> trusted_proxy_networks;  // the same, parsed

  // Detection jobs.
  int worker_concurrency = 0;  // jobs at a time per worker process; 0 (as read): the
                               // inference cores (INFERENCE_THREADS, else the machine's)
  int serve_workers = -1;      // in-process workers of `serve`; -1: worker_concurrency when
                               // embedded, 0 when scaled (API nodes only)
  double job_visibility_timeout_s = 60;
  int job_max_attempts = 3;
  double job_retry_backoff_s = 2;
  int job_timeout_s = 600;
  double reconcile_interval_s = 30;  // the jobs reconciler's period (a scheduled task)
  // Scheduled tasks (src/schedule): serve runs the scheduler unless SCHEDULER=off; each due
  // time runs once across every scheduler. Schedules: "@every 1h", cron "30 2 * * *", "off".
  // Email (src/mail): outbox (.eml files in DATA_DIR/outbox, the embedded default), smtp,
  // brevo, or off. Mail is stored and sent in the background with retries.
  std::string email_transport = "outbox";
  std::string smtp_url;  // smtp://host:587 (STARTTLS when offered) or smtps://host:465
  std::string smtp_username, smtp_password;
  int mail_max_attempts = 5;
  double mail_retry_backoff_s = 30;
  bool scheduler = true;
  std::string schedule_tokens_purge = "@every 1h";
  std::string schedule_backup = "30 2 * * *";  // embedded: the SQLite database, nightly
  int backup_keep_days = 7;                    // backups older than this are deleted
  // Retention: the originals of jobs that ended more than this many days ago are deleted (the
  // results, and the annotated images unless RETENTION_KEEP_ANNOTATED=false, stay); 0: never.
  double retention_days = 0;
  bool retention_keep_annotated = true;
  std::string schedule_retention = "@every 1h";
  // The opt-in daily report mail (users turn it on in their settings): when it is made, UTC.
  std::string schedule_daily_report = "0 7 * * *";
  // /health/workers lists the workers heard from within this window; each one sends a
  // heartbeat every sixth of it (5 s by default), busy or idle.
  double worker_heartbeat_window_s = 30;
  int queue_max_depth = 1000;
  int max_jobs_in_flight_per_user = 20;
  int wait_timeout_s = 30;
  int max_batch_images = 20;
  std::int64_t max_image_pixels = 40'000'000;
  int max_tiles = 64;         // tiles per image (with `tile=`), the whole image included
  int inference_threads = 0;  // ONNX Runtime intra-op threads; 0 = cores
  bool inference_adaptive_threads = true;  // runs that overlap take a core each (CoreBudget)
  bool inference_reduced_decode = true;    // big JPEGs decoded at 1/2, 1/4, 1/8 of their size
  int inference_slots = 1;                 // detections requests wait for (DeepStack) run at once
  int inference_nice = 10;         // nice increment of inference threads (0: as the requests')
  int inference_warm_up_runs = 3;  // synthetic photos through each model at load and per slot
  int inference_queue_max = 32;    // ...and wait for a slot at most; 503 beyond

  // Tracing, with OpenTelemetry's variables: spans go as OTLP/HTTP JSON to
  // OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, or OTEL_EXPORTER_OTLP_ENDPOINT + "/v1/traces"; empty
  // (the default, or OTEL_SDK_DISABLED=true, or OTEL_TRACES_EXPORTER=none): off.
  std::string otel_traces_endpoint;
  std::vector<std::pair<std::string, std::string>> otel_headers;  // may hold credentials
  std::string otel_service_name = "objectvision";
  std::vector<std::pair<std::string, std::string>> otel_resource_attributes;
  std::string otel_sampler = "parentbased_always_on";
  double otel_sampler_arg = 1.0;
  int otel_schedule_delay_ms = 5000;
  int otel_max_queue_size = 2048;
  int otel_max_export_batch_size = 512;
  int otel_export_timeout_ms = 10000;

  int effective_serve_workers() const {
    return serve_workers >= 0 ? serve_workers : (scaled() ? 0 : worker_concurrency);
  }

  std::size_t max_body_bytes() const {
    return static_cast<std::size_t>(max_upload_mb * 1024.0 * 1024.0);
  }
  bool scaled() const { return !redis_url.empty(); }
  bool object_storage() const { return storage_url.starts_with("s3://"); }
  bool production() const { return environment == "production"; }
};

// Reads `.env` then `.env.<ENVIRONMENT>` from `dir` (missing files are fine), then the process
// environment on top.
Vars read_vars(const std::string& dir, char** environ_vars);
// Parses one .env text: KEY=VALUE lines, `export` prefixes, quotes, # comments.
Vars parse_dotenv(const std::string& text);

Result<Config> load(const Vars& vars);

// Development: a random key generated once into DATA_DIR/jwt_secret (0600) and reused.
// Production without JWT_SECRET_KEY is refused by load().
Result<void> ensure_jwt_secret(Config& config);

// NAME=value pairs of the effective configuration with secrets masked (`config check`).
std::vector<std::pair<std::string, std::string>> describe(const Config& config);

}  // namespace ov::config
