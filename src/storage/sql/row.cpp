#include <charconv>
#include <stdexcept>

#include "storage/sql/connection.hpp"

namespace ov::storage::sql {
namespace {

template <class... F>
struct Visitor : F... {
  using F::operator()...;
};
template <class... F>
Visitor(F...) -> Visitor<F...>;

std::int64_t parse_integer(const std::string& s) {
  std::int64_t out = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (ec != std::errc() || end != s.data() + s.size()) {
    throw std::invalid_argument("not an integer column value: " + s);
  }
  return out;
}

}  // namespace

bool Row::is_null(std::size_t i) const {
  return std::holds_alternative<Null>(cells_.at(i));
}

std::string Row::text(std::size_t i) const {
  return std::visit(
      Visitor{[](Null) { return std::string(); }, [](std::int64_t v) { return std::to_string(v); },
              [](double v) { return std::to_string(v); }, [](const std::string& v) { return v; },
              [](bool v) { return std::string(v ? "true" : "false"); }},
      cells_.at(i));
}

std::optional<std::string> Row::optional_text(std::size_t i) const {
  if (is_null(i)) return std::nullopt;
  return text(i);
}

std::int64_t Row::integer(std::size_t i) const {
  return std::visit(
      Visitor{[](Null) -> std::int64_t { return 0; }, [](std::int64_t v) { return v; },
              [](double v) { return static_cast<std::int64_t>(v); },
              [](const std::string& v) { return parse_integer(v); },
              [](bool v) -> std::int64_t { return v ? 1 : 0; }},
      cells_.at(i));
}

std::optional<std::int64_t> Row::optional_integer(std::size_t i) const {
  if (is_null(i)) return std::nullopt;
  return integer(i);
}

double Row::real(std::size_t i) const {
  return std::visit(
      Visitor{[](Null) { return 0.0; }, [](std::int64_t v) { return static_cast<double>(v); },
              [](double v) { return v; }, [](const std::string& v) { return std::stod(v); },
              [](bool v) { return v ? 1.0 : 0.0; }},
      cells_.at(i));
}

bool Row::boolean(std::size_t i) const {
  return std::visit(
      Visitor{[](Null) { return false; }, [](std::int64_t v) { return v != 0; },
              [](double v) { return v != 0.0; },
              [](const std::string& v) { return v == "t" || v == "true" || v == "1"; },
              [](bool v) { return v; }},
      cells_.at(i));
}

}  // namespace ov::storage::sql
