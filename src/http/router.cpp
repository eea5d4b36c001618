#include "http/router.hpp"

#include <algorithm>
#include <stdexcept>

namespace ov::http {
namespace {

std::vector<std::string_view> segments(std::string_view path) {
  std::vector<std::string_view> out;
  std::size_t start = 1;
  if (path.empty() || path[0] != '/') return out;
  while (start <= path.size()) {
    auto slash = path.find('/', start);
    out.push_back(path.substr(
        start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return out;
}

bool is_param(std::string_view seg) {
  return seg.size() > 2 && seg.front() == '{' && seg.back() == '}';
}

// Counts literal segments so that /users/get-profile beats /users/{user_id}; -1: no match.
int match_path(const std::vector<std::string>& tmpl, const std::vector<std::string_view>& path,
               std::map<std::string, std::string>* params) {
  if (tmpl.size() != path.size()) return -1;
  int literals = 0;
  for (std::size_t i = 0; i < tmpl.size(); ++i) {
    if (is_param(tmpl[i])) {
      if (path[i].empty()) return -1;
      auto decoded = percent_decode(path[i]);
      if (!decoded) return -1;
      if (params) (*params)[tmpl[i].substr(1, tmpl[i].size() - 2)] = std::move(*decoded);
    } else if (tmpl[i] != path[i]) {
      return -1;
    } else {
      ++literals;
    }
  }
  return literals;
}

}  // namespace

void Router::add(Route route) {
  if (route.path.empty() || route.path[0] != '/' || !route.handler) {
    throw std::invalid_argument("route needs a path starting with / and a handler");
  }
  for (const auto& r : routes_) {
    if (r->method == route.method && r->path == route.path) {
      throw std::invalid_argument("duplicate route " + route.method + " " + route.path);
    }
  }
  std::vector<std::string> parts;
  for (auto seg : segments(route.path)) parts.emplace_back(seg);
  templates_.push_back(std::move(parts));
  routes_.push_back(std::make_unique<Route>(std::move(route)));
}

Match Router::match(std::string_view method, std::string_view path) const {
  std::string_view want = method == "HEAD" ? std::string_view("GET") : method;
  Match best;
  int best_score = -1;
  int best_path_score = -1;
  const auto parts = segments(path);
  std::size_t best_index = 0;
  for (std::size_t i = 0; i < routes_.size(); ++i) {
    const auto& r = routes_[i];
    int score = match_path(templates_[i], parts, nullptr);
    if (score < 0) continue;
    if (score > best_path_score) {
      best_path_score = score;
      best.allowed.clear();
    }
    if (score == best_path_score) best.allowed.push_back(r->method);
    if (r->method == want && score > best_score) {
      best_score = score;
      best.route = r.get();
      best_index = i;
    }
  }
  if (best.route) {
    // A literal route for another method must not hide a parameter route for this one.
    best.params.clear();
    match_path(templates_[best_index], parts, &best.params);
    best.allowed.clear();
  } else if (!best.allowed.empty()) {
    if (std::find(best.allowed.begin(), best.allowed.end(), "GET") != best.allowed.end()) {
      best.allowed.push_back("HEAD");
    }
    best.allowed.push_back("OPTIONS");
  }
  return best;
}

}  // namespace ov::http
