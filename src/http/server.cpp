#include "http/server.hpp"

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
#include "http/ws_hub.hpp"
#include "http/ws_session.hpp"
#include "obs/metrics.hpp"

namespace ov::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
using std::chrono::seconds;

namespace {
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// The request line and headers, copied once per request (the body is moved in when it has
// been read). The client address is set by the session (TRUSTED_PROXIES).
Request header_only(const bhttp::request<bhttp::string_body>& in) {
  Request r;
  r.method = std::string(in.method_string());
  r.target = std::string(in.target());
  split_target(r.target, r.path, r.query);
  for (const auto& field : in) {
    r.headers.add(std::string(field.name_string()), std::string(field.value()));
  }
  return r;
}

bhttp::response<bhttp::string_body> to_beast(Response&& in, unsigned version, bool head,
                                             bool keep_alive) {
  bhttp::response<bhttp::string_body> out{static_cast<bhttp::status>(in.status), version};
  out.set(bhttp::field::server, "objectvision");
  for (auto& [name, value] : in.headers.all()) out.insert(name, value);
  std::size_t length = in.body.size();
  if (!head) out.body() = std::move(in.body);
  out.keep_alive(keep_alive);
  if (in.status == 204 || in.status == 304 || (in.status >= 100 && in.status < 200)) {
    out.body().clear();
  } else {
    out.content_length(length);
  }
  return out;
}

}  // namespace

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

namespace {

// Answers a connection beyond MAX_CONNECTIONS and closes it, without reading its request.
asio::awaitable<void> refuse_busy(tcp::socket socket) {
  static const std::string kBusy =
      "HTTP/1.1 503 Service Unavailable\r\nServer: objectvision\r\n"
      "Content-Type: application/json\r\nRetry-After: 1\r\nConnection: close\r\n"
      "Content-Length: 45\r\n\r\n{\"detail\":\"Too many connections; try again\"}\n";
  beast::tcp_stream stream(std::move(socket));
  stream.expires_after(seconds(2));
  co_await asio::async_write(stream, asio::buffer(kBusy), use_tuple);
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
}

}  // namespace

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

// The blocking pool is saturated: try again in a moment.
static Response busy() {
  Response r = error_response(503, "The server is busy; try again shortly");
  r.headers.set("Retry-After", "1");
  return r;
}

static bool connection_lost(const beast::error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == beast::error::timeout ||
         ec == asio::error::operation_aborted || ec == asio::error::connection_reset ||
         ec == asio::error::eof || ec == bhttp::error::partial_message;
}

asio::awaitable<int> Server::Impl::Session::read_body(Parser& parser) {
  const auto& opt = server_.options_;
  const auto start = Clock::now();
  const auto grace = seconds(opt.upload_grace_s);
  const auto idle = seconds(opt.request_timeout_s);
  std::uint64_t received = 0;
  while (!parser.is_done()) {
    auto at = Clock::now() + idle;
    if (opt.min_upload_bytes_per_s > 0) {
      auto on_schedule = start + grace +
                         std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
                             static_cast<double>(received) / opt.min_upload_bytes_per_s));
      at = std::min(at, on_schedule);
    }
    arm(at);
    auto [ec, n] = co_await bhttp::async_read_some(stream_, buffer_, parser, use_tuple);
    disarm();
    received += n;
    if (timed_out_) co_return 408;
    if (ec == bhttp::error::body_limit) co_return 413;
    if (ec) co_return connection_lost(ec) ? -1 : 400;
  }
  co_return 0;
}

template <class F>
asio::awaitable<std::optional<std::invoke_result_t<F&>>> Server::Impl::Session::blocking(F& work) {
  using T = std::invoke_result_t<F&>;
  BlockingPool& pool = server_.pool_;
  if (!pool.try_enter()) co_return std::optional<T>();
  BlockingPool::Place place(pool);
  T result = co_await asio::co_spawn(
      pool.executor(), [&]() -> asio::awaitable<T> { co_return work(); }, asio::use_awaitable);
  co_return std::optional<T>(std::move(result));
}

