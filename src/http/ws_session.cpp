#include "http/ws_session.hpp"

#include <chrono>
#include <deque>

#include <spdlog/spdlog.h>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>

#include "http/blocking_pool.hpp"
#include "http/pipeline.hpp"
#include "http/ws_hub.hpp"
#include "http/ws_message.hpp"

namespace ov::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace json = boost::json;
using tcp = asio::ip::tcp;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kMaxQueued = 1024;  // a client this far behind loses the oldest events
constexpr websocket::close_code kUnauthorized = static_cast<websocket::close_code>(4401);
constexpr websocket::close_code kTooMany = static_cast<websocket::close_code>(4429);

struct AuthOutcome {
  std::optional<Principal> principal;
  std::string error;
};

class WsSession final : public WsConnection, public std::enable_shared_from_this<WsSession> {
 public:
  WsSession(tcp::socket socket, beast::http::request<beast::http::string_body> request, WsHub& hub,
            const Pipeline& pipeline, BlockingPool& pool, std::chrono::seconds recheck,
            std::shared_ptr<void> slot)
      : slot_(std::move(slot)),
        ws_(std::move(socket)),
        request_(std::move(request)),
        hub_(hub),
        pipeline_(pipeline),
        pool_(pool),
        recheck_(recheck),
        auth_timer_(ws_.get_executor()),
        watch_timer_(ws_.get_executor()) {}

  void start() { asio::co_spawn(ws_.get_executor(), run(shared_from_this()), asio::detached); }

  void send(std::string text) override {
    asio::post(ws_.get_executor(), [self = shared_from_this(), t = std::move(text)]() mutable {
      self->enqueue(std::move(t));
    });
  }

  void close() override {
    asio::post(ws_.get_executor(), [self = shared_from_this()] {
      self->finish(websocket::close_code::going_away, "");
    });
  }

  void end_session(const SessionEnd& end) override {
    asio::post(ws_.get_executor(), [self = shared_from_this(), end] {
      if (!self->authenticated_) return;
      if (end.ends(self->principal_.token_jti, self->principal_.session_epoch)) {
        self->finish(kUnauthorized, end.reason);
      }
    });
  }

 private:
  static asio::awaitable<void> run(std::shared_ptr<WsSession> self) { co_await self->serve(); }

  asio::awaitable<void> serve() {
    websocket::stream_base::timeout timeouts{std::chrono::seconds(10), std::chrono::seconds(40),
                                             true};  // pings after 20 s of silence
    ws_.set_option(timeouts);
    ws_.set_option(websocket::stream_base::decorator([](websocket::response_type& res) {
      res.set(beast::http::field::server, "objectvision");
    }));
    ws_.read_message_max(64 * 1024);
    auto [aec] = co_await ws_.async_accept(request_, use_tuple);
    if (aec) co_return;

    std::string token = ws_query_token(request_.target());
    if (token.empty()) {
      // The first message must authenticate, within 10 s.
      auth_timer_.expires_after(std::chrono::seconds(10));
      auth_timer_.async_wait([weak = weak_from_this()](beast::error_code ec) {
        if (auto self = weak.lock(); self && !ec && !self->authenticated_) {
          // A close may start while the read below is pending; that read then ends.
          self->close_started_ = true;
          websocket::close_reason reason(kUnauthorized, "No authentication within 10 seconds");
          self->ws_.async_close(reason, [self](beast::error_code) {});
        }
      });
      beast::flat_buffer first;
      auto [rec, rn] = co_await ws_.async_read(first, use_tuple);
      auth_timer_.cancel();
      if (rec || close_started_) co_return;
      auto message = parse_ws_message(beast::buffers_to_string(first.data()));
      if (message.type == "auth") token = std::move(message.token);
    }
    const Pipeline& pipeline = pipeline_;
    auto outcome_of = [](Result<Principal> r) {
      if (r) return AuthOutcome{std::move(r.value()), {}};
      return AuthOutcome{std::nullopt, r.error().message};
    };
    AuthOutcome outcome;
    if (auto fast = pipeline.authenticate_fast(token)) {  // from memory, on this thread
      outcome = outcome_of(std::move(*fast));
    } else {
      outcome = co_await asio::co_spawn(
          pool_.executor(),
          [&]() -> asio::awaitable<AuthOutcome> {
            co_return outcome_of(pipeline.authenticate(token));
          },
          asio::use_awaitable);
    }
    if (!outcome.principal) {
      websocket::close_reason reason(kUnauthorized,
                                     outcome.error.empty() ? "Not authenticated" : outcome.error);
      co_await ws_.async_close(reason, use_tuple);
      co_return;
    }
    authenticated_ = true;
    principal_ = std::move(*outcome.principal);
    token_ = std::move(token);
    user_id_ = principal_.user.id;
    if (!hub_.add(user_id_, shared_from_this())) {
      websocket::close_reason reason(kTooMany, "Too many WebSocket connections for this user");
      co_await ws_.async_close(reason, use_tuple);
      co_return;
    }
    enqueue(json::serialize(json::object{{"type", "authenticated"}, {"user_id", user_id_}}));
    asio::co_spawn(ws_.get_executor(), watch(shared_from_this()), asio::detached);

    for (;;) {
      beast::flat_buffer buffer;
      auto [ec, n] = co_await ws_.async_read(buffer, use_tuple);
      if (ec) break;
      if (parse_ws_message(beast::buffers_to_string(buffer.data())).type == "ping") {
        enqueue(R"({"type":"pong"})");
      }
    }
    hub_.remove(user_id_, this);
    watch_timer_.cancel();
  }

