#pragma once
// Internal to the HTTP server (server.cpp, session.cpp): the server's state (Server::Impl),
// a connection's place under MAX_CONNECTIONS (Slot) and one HTTP connection (Session).
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include <spdlog/spdlog.h>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "http/blocking_pool.hpp"
#include "http/pipeline.hpp"
#include "http/server.hpp"
#include "http/ws_hub.hpp"
#include "http/ws_session.hpp"
#include "obs/metrics.hpp"

namespace ov::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

inline constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// The request line and headers, copied once per request (session.cpp).
Request header_only(const bhttp::request<bhttp::string_body>& in);

class Server::Impl {
 public:
  class Session;
  class Slot;

  Impl(ServerOptions options, const Pipeline& pipeline)
      : options_(std::move(options)),
        pipeline_(pipeline),
        pool_(options_.worker_threads, options_.blocking_queue_max),
        acceptor_(ioc_),
        signals_(ioc_, SIGINT, SIGTERM) {
    if (options_.report_metrics) report_metrics();
  }
  ~Impl() { stop_contexts(); }

  Result<void> listen();
  void run();
  void begin_shutdown();

  ServerOptions options_;
  const Pipeline& pipeline_;
  // Before ioc_: sessions still pending when the io_context is destroyed unregister here.
  std::mutex mu_;
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions_;
  std::atomic<bool> draining_{false};
  std::atomic<int> open_connections_{0};  // HTTP sessions and the WebSockets they became
  // One io_context per I/O thread, each run by its own thread (no strands, no handler moving
  // between threads): ioc_ (the acceptor, signals, shutdown, and connections too) and the
  // others. Connections are dealt to them in turn.
  // The others are declared first: they outlive ioc_, whose destruction may still complete an
  // accept holding a socket of one of them.
  std::vector<std::unique_ptr<asio::io_context>> more_contexts_;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> keep_running_;
  asio::io_context ioc_{1};
  std::atomic<unsigned> next_context_{0};
  BlockingPool pool_;
  tcp::acceptor acceptor_;
  asio::signal_set signals_;
  std::atomic<int> in_flight_{0};  // requests read and not yet answered
  obs::Registry::Handle metrics_;  // last: gone before what it reads

  void report_metrics() {
    metrics_ = obs::metrics().collect([this](obs::Exposition& out) {
      out.family("objectvision_http_requests_in_flight", "HTTP requests being read or answered.",
                 "gauge");
      out.sample(in_flight_.load());
      out.family("objectvision_http_open_connections",
                 "Open HTTP connections, and the WebSockets they became.", "gauge");
      out.sample(open_connections_.load());
      out.family("objectvision_blocking_pool_pending",
                 "Requests queued or running on the bounded blocking pool.", "gauge");
      out.sample(pool_.pending());
    });
  }

  asio::io_context& context_for_next_connection() {
    unsigned n = next_context_.fetch_add(1, std::memory_order_relaxed) %
                 static_cast<unsigned>(more_contexts_.size() + 1);
    return n == 0 ? ioc_ : *more_contexts_[n - 1];
  }
  void stop_contexts() {
    for (auto& guard : keep_running_) guard.reset();
    for (auto& context : more_contexts_) context->stop();
    ioc_.stop();
  }

 private:
  asio::awaitable<void> accept_loop();
  asio::awaitable<void> drain();
};

// One connection's place under MAX_CONNECTIONS, held by its HTTP session and then by the
// WebSocket session it may turn into.
class Server::Impl::Slot {
 public:
  explicit Slot(Impl& server) : server_(server) { ++server_.open_connections_; }
  ~Slot() { --server_.open_connections_; }
  Slot(const Slot&) = delete;
  Slot& operator=(const Slot&) = delete;

 private:
  Impl& server_;
};

class Server::Impl::Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Impl& server, tcp::socket socket, std::shared_ptr<Slot> slot)
      : server_(server),
        slot_(std::move(slot)),
        stream_(std::move(socket)),
        deadline_(stream_.get_executor()) {
    beast::error_code ec;
    auto remote = stream_.socket().remote_endpoint(ec);
    peer_ip_ = ec ? "unknown" : remote.address().to_string();
  }

  void start() {
    {
      std::lock_guard lock(server_.mu_);
      server_.sessions_[this] = weak_from_this();
    }
    asio::co_spawn(stream_.get_executor(), run(shared_from_this()), asio::detached);
  }

  ~Session() {
    std::lock_guard lock(server_.mu_);
    server_.sessions_.erase(this);
  }

  // Called at shutdown: a connection waiting for its next request is closed now; one in the
  // middle of a request finishes it and closes after the response.
  void close_if_idle() {
    asio::post(stream_.get_executor(), [self = shared_from_this()] {
      if (self->idle_) self->stream_.cancel();
    });
  }

 private:
  using Clock = std::chrono::steady_clock;
  using Parser = bhttp::request_parser<bhttp::string_body>;

  static asio::awaitable<void> run(std::shared_ptr<Session> self) { co_await self->serve(); }

  asio::awaitable<void> serve();
  // The answer to a whole request: admitted (if it was not before its body) and handled, each
  // step on this I/O thread when it can answer from memory, else on the blocking pool (503 when
  // that is saturated); a deferred answer is awaited without holding a thread.
  asio::awaitable<Response> respond(const Request& request, std::optional<Admission>& admission);
  // Runs `work` on the blocking pool; nullopt (nothing run) when the pool is saturated.
  template <class F>
  asio::awaitable<std::optional<std::invoke_result_t<F&>>> blocking(F& work);
  // The answer of a deferred response: when it is resolved, or its fallback at its timeout.
  asio::awaitable<Response> wait_for(std::shared_ptr<Later> later);
  // Reads the body at no less than the minimum rate; 0 when done, else the answer to give.
  asio::awaitable<int> read_body(Parser& parser);
  asio::awaitable<void> reply_and_close(Response& response, unsigned version, Request& request,
                                        bool finished);

  Request head_of(const bhttp::request<bhttp::string_body>& in) const {
    Request r = header_only(in);
    r.client_ip = client_address(peer_ip_, r.headers, server_.options_.trusted_proxies);
    return r;
  }

  // A deadline for the reads that follow, as our own timer: it cancels the read (Beast's
  // stream timeout would close the socket, and a 408 could not be written any more).
  void arm(Clock::time_point at) {
    timed_out_ = false;
    const auto generation = ++deadline_generation_;
    deadline_.expires_at(at);
    deadline_.async_wait([weak = weak_from_this(), generation](beast::error_code ec) {
      auto self = weak.lock();
      if (ec || !self || generation != self->deadline_generation_) return;
      self->timed_out_ = true;
      beast::error_code ignored;
      self->stream_.socket().cancel(ignored);
    });
  }
  void disarm() {
    ++deadline_generation_;
    deadline_.cancel();
  }

  Impl& server_;
  std::shared_ptr<Slot> slot_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  asio::steady_timer deadline_;
  std::uint64_t deadline_generation_ = 0;
  bool timed_out_ = false;
  std::string peer_ip_;
  bool idle_ = true;
};

}  // namespace ov::http
