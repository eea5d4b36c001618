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

// Counts literal segments so that /users/get-profile beats /users/{user_id}.
int match_path(std::string_view tmpl, std::string_view path,
               std::map<std::string, std::string>* params) {
  auto t = segments(tmpl);
  auto p = segments(path);
  if (t.size() != p.size()) return -1;
  int literals = 0;
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (is_param(t[i])) {
      if (p[i].empty()) return -1;
      auto decoded = percent_decode(p[i]);
      if (!decoded) return -1;
      if (params) (*params)[std::string(t[i].substr(1, t[i].size() - 2))] = std::move(*decoded);
    } else if (t[i] != p[i]) {
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
  routes_.push_back(std::make_unique<Route>(std::move(route)));
}

Match Router::match(std::string_view method, std::string_view path) const {
  std::string_view want = method == "HEAD" ? std::string_view("GET") : method;
  Match best;
  int best_score = -1;
  int best_path_score = -1;
  for (const auto& r : routes_) {
    int score = match_path(r->path, path, nullptr);
    if (score < 0) continue;
    if (score > best_path_score) {
      best_path_score = score;
      best.allowed.clear();
    }
    if (score == best_path_score) best.allowed.push_back(r->method);
    if (r->method == want && score > best_score) {
      best_score = score;
      best.route = r.get();
    }
  }
  if (best.route) {
    // A literal route for another method must not hide a parameter route for this one.
    best.params.clear();
    match_path(best.route->path, path, &best.params);
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