  // Until the connection ends: closes it with 4401 when its token expires, and checks the
  // token again every recheck_ (revoked, user deactivated, session ended) — the bus's
  // session events close it at once; this catches what a lost event would leave open.
  static asio::awaitable<void> watch(std::shared_ptr<WsSession> self) {
    using Clock = std::chrono::system_clock;
    const auto expires = Clock::time_point(std::chrono::seconds(self->principal_.token_exp_s));
    while (!self->closing_) {
      auto next = Clock::now() + self->recheck_;
      bool expiry = expires <= next;
      self->watch_timer_.expires_after(std::min(next, expires) - Clock::now());
      auto [ec] = co_await self->watch_timer_.async_wait(use_tuple);
      if (ec || self->closing_) co_return;
      if (expiry) {
        self->finish(kUnauthorized, "Token expired");
        co_return;
      }
      const Pipeline& pipeline = self->pipeline_;
      const std::string& token = self->token_;
      // The authoritative check (the database, not the caches): it catches what a lost
      // session event would leave open.
      std::string error = co_await asio::co_spawn(
          self->pool_.executor(),
          [&]() -> asio::awaitable<std::string> {
            auto r = pipeline.authenticate_authoritatively(token);
            co_return r ? std::string() : r.error().message;
          },
          asio::use_awaitable);
      if (!error.empty()) {
        self->finish(kUnauthorized, error);
        co_return;
      }
    }
  }

  // Stops sending and closes once the write in progress (if any) is done.
  void finish(websocket::close_code code, std::string reason) {
    if (closing_) return;
    closing_ = true;
    close_code_ = code;
    close_reason_ = std::move(reason);
    watch_timer_.cancel();
    if (!writing_) begin_close();
  }

  void enqueue(std::string text) {
    if (closing_) return;
    if (outbox_.size() >= kMaxQueued) outbox_.pop_front();
    outbox_.push_back(std::move(text));
    if (!writing_) {
      writing_ = true;
      asio::co_spawn(ws_.get_executor(), write_all(shared_from_this()), asio::detached);
    }
  }

  static asio::awaitable<void> write_all(std::shared_ptr<WsSession> self) {
    while (!self->outbox_.empty() && !self->closing_) {
      std::string message = std::move(self->outbox_.front());
      self->outbox_.pop_front();
      self->ws_.text(true);
      auto [ec, n] = co_await self->ws_.async_write(asio::buffer(message), use_tuple);
      if (ec) break;
    }
    self->writing_ = false;
    if (self->closing_) self->begin_close();
  }

  void begin_close() {
    if (close_started_ || !ws_.is_open()) return;
    close_started_ = true;
    websocket::close_reason reason(close_code_, close_reason_);
    ws_.async_close(reason, [self = shared_from_this()](beast::error_code) {});
  }

  std::shared_ptr<void> slot_;  // the connection's place under MAX_CONNECTIONS
  websocket::stream<beast::tcp_stream> ws_;
  beast::http::request<beast::http::string_body> request_;
  WsHub& hub_;
  const Pipeline& pipeline_;
  BlockingPool& pool_;
  const std::chrono::seconds recheck_;
  asio::steady_timer auth_timer_;
  asio::system_timer watch_timer_;
  std::deque<std::string> outbox_;
  Principal principal_;
  std::string token_;
  std::string user_id_;
  websocket::close_code close_code_ = websocket::close_code::going_away;
  std::string close_reason_;
  bool authenticated_ = false;
  bool writing_ = false;
  bool closing_ = false;
  bool close_started_ = false;
};

}  // namespace

void start_ws_session(tcp::socket socket, beast::http::request<beast::http::string_body> request,
                      WsHub& hub, const Pipeline& pipeline, BlockingPool& pool,
                      std::chrono::seconds recheck, std::shared_ptr<void> connection_slot) {
  std::make_shared<WsSession>(std::move(socket), std::move(request), hub, pipeline, pool, recheck,
                              std::move(connection_slot))
      ->start();
}

}  // namespace ov::http