asio::awaitable<Response> Server::Impl::Session::wait_for(std::shared_ptr<Later> later) {
  // The wake-up only points at the timer: the timer lives and dies with this frame, on its I/O
  // context, never in a resolving thread (an inference slot may resolve after the server has
  // stopped and destroyed its contexts, and with them the timer's service).
  auto waker = std::make_shared<asio::steady_timer>(stream_.get_executor());
  waker->expires_after(later->timeout());
  later->attach([weak = std::weak_ptr<asio::steady_timer>(waker), ex = stream_.get_executor()] {
    asio::post(ex, [weak] {
      if (auto timer = weak.lock()) timer->cancel();
    });
  });
  // Detached however this frame ends: resumed, or destroyed unresumed at shutdown.
  struct Detach {
    Later& later;
    ~Detach() { later.detach(); }
  } detach_on_exit{*later};
  co_await waker->async_wait(use_tuple);
  // An answer (or, at the timeout, a fallback) that reads the database is made on the
  // blocking pool; a saturated pool gets the plain fallback.
  auto make = later->take_maker();
  if (!make) make = later->take_fallback_maker();
  if (make) {
    auto answer = co_await blocking(make);
    if (answer) co_return std::move(*answer);
  }
  co_return later->take();
}

asio::awaitable<Response> Server::Impl::Session::respond(const Request& request,
                                                         std::optional<Admission>& admission) {
  const Pipeline& pipeline = server_.pipeline_;
  if (!admission) admission = pipeline.admit_fast(request);
  if (!admission) {
    auto admit = [&] { return pipeline.admit(request); };
    admission = co_await blocking(admit);
    if (!admission) {
      Response refused = busy();
      pipeline.finish_rejected(request, refused);
      co_return refused;
    }
  }
  if (admission->rejection) co_return std::move(*admission->rejection);
  std::optional<Response> response = pipeline.run_fast(request, *admission);
  if (!response) {
    auto run = [&] { return pipeline.run(request, *admission); };
    response = co_await blocking(run);
    if (!response) {
      Response refused = busy();
      pipeline.finish_late(request, *admission, refused);
      co_return refused;
    }
  }
  if (response->later) {
    Response answer = co_await wait_for(response->later);
    pipeline.finish_late(request, *admission, answer);
    co_return answer;
  }
  co_return std::move(*response);
}

