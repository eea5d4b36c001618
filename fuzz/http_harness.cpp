#include "fuzz/http_harness.hpp"

#include <fmt/format.h>
#include <stdlib.h>

#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <mutex>

#include <boost/json.hpp>

#include "api/caches.hpp"
#include "api/detection_routes.hpp"
#include "api/detection_services.hpp"
#include "api/job_waiter.hpp"
#include "api/model_changes.hpp"
#include "api/recent_frames.hpp"
#include "api/services.hpp"
#include "api/tokens.hpp"
#include "app/runtime.hpp"
#include "auth/blacklist.hpp"
#include "auth/jwt.hpp"
#include "auth/password.hpp"
#include "cache/rate_limiter.hpp"
#include "core/ids.hpp"
#include "http/pipeline.hpp"
#include "http/server.hpp"
#include "inference/slots.hpp"
#include "obs/logging.hpp"
#include "storage/database.hpp"

namespace ov::fuzz {
namespace {

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "http fuzz harness: %s\n", what.c_str());
  std::exit(2);
}

std::string make_temp_dir() {
  auto base = std::filesystem::temp_directory_path() / "ov-fuzz-http-XXXXXX";
  std::string path = base.string();
  if (::mkdtemp(path.data()) == nullptr) die("mkdtemp failed under " + base.string());
  return path;
}

// The unit tests' planted-output models (tests/data/make_test_models.py): the engine's whole
// path (decoding, letterbox, ONNX Runtime, box decoding, NMS) at a fraction of a real model's
// cost, under three names the `model` field can choose.
std::string make_models(const std::string& dir) {
  namespace fs = std::filesystem;
  const fs::path all = fs::path(dir) / "test-models", models = fs::path(dir) / "models";
  fs::create_directories(all);
  fs::create_directories(models);
  const std::string cmd =
      "/usr/bin/python3 " OV_SOURCE_DIR "/tests/data/make_test_models.py " + all.string();
  if (std::system(cmd.c_str()) != 0) die("failed: " + cmd);
  for (const char* name : {"yolov8.onnx", "yolov5.onnx", "yolov8_quantised.onnx"}) {
    fs::copy_file(all / name, models / name);
  }
  return models.string();
}

config::Config fuzz_config(const std::string& dir) {
  auto config = config::load({
      {"ENVIRONMENT", "test"},
      {"DATA_DIR", dir},
      {"MODELS_DIR", make_models(dir)},
      {"DEFAULT_MODEL", "yolov8"},
      {"JWT_SECRET_KEY", "fuzz-secret-0123456789abcdef0123456789"},
      {"ARGON2_OPS", "1"},
      {"ARGON2_MEMORY_KIB", "8"},
      {"LOG_LEVEL", "critical"},
      {"CORS_ORIGINS", "https://app.example.com"},
      {"MAX_UPLOAD_MB", "0.015625"},  // 16 KiB: the body limit is within the fuzzer's reach
      {"RATE_LIMIT_PER_MINUTE", "1e9"},
      {"RATE_LIMIT_BURST", "1e9"},
      {"RATE_LIMIT_USER_PER_MINUTE", "1e9"},
      {"RATE_LIMIT_USER_BURST", "1e9"},
      {"RATE_LIMIT_AUTH_PER_MINUTE", "1e9"},
      {"RATE_LIMIT_AUTH_BURST", "1e9"},
      {"RATE_LIMIT_LOGIN_ACCOUNT_PER_MINUTE", "1e9"},
      {"RATE_LIMIT_LOGIN_ACCOUNT_BURST", "1e9"},
      {"WAIT_TIMEOUT_SECONDS", "0"},
      {"QUEUE_MAX_DEPTH", "10000000"},
      {"MAX_JOBS_IN_FLIGHT_PER_USER", "1000000"},
      {"MAX_IMAGE_PIXELS", "1000000"},
      {"WORKER_THREADS", "1"},
      {"DB_POOL_SIZE", "2"},
      {"INFERENCE_THREADS", "1"},
  });
  if (!config) die("configuration: " + config.error().message);
  return std::move(config.value());
}

