#include "http/message.hpp"

#include <algorithm>
#include <cctype>

namespace ov::http {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::optional<std::string_view> Headers::get(std::string_view name) const {
  for (const auto& [k, v] : items_) {
    if (iequals(k, name)) return std::string_view(v);
  }
  return std::nullopt;
}

void Headers::set(std::string name, std::string value) {
  remove(name);
  items_.emplace_back(std::move(name), std::move(value));
}

void Headers::add(std::string name, std::string value) {
  items_.emplace_back(std::move(name), std::move(value));
}

void Headers::remove(std::string_view name) {
  std::erase_if(items_, [&](const auto& kv) { return iequals(kv.first, name); });
}

void split_target(std::string_view target, std::string& path, std::string& query) {
  auto q = target.find('?');
  path.assign(target.substr(0, q));
  query.assign(q == std::string_view::npos ? std::string_view() : target.substr(q + 1));
}

std::optional<std::string> percent_decode(std::string_view text, bool form) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      int hi = hex(text[i + 1]);
      int lo = hex(text[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && form) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::optional<std::vector<std::pair<std::string, std::string>>> parse_form(std::string_view body) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!body.empty()) {
    auto amp = body.find('&');
    std::string_view pair = body.substr(0, amp);
    body = amp == std::string_view::npos ? std::string_view() : body.substr(amp + 1);
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    auto key = percent_decode(pair.substr(0, eq), true);
    auto value = percent_decode(eq == std::string_view::npos ? "" : pair.substr(eq + 1), true);
    if (!key || !value) return std::nullopt;
    out.emplace_back(std::move(*key), std::move(*value));
  }
  return out;
}

std::optional<std::string> Request::query_param(std::string_view name) const {
  auto pairs = parse_form(query);
  if (!pairs) return std::nullopt;
  for (auto& [k, v] : *pairs) {
    if (k == name) return v;
  }
  return std::nullopt;
}

std::string Request::content_type() const {
  std::string lowered;
  auto ct = headers.get("Content-Type");
  if (!ct) return {};
  std::string_view v = ct->substr(0, ct->find(';'));
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  lowered.assign(v);
  std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lowered;
}

Response Response::json(int status, std::string body) {
  Response r;
  r.status = status;
  r.headers.set("Content-Type", "application/json");
  r.body = std::move(body);
  return r;
}

Response Response::empty(int status) {
  Response r;
  r.status = status;
  return r;
}

Response Response::deferred(std::shared_ptr<Later> later) {
  Response r;
  r.later = std::move(later);
  return r;
}

Later::Later(std::chrono::milliseconds timeout, Response fallback)
    : timeout_(timeout), fallback_(std::move(fallback)) {}

Later::Later(std::chrono::milliseconds timeout, Response fallback,
             std::function<Response()> make_fallback)
    : timeout_(timeout),
      fallback_(std::move(fallback)),
      fallback_maker_(std::move(make_fallback)) {}

std::function<Response()> Later::take_fallback_maker() {
  std::lock_guard lock(mu_);
  if (answer_ || maker_) return nullptr;
  return std::move(fallback_maker_);
}

void Later::resolve(Response response) {
  std::function<void()> wake;
  {
    std::lock_guard lock(mu_);
    if (answer_ || maker_) return;
    answer_ = std::move(response);
    wake = std::move(wake_);
    wake_ = nullptr;
  }
  if (wake) wake();
}

void Later::resolve_by(std::function<Response()> make) {
  std::function<void()> wake;
  {
    std::lock_guard lock(mu_);
    if (answer_ || maker_) return;
    maker_ = std::move(make);
    wake = std::move(wake_);
    wake_ = nullptr;
  }
  if (wake) wake();
}

bool Later::resolved() const {
  std::lock_guard lock(mu_);
  return answer_.has_value() || maker_ != nullptr;
}

std::function<Response()> Later::take_maker() {
  std::lock_guard lock(mu_);
  if (answer_) return nullptr;
  return std::move(maker_);
}

void Later::attach(std::function<void()> wake) {
  bool now = false;
  {
    std::lock_guard lock(mu_);
    if (answer_ || maker_) {
      now = true;
    } else {
      wake_ = std::move(wake);
    }
  }
  if (now) wake();
}

void Later::detach() {
  std::lock_guard lock(mu_);
  wake_ = nullptr;
}

Response Later::take() {
  std::lock_guard lock(mu_);
  if (answer_) return std::move(*answer_);
  return std::move(fallback_);
}

}  // namespace ov::http