asio::awaitable<void> Server::Impl::Session::serve() {
  const auto& opt = server_.options_;
  // Answers made before a request is complete, and the request line and headers (read once;
  // the body joins them when read). Kept in named locals: g++ 12 mishandles temporaries passed
  // by value to coroutines.
  Response rejection;
  Request request_head;
  for (;;) {
    idle_ = true;
    request_head = Request{};
    if (server_.draining_) break;
    if (buffer_.size() == 0) {
      // Wait for the first byte of the next request under the keep-alive timeout.
      stream_.expires_after(seconds(opt.keepalive_timeout_s));
      auto [ec, n] = co_await stream_.async_read_some(buffer_.prepare(8192), use_tuple);
      if (ec) break;
      buffer_.commit(n);
    }
    idle_ = false;
    stream_.expires_never();  // our own deadlines from here: a late request still gets 408
    ++server_.in_flight_;
    struct Answered {
      std::atomic<int>& count;
      ~Answered() { --count; }
    } answered{server_.in_flight_};

    Parser parser;
    parser.header_limit(static_cast<std::uint32_t>(opt.max_header_bytes));
    parser.body_limit(opt.max_body_bytes);
    arm(Clock::now() + seconds(opt.request_timeout_s));
    auto [hec, hn] = co_await bhttp::async_read_header(stream_, buffer_, parser, use_tuple);
    disarm();
    unsigned version = 11;
    if (timed_out_) {
      rejection = error_response(408, "Request Timeout");
    } else if (hec == bhttp::error::header_limit) {
      rejection = error_response(431, "Request Header Fields Too Large");
    } else if (hec == bhttp::error::body_limit) {
      rejection = error_response(413, "Request body too large");
    } else if (hec) {
      if (connection_lost(hec)) break;
      rejection = error_response(400, "Bad Request");
    }
    if (rejection.status != 200) {
      co_await reply_and_close(rejection, version, request_head, false);
      break;
    }

    auto& header = parser.get();
    version = header.version();
    request_head = head_of(header);
    if (auto len = parser.content_length(); len && *len > opt.max_body_bytes) {
      rejection = error_response(413, "Request body too large");
      co_await reply_and_close(rejection, version, request_head, false);
      break;
    }
    const bool upgrade = opt.ws_hub && beast::websocket::is_upgrade(header) && !server_.draining_ &&
                         header.target().substr(0, header.target().find('?')) == opt.ws_path;
    const Pipeline& pipeline = server_.pipeline_;
    // A request with a body is admitted (route, rate limits, credentials) before one byte of
    // the body is read or 100 Continue is sent.
    std::optional<Admission> admission;
    if (!parser.is_done() && !upgrade) {
      const Request& head = request_head;
      admission = pipeline.admit_fast(head);
      if (!admission) {
        auto admit = [&] { return pipeline.admit(head); };
        admission = co_await blocking(admit);
        if (!admission) {
          rejection = busy();
          co_await reply_and_close(rejection, version, request_head, false);
          break;
        }
      }
      if (admission->rejection) {
        co_await reply_and_close(*admission->rejection, version, request_head, true);
        break;
      }
      if (bhttp::token_list(header[bhttp::field::expect]).exists("100-continue")) {
        bhttp::response<bhttp::empty_body> cont{bhttp::status::continue_, version};
        stream_.expires_after(seconds(opt.request_timeout_s));
        co_await bhttp::async_write(stream_, cont, use_tuple);
        stream_.expires_never();
      }
    }
    if (int status = co_await read_body(parser); status != 0) {
      if (status < 0) break;
      rejection = error_response(status, status == 408   ? "Request Timeout"
                                         : status == 413 ? "Request body too large"
                                                         : "Bad Request");
      co_await reply_and_close(rejection, version, request_head, false);
      break;
    }

    auto message = parser.release();
    if (upgrade) {
      start_ws_session(stream_.release_socket(), std::move(message), *opt.ws_hub, pipeline,
                       server_.pool_, seconds(opt.ws_recheck_s), slot_);
      co_return;
    }
    bool keep_alive = message.keep_alive();
    bool head = message.method() == bhttp::verb::head;
    // The head read above is the request: its headers are not copied a second time.
    Request request = std::move(request_head);
    request.body = std::move(message.body());
    Response response = co_await respond(request, admission);

    keep_alive = keep_alive && !server_.draining_;
    auto out = to_beast(std::move(response), version, head, keep_alive);
    stream_.expires_after(seconds(opt.request_timeout_s));
    auto [wec, wn] = co_await bhttp::async_write(stream_, out, use_tuple);
    if (wec || !keep_alive) break;
  }
  beast::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

// Answers an error and closes; unread request bytes are drained briefly so that the client
// reads the answer instead of a connection reset. `finished`: the pipeline already added the
// headers and logged it.
asio::awaitable<void> Server::Impl::Session::reply_and_close(Response& response, unsigned version,
                                                             Request& request, bool finished) {
  if (request.client_ip.empty()) request.client_ip = peer_ip_;
  if (!finished) server_.pipeline_.finish_rejected(request, response);
  auto out = to_beast(std::move(response), version, false, false);
  stream_.expires_after(seconds(5));
  auto [ec, n] = co_await bhttp::async_write(stream_, out, use_tuple);
  if (ec) co_return;
  beast::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  std::vector<char> sink(16384);
  std::size_t drained = 0;
  stream_.expires_after(seconds(2));
  while (drained < 64 * 1024 * 1024) {
    auto [rec, rn] = co_await stream_.async_read_some(asio::buffer(sink), use_tuple);
    if (rec) break;
    drained += rn;
  }
}

Result<void> Server::Impl::listen() {
  beast::error_code ec;
  auto address = asio::ip::make_address(options_.host, ec);
  if (ec) return Error{Errc::invalid_argument, "HOST: not an IP address: " + options_.host};
  tcp::endpoint endpoint{address, static_cast<unsigned short>(options_.port)};
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Error{Errc::unavailable, "cannot listen on " + options_.host + ":" +
                                        std::to_string(options_.port) + ": " + ec.message()};
  }
  return {};
}

