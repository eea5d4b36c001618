#include "http/ws_session.hpp"

#include <chrono>
#include <deque>

#include <spdlog/spdlog.h>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>

#include "http/pipeline.hpp"
#include "http/ws_hub.hpp"

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

struct AuthOutcome {
  std::optional<Principal> principal;
  std::string error;
};

std::string message_type(std::string_view text, std::string* token) {
  json::error_code ec;
  auto v = json::parse(text, ec);
  if (ec || !v.is_object()) return {};
  const auto& o = v.as_object();
  if (token) {
    if (auto* t = o.if_contains("token"); t && t->is_string()) *token = std::string(t->as_string());
  }
  if (auto* t = o.if_contains("type"); t && t->is_string()) return std::string(t->as_string());
  return {};
}

class WsSession final : public WsConnection, public std::enable_shared_from_this<WsSession> {
 public:
  WsSession(tcp::socket socket, beast::http::request<beast::http::string_body> request, WsHub& hub,
            const Pipeline& pipeline, asio::thread_pool& pool)
      : ws_(std::move(socket)),
        request_(std::move(request)),
        hub_(hub),
        pipeline_(pipeline),
        pool_(pool),
        auth_timer_(ws_.get_executor()) {}

  void start() { asio::co_spawn(ws_.get_executor(), run(shared_from_this()), asio::detached); }

  void send(std::string text) override {
    asio::post(ws_.get_executor(), [self = shared_from_this(), t = std::move(text)]() mutable {
      self->enqueue(std::move(t));
    });
  }

  void close() override {
    asio::post(ws_.get_executor(), [self = shared_from_this()] {
      self->closing_ = true;
      if (!self->writing_) self->begin_close(websocket::close_code::going_away);
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

    std::string token = token_from_query();
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
      if (message_type(beast::buffers_to_string(first.data()), &token) != "auth") token.clear();
    }
    const Pipeline& pipeline = pipeline_;
    AuthOutcome outcome = co_await asio::co_spawn(
        pool_,
        [&]() -> asio::awaitable<AuthOutcome> {
          auto r = pipeline.authenticate(token);
          if (r) co_return AuthOutcome{std::move(r.value()), {}};
          co_return AuthOutcome{std::nullopt, r.error().message};
        },
        asio::use_awaitable);
    if (!outcome.principal) {
      websocket::close_reason reason(kUnauthorized,
                                     outcome.error.empty() ? "Not authenticated" : outcome.error);
      co_await ws_.async_close(reason, use_tuple);
      co_return;
    }
    authenticated_ = true;
    user_id_ = outcome.principal->user.id;
    hub_.add(user_id_, shared_from_this());
    enqueue(json::serialize(json::object{{"type", "authenticated"}, {"user_id", user_id_}}));

    for (;;) {
      beast::flat_buffer buffer;
      auto [ec, n] = co_await ws_.async_read(buffer, use_tuple);
      if (ec) break;
      if (message_type(beast::buffers_to_string(buffer.data()), nullptr) == "ping") {
        enqueue(R"({"type":"pong"})");
      }
    }
    hub_.remove(user_id_, this);
  }

  std::string token_from_query() const {
    std::string target(request_.target());
    Request r;
    split_target(target, r.path, r.query);
    return r.query_param("token").value_or("");
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
    if (self->closing_) self->begin_close(websocket::close_code::going_away);
  }

  void begin_close(websocket::close_code code) {
    if (close_started_ || !ws_.is_open()) return;
    close_started_ = true;
    ws_.async_close(code, [self = shared_from_this()](beast::error_code) {});
  }

  websocket::stream<beast::tcp_stream> ws_;
  beast::http::request<beast::http::string_body> request_;
  WsHub& hub_;
  const Pipeline& pipeline_;
  asio::thread_pool& pool_;
  asio::steady_timer auth_timer_;
  std::deque<std::string> outbox_;
  std::string user_id_;
  bool authenticated_ = false;
  bool writing_ = false;
  bool closing_ = false;
  bool close_started_ = false;
};

}  // namespace

void start_ws_session(tcp::socket socket, beast::http::request<beast::http::string_body> request,
                      WsHub& hub, const Pipeline& pipeline, asio::thread_pool& pool) {
  std::make_shared<WsSession>(std::move(socket), std::move(request), hub, pipeline, pool)->start();
}

}  // namespace ov::http
