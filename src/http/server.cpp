#include "http/server.hpp"

#include <chrono>
#include <memory>
#include <mutex>
#include <thread>

#include <spdlog/spdlog.h>

#include "http/server_impl.hpp"

namespace ov::http {
using std::chrono::seconds;

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