asio::awaitable<void> Server::Impl::accept_loop() {
  for (;;) {
    auto [ec, socket] =
        co_await acceptor_.async_accept(context_for_next_connection().get_executor(), use_tuple);
    if (ec) {
      if (draining_ || ec == asio::error::operation_aborted) co_return;
      spdlog::warn("accept failed: {}", ec.message());
      asio::steady_timer pause(ioc_, std::chrono::milliseconds(50));  // EMFILE and the like
      co_await pause.async_wait(use_tuple);
      continue;
    }
    if (open_connections_.load() >= options_.max_connections) {
      asio::co_spawn(socket.get_executor(), refuse_busy(std::move(socket)), asio::detached);
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);
    auto slot = std::make_shared<Slot>(*this);
    std::make_shared<Session>(*this, std::move(socket), std::move(slot))->start();
  }
}

void Server::Impl::begin_shutdown() {
  if (draining_.exchange(true)) return;
  spdlog::info("shutting down: no new connections, finishing in-flight requests");
  beast::error_code ec;
  acceptor_.close(ec);
  signals_.cancel(ec);
  std::vector<std::shared_ptr<Session>> live;
  {
    std::lock_guard lock(mu_);
    for (auto& [ptr, weak] : sessions_) {
      if (auto s = weak.lock()) live.push_back(std::move(s));
    }
  }
  for (auto& s : live) s->close_if_idle();
  live.clear();
  if (options_.ws_hub) options_.ws_hub->close_all();
  asio::co_spawn(ioc_, drain(), asio::detached);
}

asio::awaitable<void> Server::Impl::drain() {
  auto deadline = std::chrono::steady_clock::now() + seconds(options_.shutdown_grace_s);
  asio::steady_timer timer(ioc_);
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (sessions_.empty() && (!options_.ws_hub || options_.ws_hub->size() == 0)) break;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      spdlog::warn("shutdown grace period over with requests still in flight");
      break;
    }
    timer.expires_after(std::chrono::milliseconds(20));
    co_await timer.async_wait(use_tuple);
  }
  stop_contexts();
}

void Server::Impl::run() {
  signals_.async_wait([this](beast::error_code ec, int) {
    if (!ec) begin_shutdown();
  });
  asio::co_spawn(ioc_, accept_loop(), asio::detached);
  for (int i = 1; i < options_.io_threads; ++i) {
    more_contexts_.push_back(std::make_unique<asio::io_context>(1));
    keep_running_.push_back(asio::make_work_guard(*more_contexts_.back()));
  }
  std::vector<std::thread> threads;
  for (auto& context : more_contexts_) {
    threads.emplace_back([&context] { context->run(); });
  }
  ioc_.run();
  for (auto& t : threads) t.join();
  pool_.join();
  spdlog::info("server stopped");
}

Server::Server(ServerOptions options, const Pipeline& pipeline)
    : impl_(std::make_unique<Impl>(std::move(options), pipeline)) {}
Server::~Server() = default;
Result<void> Server::listen() {
  return impl_->listen();
}
int Server::port() const {
  return impl_->acceptor_.local_endpoint().port();
}
void Server::run() {
  impl_->run();
}
void Server::stop() {
  asio::post(impl_->ioc_, [this] { impl_->begin_shutdown(); });
}

}  // namespace ov::http
