// The request path from raw bytes to the handlers: HTTP/1.1 bytes (one or more pipelined
// requests) through Boost.Beast's request_parser with the server's header and body limits,
// turned into ov::http::Request as the server does, then the real pipeline and route table
// (see http_harness.hpp). The server's answers before a request is complete (400, 413, 431)
// go through finish_rejected. No answer may be a 500: malformed input is the client's fault.
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>

#include <boost/beast/core/error.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include "core/cidr.hpp"
#include "fuzz/fuzz_check.hpp"
#include "fuzz/http_harness.hpp"
#include "http/client_address.hpp"
#include "http/middleware.hpp"

namespace {
namespace beast = boost::beast;
namespace bhttp = beast::http;
using BeastRequest = bhttp::request<bhttp::string_body>;

constexpr int kMaxRequestsPerInput = 8;

ov::fuzz::HttpHarness* harness = nullptr;  // built once (see LLVMFuzzerInitialize)

// The connection's peer is a trusted proxy, so that Forwarded and X-Forwarded-For are read as
// the server reads them; the address they give must be the peer or a canonical IP address.
std::string client_ip(const ov::http::Headers& headers) {
  static const std::string peer = "192.0.2.1";
  static const auto trusted = ov::parse_cidrs("192.0.2.0/24, 10.0.0.0/8, fd00::/8, ::1");
  FUZZ_CHECK(trusted.has_value(), "TRUSTED_PROXIES");
  std::string ip = ov::http::client_address(peer, headers, *trusted);
  if (ip != peer) {
    auto parsed = ov::parse_ip_address(ip);
    FUZZ_CHECK(parsed && ov::to_string(*parsed) == ip, ip);
  }
  return ip;
}

// As server.cpp does it, with the placeholders of http_harness.hpp replaced.
ov::http::Request header_only(const BeastRequest& in) {
  ov::http::Request r;
  r.method = std::string(in.method_string());
  r.target = harness->substitute(std::string(in.target()));
  ov::http::split_target(r.target, r.path, r.query);
  for (const auto& field : in) {
    r.headers.add(std::string(field.name_string()),
                  harness->substitute(std::string(field.value())));
  }
  r.client_ip = client_ip(r.headers);
  return r;
}

// A JSON answer is valid JSON, and an error is {"detail": ...} (health checks and the DeepStack
// route answer in their own shapes).
void check_json_body(const ov::http::Request& request, const ov::http::Response& response) {
  auto type = response.headers.get("Content-Type");
  if (!type || !type->starts_with("application/json") || response.headers.has("Content-Encoding")) {
    return;
  }
  boost::json::error_code ec;
  boost::json::value body = boost::json::parse(response.body, ec);
  FUZZ_CHECK(!ec, response.body);
  if (response.status >= 400 && !request.path.starts_with("/v1/vision/") &&
      !request.path.starts_with("/health")) {
    FUZZ_CHECK(body.is_object() && body.as_object().contains("detail"), response.body);
  }
}

// OV_FUZZ_TRACE=1 prints each answer (for checking what the seeds reach).
const bool trace = std::getenv("OV_FUZZ_TRACE") != nullptr;

void check(const ov::http::Request& request, const ov::http::Response& response) {
  if (trace) {
    std::fprintf(stderr, "%d %s %s %.200s\n", response.status, request.method.c_str(),
                 request.target.c_str(), response.body.c_str());
  }
  FUZZ_CHECK(response.status >= 100 && response.status < 600, response.body);
  FUZZ_CHECK(response.status != 500, response.body);
  FUZZ_CHECK(response.headers.has("X-Request-ID"), response.body);
  check_json_body(request, response);
}

void reject(int status, std::string_view detail, const ov::http::Request& request) {
  ov::http::Response response = ov::http::error_response(status, detail);
  harness->finish_rejected(request, response);
  check(request, response);
}

// Answers a parse error as the server does; false: the connection ends.
bool parse_failed(const beast::error_code& ec, const ov::http::Request& head) {
  if (ec == bhttp::error::need_more) return false;  // the client went away mid-request
  if (ec == bhttp::error::header_limit) {
    reject(431, "Request Header Fields Too Large", head);
  } else if (ec == bhttp::error::body_limit) {
    reject(413, "Request body too large", head);
  } else {
    reject(400, "Bad Request", head);
  }
  return false;
}

// Parses and answers one request from the front of `input` as the server does: the request
// line and headers first; a request with a body is admitted (route, rate limits, credentials)
// before its body is parsed. False when the connection would end here (an error answer,
// Connection: close, or the bytes ran out mid-request).
bool serve_one(std::string_view& input) {
  bhttp::request_parser<bhttp::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(harness->max_header_bytes()));
  parser.body_limit(harness->max_body_bytes());
  // One put parses the header (not eager) or all of the body (eager); need_more means the rest
  // of the input is not enough (parsing again without more bytes is a misuse Beast asserts on).
  auto put = [&](bool eager, beast::error_code& ec) {
    parser.eager(eager);
    input.remove_prefix(parser.put(boost::asio::buffer(input.data(), input.size()), ec));
  };
  beast::error_code ec;
  put(false, ec);
  if (!ec && !parser.is_header_done()) ec = bhttp::error::need_more;
  if (ec) return parse_failed(ec, {});
  ov::http::Request head = header_only(parser.get());
  if (auto length = parser.content_length(); length && *length > harness->max_body_bytes()) {
    return parse_failed(bhttp::error::body_limit, head);
  }
  std::optional<ov::http::Admission> admission;
  if (!parser.is_done()) {
    admission = harness->admit(head);
    if (admission->rejection) {
      check(head, *admission->rejection);
      return false;
    }
    put(true, ec);
    if (!ec && !parser.is_done()) ec = bhttp::error::need_more;
    if (ec) return parse_failed(ec, head);
  }
  BeastRequest message = parser.release();
  bool keep_alive = message.keep_alive();
  ov::http::Request request = std::move(head);
  request.body = harness->substitute(std::move(message.body()));
  check(request, admission ? harness->run(request, *admission) : harness->handle(request));
  return keep_alive;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  harness = new ov::fuzz::HttpHarness();
  // libFuzzer ends with exit(): the harness goes first, removing its temporary folder.
  std::atexit([] { delete harness; });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  harness->refresh_accounts();
  std::string_view input = ov::fuzz::as_text(data, size);
  for (int i = 0; i < kMaxRequestsPerInput && !input.empty(); ++i) {
    if (!serve_one(input)) break;
  }
  return 0;
}
