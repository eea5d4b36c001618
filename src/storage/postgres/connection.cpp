#include "storage/postgres/connection.hpp"

#include <libpq-fe.h>

#include <memory>
#include <string_view>
#include <unordered_map>

#include <fmt/format.h>

#include "storage/postgres/result.hpp"

namespace ov::storage::postgres {
namespace {

using ResultPtr = std::unique_ptr<PGresult, decltype(&PQclear)>;

bool starts_with_word(std::string_view sql, std::string_view word) {
  std::size_t start = sql.find_first_not_of(" \t\r\n(");
  if (start == std::string_view::npos || sql.size() - start < word.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i) {
    char c = sql[start + i];
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (c != word[i]) return false;
  }
  return true;
}

// Statements that change nothing when run twice: reads, and opening a transaction.
bool repeatable(std::string_view sql) {
  return starts_with_word(sql, "SELECT") || starts_with_word(sql, "BEGIN");
}

void ignore_notice(void*, const char*) {}

class PgConnection final : public sql::Connection {
 public:
  explicit PgConnection(PGconn* conn) : conn_(conn) {
    PQsetNoticeProcessor(conn_, ignore_notice, nullptr);
  }
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;
  ~PgConnection() override { PQfinish(conn_); }

  Result<sql::QueryResult> query(std::string_view sql, const sql::Params& params) override {
    bool was_idle = PQstatus(conn_) == CONNECTION_OK && PQtransactionStatus(conn_) == PQTRANS_IDLE;
    bool nothing_ran = false;
    auto result = execute(sql, params, nothing_ran);
    if (result || PQstatus(conn_) == CONNECTION_OK) return result;
    // The connection is lost. Outside a transaction, run it again on a fresh one when that is
    // safe: it never reached the server, the server refused it while shutting the session
    // down (nothing committed), or it only reads.
    if (!was_idle || !(nothing_ran || repeatable(sql))) return result;
    if (!reset()) return result;
    return execute(sql, params, nothing_ran);
  }

  Result<void> run_script(std::string_view sql) override {
    std::string text(sql);
    ResultPtr res(PQexec(conn_, text.c_str()), &PQclear);
    ExecStatusType status = res ? PQresultStatus(res.get()) : PGRES_FATAL_ERROR;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      return error_from(conn_, res.get(), "script");
    }
    return {};
  }

  // Picks up what the server sent while the connection sat idle (a shutdown notice, EOF) so
  // that a connection the server dropped is reset before use instead of failing a query.
  Result<void> revalidate() override {
    if (PQstatus(conn_) == CONNECTION_OK && PQconsumeInput(conn_) == 1) {
      PQisBusy(conn_);  // parses what arrived
      PQconsumeInput(conn_);
    }
    if (PQstatus(conn_) == CONNECTION_OK) return {};
    if (!reset())
      return Error{Errc::unavailable,
                   fmt::format("PostgreSQL connection lost: {}", PQerrorMessage(conn_))};
    return {};
  }

  bool unusable() const override {
    return PQstatus(conn_) != CONNECTION_OK || PQtransactionStatus(conn_) != PQTRANS_IDLE;
  }

 private:
  bool reset() {
    prepared_.clear();  // the server forgot them with the old session
    PQreset(conn_);
    return PQstatus(conn_) == CONNECTION_OK;
  }

  Result<sql::QueryResult> execute(std::string_view sql, const sql::Params& params,
                                   bool& nothing_ran) {
    nothing_ran = false;
    auto name = prepare(sql, params.size());
    if (!name) {
      nothing_ran = true;
      return name.error();
    }
    TextParams text(params);
    ResultPtr res(PQexecPrepared(conn_, name.value().c_str(), static_cast<int>(params.size()),
                                 text.values(), nullptr, nullptr, 0),
                  &PQclear);
    ExecStatusType status = res ? PQresultStatus(res.get()) : PGRES_FATAL_ERROR;
    if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK) return read_result(res.get());
    nothing_ran = refused_at_shutdown(res.get());
    return error_from(conn_, res.get(), "query");
  }

  Result<std::string> prepare(std::string_view sql, std::size_t param_count) {
    std::string key(sql);
    if (auto found = prepared_.find(key); found != prepared_.end()) return found->second;
    std::string name = fmt::format("ov_{}", prepared_.size() + 1);
    ResultPtr res(
        PQprepare(conn_, name.c_str(), key.c_str(), static_cast<int>(param_count), nullptr),
        &PQclear);
    if (!res || PQresultStatus(res.get()) != PGRES_COMMAND_OK) {
      return error_from(conn_, res.get(), "prepare");
    }
    prepared_.emplace(std::move(key), name);
    return name;
  }

  PGconn* conn_;
  std::unordered_map<std::string, std::string> prepared_;  // SQL text -> statement name
};

}  // namespace

Result<std::unique_ptr<sql::Connection>> open_connection(const std::string& url,
                                                         int connect_timeout_s) {
  char* parse_error = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(url.c_str(), &parse_error);
  if (parsed == nullptr) {
    std::string message = parse_error ? parse_error : "out of memory";
    PQfreemem(parse_error);
    return Error{Errc::invalid_argument, "invalid PostgreSQL URL: " + message};
  }
  PQconninfoFree(parsed);

  // Keywords before dbname are defaults that the URL may override.
  std::string timeout = std::to_string(connect_timeout_s);
  const char* keys[] = {"connect_timeout", "fallback_application_name", "dbname", nullptr};
  const char* values[] = {timeout.c_str(), "objectvision", url.c_str(), nullptr};
  PGconn* conn = PQconnectdbParams(keys, values, 1);
  if (conn == nullptr) return Error{Errc::unavailable, "cannot connect to PostgreSQL: no memory"};
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string message = PQerrorMessage(conn);
    PQfinish(conn);
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
      message.pop_back();
    }
    return Error{Errc::unavailable, "cannot connect to PostgreSQL: " + message};
  }
  return std::unique_ptr<sql::Connection>(std::make_unique<PgConnection>(conn));
}

}  // namespace ov::storage::postgres
