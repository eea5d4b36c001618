#pragma once
// HTTP messages as the rest of the server sees them: plain structs, no Boost.Beast, so that
// handlers stay cheap to compile and easy to test.
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ov::http {

class Headers {
 public:
  // Case-insensitive lookup of the first value.
  std::optional<std::string_view> get(std::string_view name) const;
  void set(std::string name, std::string value);  // replaces every value of that name
  void add(std::string name, std::string value);
  void remove(std::string_view name);
  bool has(std::string_view name) const { return get(name).has_value(); }
  const std::vector<std::pair<std::string, std::string>>& all() const { return items_; }

 private:
  std::vector<std::pair<std::string, std::string>> items_;
};

struct Request {
  std::string method;  // upper-case, e.g. "GET"
  std::string target;  // as received: path and query
  std::string path;    // before '?', not decoded
  std::string query;   // after '?', not decoded
  Headers headers;
  std::string body;
  std::string client_ip;

  std::optional<std::string> query_param(std::string_view name) const;  // decoded
  std::string content_type() const;  // media type only, lower-case, no parameters
};

class Later;

struct Response {
  int status = 200;
  Headers headers;
  std::string body;
  // Set by a handler whose answer comes later (Response::deferred): the server waits for it
  // without holding a thread; status, headers and body are then unused.
  std::shared_ptr<Later> later;

  static Response json(int status, std::string body);
  static Response empty(int status);
  static Response deferred(std::shared_ptr<Later> later);
};

// The answer of a request that waits for something — a job to finish, an inference slot —
// without holding a thread. The handler returns Response::deferred(later) and resolves `later`
// from any thread, once; the server writes that answer, or `fallback` when `timeout` passes
// first. The server's side: attach / detach / take.
class Later {
 public:
  Later(std::chrono::milliseconds timeout, Response fallback);
  // A fallback made at the timeout, on the blocking pool (it may look at the database once
  // more); `fallback` is the answer when the pool is saturated then.
  Later(std::chrono::milliseconds timeout, Response fallback,
        std::function<Response()> make_fallback);
  // The first answer wins; later ones are dropped. Thread-safe.
  void resolve(Response response);
  // The same, but the answer is made by `make` on the server's blocking pool (it may read the
  // database): for resolvers that must not block, such as an event bus's thread.
  void resolve_by(std::function<Response()> make);
  bool resolved() const;

  std::chrono::milliseconds timeout() const { return timeout_; }
  // Called (once, from the resolving thread) when an answer arrives while attached.
  void attach(std::function<void()> wake);
  void detach();
  // The answer, or the fallback when there is none yet. A `make` given to resolve_by comes
  // out as a Response whose body is empty and `maker()` set: call it (on the blocking pool).
  Response take();
  std::function<Response()> take_maker();
  // After the timeout with no answer: the fallback's maker, when there is one.
  std::function<Response()> take_fallback_maker();

 private:
  const std::chrono::milliseconds timeout_;
  mutable std::mutex mu_;
  std::optional<Response> answer_;
  std::function<Response()> maker_;
  Response fallback_;
  std::function<Response()> fallback_maker_;
  std::function<void()> wake_;
};

// Splits a target into path and query.
void split_target(std::string_view target, std::string& path, std::string& query);
// Percent-decoding ('+' is a space only when form is true). nullopt for a bad escape.
std::optional<std::string> percent_decode(std::string_view text, bool form = false);
// application/x-www-form-urlencoded pairs, decoded. nullopt for a bad escape.
std::optional<std::vector<std::pair<std::string, std::string>>> parse_form(std::string_view body);
bool iequals(std::string_view a, std::string_view b);

}  // namespace ov::http
