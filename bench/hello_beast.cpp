// hello_beast: the best a plain Boost.Beast server does on this machine, the reference that
// bench/http_ratios.py measures our /health against. C++20 coroutines, keep-alive, a fixed small
// JSON body on any GET (405 otherwise), no routing, no logging, nothing else. It also answers
// any POST with 200 and "{}", so that it stands in for an OpenTelemetry Collector that takes
// every export at once (http_ratios.py --traced).
//
// Two layouts (--mode):
//   per-core  one io_context per thread, each single-threaded with its own SO_REUSEPORT
//             acceptor on the same port: the kernel spreads connections, nothing is shared
//             (the default);
//   shared    one io_context run by N threads, one acceptor (the layout of our server).
//
// Usage: hello_beast [--host 127.0.0.1] [--port 0] [--threads N] [--mode per-core|shared]
// Prints "listening on PORT" once every acceptor is open; runs until SIGINT or SIGTERM.
#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr std::string_view kBody = R"({"status":"ok","service":"hello_beast"})";
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

asio::awaitable<void> session(tcp::socket socket) {
  beast::flat_buffer buffer;
  for (;;) {
    http::request<http::string_body> request;
    auto [read_ec, read_n] = co_await http::async_read(socket, buffer, request, kNoThrow);
    if (read_ec) break;  // EOF, reset or a malformed request: close
    http::response<http::string_body> response;
    response.version(request.version());
    response.keep_alive(request.keep_alive());
    response.set(http::field::server, "hello_beast");
    if (request.method() == http::verb::get) {
      response.result(http::status::ok);
      response.set(http::field::content_type, "application/json");
      response.body() = kBody;
    } else if (request.method() == http::verb::post) {
      response.result(http::status::ok);
      response.set(http::field::content_type, "application/json");
      response.body() = "{}";
    } else {
      response.result(http::status::method_not_allowed);
      response.set(http::field::allow, "GET, POST");
    }
    response.prepare_payload();
    auto [write_ec, write_n] = co_await http::async_write(socket, response, kNoThrow);
    if (write_ec || !response.keep_alive()) break;
  }
  beast::error_code ignored;
  socket.shutdown(tcp::socket::shutdown_send, ignored);
}

asio::awaitable<void> accept_loop(tcp::acceptor& acceptor) {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(kNoThrow);
    if (ec) {
      if (ec == asio::error::operation_aborted) co_return;
      continue;  // e.g. EMFILE: keep serving the open connections
    }
    socket.set_option(tcp::no_delay(true), ec);
    asio::co_spawn(acceptor.get_executor(), session(std::move(socket)), asio::detached);
  }
}

// An acceptor on host:port; SO_REUSEPORT lets several of them share one port (per-core mode).
tcp::acceptor open_acceptor(asio::io_context& ioc, const tcp::endpoint& at, bool reuse_port) {
  tcp::acceptor acceptor(ioc);
  acceptor.open(at.protocol());
  acceptor.set_option(asio::socket_base::reuse_address(true));
  if (reuse_port) {
    int one = 1;
    if (::setsockopt(acceptor.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) {
      throw std::runtime_error(std::string("SO_REUSEPORT: ") + std::strerror(errno));
    }
  }
  acceptor.bind(at);
  acceptor.listen(asio::socket_base::max_listen_connections);
  return acceptor;
}

struct Options {
  std::string host = "127.0.0.1";
  unsigned short port = 0;
  int threads = static_cast<int>(std::thread::hardware_concurrency());
  bool per_core = true;
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    const char* value = i + 1 < argc ? argv[i + 1] : nullptr;
    if (value == nullptr) {
      std::fprintf(stderr, "hello_beast: %s needs a value\n", argv[i]);
      std::exit(2);
    }
    if (arg == "--host") {
      o.host = value;
    } else if (arg == "--port") {
      o.port = static_cast<unsigned short>(std::atoi(value));
    } else if (arg == "--threads") {
      o.threads = std::max(1, std::atoi(value));
    } else if (arg == "--mode" &&
               (std::string_view(value) == "per-core" || std::string_view(value) == "shared")) {
      o.per_core = std::string_view(value) == "per-core";
    } else {
      std::fprintf(stderr,
                   "usage: hello_beast [--host H] [--port P] [--threads N] "
                   "[--mode per-core|shared]\n");
      std::exit(2);
    }
    ++i;
  }
  if (o.threads < 1) o.threads = 1;
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  const int contexts = o.per_core ? o.threads : 1;
  std::vector<std::unique_ptr<asio::io_context>> iocs;
  std::vector<tcp::acceptor> acceptors;
  tcp::endpoint at(asio::ip::make_address(o.host), o.port);
  try {
    for (int i = 0; i < contexts; ++i) {
      iocs.push_back(std::make_unique<asio::io_context>(o.per_core ? 1 : o.threads));
      acceptors.push_back(open_acceptor(*iocs.back(), at, o.per_core));
      at.port(acceptors.front().local_endpoint().port());  // port 0: the others join the first
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hello_beast: cannot listen on %s:%u: %s\n", o.host.c_str(), o.port,
                 e.what());
    return 1;
  }
  for (auto& acceptor : acceptors) {
    asio::co_spawn(acceptor.get_executor(), accept_loop(acceptor), asio::detached);
  }
  asio::signal_set signals(*iocs.front(), SIGINT, SIGTERM);
  signals.async_wait([&](const beast::error_code&, int) {
    for (auto& ioc : iocs) ioc->stop();
  });
  std::printf("listening on %u (%d thread%s, %s)\n", at.port(), o.threads,
              o.threads == 1 ? "" : "s", o.per_core ? "one io_context per thread" : "shared");
  std::fflush(stdout);

  std::vector<std::thread> threads;
  for (int i = 0; i < o.threads; ++i) {
    asio::io_context& ioc = *iocs[o.per_core ? i : 0];
    if (i > 0) threads.emplace_back([&ioc] { ioc.run(); });
  }
  iocs.front()->run();
  for (auto& t : threads) t.join();
  return 0;
}
