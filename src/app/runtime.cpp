#include "app/runtime.hpp"

#include <unistd.h>

#include <filesystem>
#include <map>

#include <spdlog/spdlog.h>

#include "api/caches.hpp"
#include "api/model_changes.hpp"
#include "cache/redis.hpp"
#include "cache/shared_tier.hpp"
#include "core/host.hpp"
#include "core/ids.hpp"
#include "events/bus.hpp"
#include "files/file_store.hpp"
#include "files/local_store.hpp"
#include "files/s3_store.hpp"
#include "inference/engine.hpp"
#include "jobs/lifecycle.hpp"
#include "jobs/params.hpp"
#include "mail/mailer.hpp"
#include "mail/sender.hpp"
#include "mail/transport.hpp"
#include "queue/job_queue.hpp"
#include "queue/worker_registry.hpp"
#include "storage/database.hpp"
#include "storage/jobs.hpp"
#include "worker/early_runs.hpp"
#include "worker/processor.hpp"
#include "worker/worker_pool.hpp"

namespace ov::app {

Runtime::~Runtime() = default;

inference::EngineSettings engine_settings(const config::Config& c) {
  inference::EngineSettings s;
  s.models_dir = c.models_dir;
  s.model_path = c.model_path;
  s.default_model = c.default_model;
  s.confidence = static_cast<float>(c.confidence_threshold);
  s.intra_threads = c.inference_threads;
  s.adaptive_threads = c.inference_adaptive_threads;
  s.reduced_decode = c.inference_reduced_decode;
  s.nice = c.inference_nice;
  s.warm_up_runs = c.inference_warm_up_runs;
  s.max_pixels = c.max_image_pixels;
  s.max_tiles = c.max_tiles;
  for (const auto& [alias, model] : c.model_aliases) {
    s.aliases.emplace_back(alias, model == "*" ? std::string() : model);
  }
  return s;
}

namespace {

// The job-finished mail, when the user wants it and the job's client did not wait for its
// answer: counts per class from the job's objects.
void mail_job_finished(Runtime& rt, const Job& job) {
  if (auto params = jobs::params_from_json(job.params_json); params && !params->notify) return;
  auto user = rt.db->users().find_by_id(job.user_id);
  if (!user) return;
  const auto settings = rt.db->users().settings(job.user_id);
  const bool wanted = !settings || settings->notifications;
  std::map<std::string, std::int64_t> counts;
  if (wanted) {
    for (const auto& object : rt.db->jobs().objects(job.id)) ++counts[object.label];
  }
  rt.mailer->job_finished(*user, wanted, job, counts);
}

std::chrono::milliseconds heartbeat_window(const config::Config& c) {
  return std::chrono::milliseconds(static_cast<std::int64_t>(c.worker_heartbeat_window_s * 1000));
}

// STORAGE_URL: a directory, or a bucket of an S3-compatible store. A store that cannot be
// used at start is logged, not fatal: like a database restart, it may come back, and until
// then uploads answer 503 and queued jobs wait for it.
std::unique_ptr<files::FileStore> open_file_store(const config::Config& c) {
  if (!c.object_storage()) return std::make_unique<files::LocalFileStore>(c.files_dir);
  objstore::S3Settings s;
  s.endpoint = c.s3_endpoint;
  s.bucket = c.s3_bucket;
  s.prefix = c.s3_prefix;
  s.region = c.s3_region;
  s.credentials = {c.aws_access_key_id, c.aws_secret_access_key, c.aws_session_token};
  s.path_style = c.s3_addressing_style == "path";
  s.request_timeout = std::chrono::seconds(c.s3_timeout_s);
  s.connect_timeout =
      std::min<std::chrono::milliseconds>(s.request_timeout, std::chrono::seconds(5));
  s.attempts = c.s3_attempts;
  auto store = std::make_unique<files::S3FileStore>(std::move(s));
  if (auto usable = store->client().probe(); usable) {
    spdlog::info("files: {}", store->location());
  } else {
    spdlog::warn("files: {} cannot be used now: {}", store->location(), usable.error().message);
  }
  return store;
}

}  // namespace

Result<std::unique_ptr<Runtime>> open_runtime(config::Config config) {
  auto rt = std::make_unique<Runtime>();
  rt->config = std::move(config);
  const auto& c = rt->config;
  std::error_code ec;
  std::filesystem::create_directories(c.data_dir, ec);

  auto db = storage::open_database({c.database_url, c.db_pool_size});
  if (!db) return Error{db.error().code, "database: " + db.error().message};
  rt->db = std::move(db.value());
  if (auto applied = rt->db->migrate_up(); !applied) {
    return Error{applied.error().code, "migrations: " + applied.error().message};
  } else if (applied.value() > 0) {
    spdlog::info("applied {} migration(s)", applied.value());
  }

  if (c.scaled()) {
    // Claims block on a pooled connection: one per worker thread, plus the API's own use.
    int pool = c.worker_threads + c.worker_concurrency + c.effective_serve_workers() + 2;
    auto redis = cache::connect_redis({c.redis_url, pool});
    if (!redis) return Error{redis.error().code, "redis: " + redis.error().message};
    rt->redis = std::shared_ptr<cache::Redis>(std::move(redis.value()));
  }

  auto engine = inference::Engine::load(engine_settings(c));
  if (!engine) return Error{engine.error().code, "models: " + engine.error().message};
  rt->engine = std::move(engine.value());

  rt->files = open_file_store(c);

  if (rt->redis) {
    auto bus = events::make_redis_bus({c.redis_url, 2}, rt->redis);
    if (!bus) return Error{bus.error().code, "redis events: " + bus.error().message};
    rt->bus = std::move(bus.value());
  } else {
    rt->bus = events::make_local_bus();
  }

  queue::QueueSettings qs{c.queue_max_depth, c.job_max_attempts, c.job_visibility_timeout_s,
                          c.job_retry_backoff_s};
  if (rt->redis) {
    rt->queue = queue::make_redis_queue(*rt->redis, qs);
    rt->workers = queue::make_redis_worker_registry(*rt->redis, heartbeat_window(c));
  } else {
    rt->queue = queue::make_database_queue(*rt->db, qs);
    rt->workers = queue::make_memory_worker_registry(heartbeat_window(c));
  }
  jobs::Settings js;
  js.max_in_flight_per_user = c.max_jobs_in_flight_per_user;
  js.max_attempts = c.job_max_attempts;
  js.max_depth = c.queue_max_depth;
  js.timeout = std::chrono::seconds(c.job_timeout_s);
  js.outbox = rt->redis != nullptr;
  Runtime* raw = rt.get();
  js.wake_workers = [raw] {
    if (auto* pool = raw->pool.load()) pool->notify();
  };
  mail::MailerSettings ms;
  ms.enabled = c.email_transport != "off";
  ms.company = c.company_name;
  ms.frontend_base_url = c.frontend_base_url;
  rt->mailer = std::make_unique<mail::Mailer>(rt->db->mail(), ms);
  js.on_finished = [raw](const Job& job) { mail_job_finished(*raw, job); };
  rt->jobs =
      std::make_unique<jobs::Lifecycle>(*rt->db, *rt->queue, *rt->files, *rt->bus, std::move(js));
  rt->processor = std::make_unique<worker::JobProcessor>(*rt->jobs, *rt->engine, *rt->files);
  rt->model_changes = std::make_unique<api::ModelChanges>(*rt->engine, *rt->bus);
  if (rt->redis) {
    rt->shared_cache =
        std::make_unique<cache::SharedTier>(*rt->redis, api::CacheSettings{}.shared_users);
    rt->jobs->set_observer([raw](const JobEvent& e) { api::forget_shared(*raw->shared_cache, e); });
  }
  return rt;
}

std::unique_ptr<worker::WorkerPool> start_workers(Runtime& rt, int count,
                                                  const std::string& prefix) {
  worker::PoolSettings ps;
  ps.concurrency = count;
  ps.visibility_timeout_s = rt.config.job_visibility_timeout_s;
  ps.id_prefix = prefix;
  ps.nice = rt.config.inference_nice;
  ps.heartbeat_every = heartbeat_window(rt.config) / 6;
  ps.claim_wait = rt.redis ? std::chrono::milliseconds(1000) : std::chrono::milliseconds(0);
  std::string host = host_name();
  auto pid = static_cast<std::int64_t>(::getpid());
  ps.on_status = [&rt, host, pid](const worker::WorkerStatus& st) {
    queue::WorkerInfo info;
    info.id = st.id;
    info.host = host;
    info.pid = pid;
    info.started_at_ms = st.started_at_ms;
    info.jobs_done = st.jobs_done;
    if (!st.current_job.empty()) info.current_job = st.current_job;
    (void)rt.workers->heartbeat(info);
  };
  ps.on_dead = [&rt](const std::string& job_id, const std::string& error) {
    (void)rt.jobs->fail(job_id, error);
  };
  ps.bus = rt.bus.get();
  auto pool = std::make_unique<worker::WorkerPool>(*rt.queue, *rt.processor, std::move(ps));
  pool->start();
  rt.pool = pool.get();
  return pool;
}

std::unique_ptr<mail::Sender> start_mail_sender(Runtime& rt, const std::string& holder) {
  const auto& c = rt.config;
  if (c.email_transport == "off") return nullptr;
  mail::TransportSettings ts;
  ts.kind = c.email_transport;
  ts.outbox_dir = (std::filesystem::path(c.data_dir) / "outbox").string();
  ts.smtp_url = c.smtp_url;
  ts.smtp_username = c.smtp_username;
  ts.smtp_password = c.smtp_password;
  ts.brevo_api_url = c.brevo_api_url;
  ts.brevo_api_key = c.brevo_api_key;
  mail::SenderSettings ss;
  ss.from = mail::Address{c.email_sender.empty() ? "noreply@localhost" : c.email_sender,
                          c.email_sender_name};
  ss.max_attempts = c.mail_max_attempts;
  ss.retry_backoff_s = c.mail_retry_backoff_s;
  auto sender = std::make_unique<mail::Sender>(rt.db->mail(), mail::make_transport(ts),
                                               std::move(ss), holder);
  mail::Sender* raw = sender.get();
  rt.mailer->on_enqueued([raw] { raw->notify(); });
  sender->start();
  return sender;
}

}  // namespace ov::app
