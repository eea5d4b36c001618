// One HTTP connection of the server (Server::Impl::Session): reading requests at a minimum
// rate, answering each on its I/O thread or on the bounded blocking pool, waiting for deferred
// answers without holding a thread, and closing cleanly.
#include <chrono>
#include <memory>
#include <optional>

#include "http/server_impl.hpp"

namespace ov::http {
using std::chrono::seconds;

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

namespace {

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

// The blocking pool is saturated: try again in a moment.
Response busy() {
  Response r = error_response(503, "The server is busy; try again shortly");
  r.headers.set("Retry-After", "1");
  return r;
}

bool connection_lost(const beast::error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == beast::error::timeout ||
         ec == asio::error::operation_aborted || ec == asio::error::connection_reset ||
         ec == asio::error::eof || ec == bhttp::error::partial_message;
}

}  // namespace

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

}  // namespace ov::http
