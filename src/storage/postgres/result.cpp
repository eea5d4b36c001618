#include "storage/postgres/result.hpp"

#include <charconv>
#include <cstdlib>

#include <fmt/format.h>

namespace ov::storage::postgres {
namespace {

// Type OIDs from the server's pg_type catalogue (stable across versions).
constexpr Oid kBool = 16;
constexpr Oid kInt8 = 20;
constexpr Oid kInt2 = 21;
constexpr Oid kInt4 = 23;
constexpr Oid kFloat4 = 700;
constexpr Oid kFloat8 = 701;

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

sql::Value cell(const PGresult* res, int row, int col) {
  if (PQgetisnull(res, row, col)) return sql::Null{};
  const char* text = PQgetvalue(res, row, col);
  auto length = static_cast<std::size_t>(PQgetlength(res, row, col));
  switch (PQftype(res, col)) {
    case kBool:
      return length > 0 && text[0] == 't';
    case kInt2:
    case kInt4:
    case kInt8: {
      std::int64_t v = 0;
      std::from_chars(text, text + length, v);
      return v;
    }
    case kFloat4:
    case kFloat8:
      return std::strtod(text, nullptr);  // also "NaN", "Infinity"
    default:
      return std::string(text, length);
  }
}

}  // namespace

TextParams::TextParams(const sql::Params& params) {
  text_.reserve(params.size());
  for (const auto& p : params) {
    if (const auto* s = std::get_if<std::string>(&p)) {
      text_.push_back(*s);
    } else if (const auto* i = std::get_if<std::int64_t>(&p)) {
      text_.push_back(std::to_string(*i));
    } else if (const auto* d = std::get_if<double>(&p)) {
      text_.push_back(fmt::format("{}", *d));
    } else if (const auto* b = std::get_if<bool>(&p)) {
      text_.push_back(*b ? "true" : "false");
    } else {
      text_.emplace_back();
    }
  }
  for (std::size_t i = 0; i < params.size(); ++i) {
    pointers_.push_back(std::holds_alternative<sql::Null>(params[i]) ? nullptr : text_[i].c_str());
  }
}

sql::QueryResult read_result(const PGresult* res) {
  sql::QueryResult out;
  int rows = PQntuples(res);
  int cols = PQnfields(res);
  out.rows.reserve(static_cast<std::size_t>(rows));
  for (int r = 0; r < rows; ++r) {
    std::vector<sql::Value> cells;
    cells.reserve(static_cast<std::size_t>(cols));
    for (int c = 0; c < cols; ++c) cells.push_back(cell(res, r, c));
    out.rows.emplace_back(std::move(cells));
  }
  std::string_view affected = PQcmdTuples(const_cast<PGresult*>(res));
  if (!affected.empty()) {
    std::from_chars(affected.data(), affected.data() + affected.size(), out.affected);
  }
  return out;
}

Error error_from(PGconn* conn, const PGresult* res, std::string_view what) {
  std::string message = res ? PQresultErrorMessage(res) : "";
  if (message.empty()) message = PQerrorMessage(conn);
  const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  std::string_view sqlstate = state ? state : "";

  Errc code = Errc::internal;
  if (sqlstate == "23505") {
    code = Errc::conflict;
  } else if (sqlstate.starts_with("23")) {
    code = Errc::invalid_argument;
  } else if (PQstatus(conn) != CONNECTION_OK || sqlstate.starts_with("08") ||
             sqlstate.starts_with("57P") || sqlstate.starts_with("53") || sqlstate == "40001" ||
             sqlstate == "40P01") {
    code = Errc::unavailable;
  }
  return Error{code, fmt::format("postgresql {}: {}{}{}", what, trimmed(message),
                                 sqlstate.empty() ? "" : " SQLSTATE ", sqlstate)};
}

bool refused_at_shutdown(const PGresult* res) {
  const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  return state != nullptr && std::string_view(state).starts_with("57P");
}

}  // namespace ov::storage::postgres