// A 2x2 24-bit BMP: the smallest image every upload route accepts.
std::string tiny_bmp() {
  std::string b(54 + 16, '\0');
  auto put32 = [&](std::size_t at, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) b[at + i] = static_cast<char>((v >> (8 * i)) & 0xff);
  };
  b[0] = 'B';
  b[1] = 'M';
  put32(2, static_cast<std::uint32_t>(b.size()));
  put32(10, 54);  // pixel data offset
  put32(14, 40);  // BITMAPINFOHEADER
  put32(18, 2);
  put32(22, 2);
  b[26] = 1;   // planes
  b[28] = 24;  // bits per pixel
  put32(34, 16);
  return b;
}

struct Account {
  User user;
  std::string access_token;
};

}  // namespace

struct HttpHarness::Impl {
  std::string dir;
  std::unique_ptr<app::Runtime> rt;
  std::unique_ptr<auth::PasswordHasher> hasher;
  std::unique_ptr<auth::JwtCodec> jwt;
  std::unique_ptr<auth::AccessBlacklist> blacklist;
  std::unique_ptr<cache::RateLimiter> limiter;
  std::unique_ptr<api::JobWaiter> waiter;
  std::unique_ptr<api::Services> services;
  std::unique_ptr<api::DetectionServices> detection;
  http::Router router;
  std::unique_ptr<http::RateLimitMiddleware> rate_limits;
  std::unique_ptr<api::RecentFrames> frames;
  std::unique_ptr<api::Caches> caches;
  std::unique_ptr<inference::Slots> slots;
  std::unique_ptr<http::Pipeline> pipeline;
  Account user, admin;
  std::string job_id;
  int accounts_made = 0;

  Account make_account(Role role) {
    std::string email = fmt::format("fuzz{}-{}@example.com", ++accounts_made, to_string(role));
    auto created = rt->db->users().create({email, hasher->hash("fuzz-password"), "Fuzz", role});
    if (!created) die("user: " + created.error().message);
    auto tokens = api::issue_tokens(*services, *created, new_uuid());
    return {*created, std::string(tokens.at("access_token").as_string())};
  }

  void queue_job() {
    const std::string boundary = "fuzzboundary";
    http::Request r;
    r.method = "POST";
    r.target = r.path = "/api/v1/detect/image";
    r.headers.set("Authorization", "Bearer " + user.access_token);
    r.headers.set("Content-Type", "multipart/form-data; boundary=" + boundary);
    r.body = "--" + boundary +
             "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.bmp\"\r\n"
             "Content-Type: image/bmp\r\n\r\n" +
             tiny_bmp() + "\r\n--" + boundary + "--\r\n";
    http::Response response = pipeline->handle(r);
    boost::json::error_code ec;
    auto body = boost::json::parse(response.body, ec);
    if (response.status != 202 || ec || !body.is_object() || !body.as_object().contains("job_id")) {
      die(fmt::format("queueing a job: {} {}", response.status, response.body));
    }
    job_id = std::string(body.at("job_id").as_string());
  }
};

HttpHarness::HttpHarness() : impl_(std::make_unique<Impl>()) {
  auto& h = *impl_;
  h.dir = make_temp_dir();
  config::Config config = fuzz_config(h.dir);
  obs::init_logging(config.log_level, config.log_format);
  auto opened = app::open_runtime(std::move(config));
  if (!opened) die("runtime: " + opened.error().message);
  h.rt = std::move(opened.value());
  const auto& c = h.rt->config;
  h.hasher = std::make_unique<auth::PasswordHasher>(
      auth::PasswordCost{c.argon2_ops, c.argon2_memory_kib * 1024});
  h.jwt = std::make_unique<auth::JwtCodec>(c.jwt_secret_key);
  h.blacklist = auth::make_db_blacklist(h.rt->db->tokens());
  h.limiter = cache::make_memory_rate_limiter();
  h.waiter = std::make_unique<api::JobWaiter>(*h.rt->bus);
  h.caches = std::make_unique<api::Caches>();
  h.services.reset(new api::Services{c, *h.rt->db, *h.hasher, *h.jwt, *h.blacklist, *h.rt->bus,
                                     *h.limiter, *h.caches, nullptr});
  h.slots = std::make_unique<inference::Slots>(1, 4);
  h.frames = std::make_unique<api::RecentFrames>(std::chrono::milliseconds(2000));
  h.detection.reset(new api::DetectionServices{*h.rt->engine, *h.rt->jobs, *h.rt->queue,
                                               *h.rt->workers, *h.rt->files, *h.waiter, *h.slots,
                                               *h.frames, *h.rt->model_changes});
  api::register_all_routes(h.router, *h.services, *h.detection);
  h.rate_limits = std::make_unique<http::RateLimitMiddleware>(
      *h.limiter, http::RateLimits{c.rate_ip.per_minute, c.rate_ip.burst, c.rate_user.per_minute,
                                   c.rate_user.burst, c.rate_auth.per_minute, c.rate_auth.burst,
                                   c.rate_camera.per_minute, c.rate_camera.burst});
  auto* services = h.services.get();
  h.pipeline = std::make_unique<http::Pipeline>(
      h.router, http::Cors(c.cors_origins), h.rate_limits.get(),
      http::Authenticator{
          [services](std::string_view token) { return api::authenticate(*services, token); },
          [services](std::string_view token) { return api::authenticate_fast(*services, token); },
          [services](std::string_view token) {
            return api::authenticate(*services, token, true);
          }});
  h.user = h.make_account(Role::user);
  h.admin = h.make_account(Role::admin);
  h.queue_job();
}

HttpHarness::~HttpHarness() {
  std::string dir = impl_->dir;
  impl_.reset();
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

std::size_t HttpHarness::max_header_bytes() const {
  return http::ServerOptions{}.max_header_bytes;  // serve keeps the server's default
}

std::size_t HttpHarness::max_body_bytes() const {
  return impl_->rt->config.max_body_bytes();
}

void HttpHarness::refresh_accounts() {
  auto& h = *impl_;
  if (!api::authenticate(*h.services, h.user.access_token)) h.user = h.make_account(Role::user);
  if (!api::authenticate(*h.services, h.admin.access_token)) h.admin = h.make_account(Role::admin);
}

std::string HttpHarness::refresh_token() {
  auto tokens = api::issue_tokens(*impl_->services, impl_->user.user, new_uuid());
  return std::string(tokens.at("refresh_token").as_string());
}

std::string HttpHarness::substitute(std::string text) {
  auto replace = [&text](std::string_view name, const auto& value) {
    for (auto at = text.find(name); at != std::string::npos; at = text.find(name, at)) {
      std::string v = value();
      text.replace(at, name.size(), v);
      at += v.size();
    }
  };
  replace("$USER_TOKEN", [&] { return impl_->user.access_token; });
  replace("$ADMIN_TOKEN", [&] { return impl_->admin.access_token; });
  replace("$USER_ID", [&] { return impl_->user.user.id; });
  replace("$JOB_ID", [&] { return impl_->job_id; });
  replace("$REFRESH_TOKEN", [&] { return refresh_token(); });
  return text;
}

http::Response HttpHarness::handle(const http::Request& request) const {
  http::Admission admission = admit(request);
  if (admission.rejection) return std::move(*admission.rejection);
  return run(request, admission);
}

http::Admission HttpHarness::admit(const http::Request& head) const {
  return impl_->pipeline->admit(head);
}

// A deferred answer (the DeepStack route's detection) is waited for here as the server does it
// (Server::Impl::Session::wait_for): until resolved or its timeout, then made and finished.
http::Response HttpHarness::run(const http::Request& request, http::Admission& admission) const {
  http::Response response = impl_->pipeline->run(request, admission);
  if (!response.later) return response;
  auto later = response.later;
  struct Wait {  // shared: a resolver may still call the waker after a timeout here
    std::mutex mu;
    std::condition_variable woken;
    bool resolved = false;
  };
  auto wait = std::make_shared<Wait>();
  later->attach([wait] {
    std::lock_guard lock(wait->mu);
    wait->resolved = true;
    wait->woken.notify_all();
  });
  {
    std::unique_lock lock(wait->mu);
    wait->woken.wait_for(lock, later->timeout(), [&] { return wait->resolved; });
  }
  later->detach();
  auto make = later->take_maker();
  if (!make) make = later->take_fallback_maker();
  http::Response answer = make ? make() : later->take();
  impl_->pipeline->finish_late(request, admission, answer);
  return answer;
}

void HttpHarness::finish_rejected(const http::Request& request, http::Response& response) const {
  impl_->pipeline->finish_rejected(request, response);
}

}  // namespace ov::fuzz
