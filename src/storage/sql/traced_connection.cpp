#include "storage/sql/traced_connection.hpp"

#include "obs/trace.hpp"

namespace ov::storage::sql {
namespace {

// The statement's first keyword (SELECT, INSERT, BEGIN, ...), upper-case.
std::string operation_of(std::string_view sql) {
  std::size_t b = 0;
  while (b < sql.size() && (sql[b] == ' ' || sql[b] == '\n' || sql[b] == '\t')) ++b;
  std::string op;
  for (std::size_t i = b; i < sql.size() && op.size() < 16; ++i) {
    char c = sql[i];
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (c < 'A' || c > 'Z') break;
    op += c;
  }
  return op.empty() ? "SQL" : op;
}

class TracedConnection final : public Connection {
 public:
  TracedConnection(std::unique_ptr<Connection> inner, std::string system)
      : inner_(std::move(inner)), system_(std::move(system)) {}

  Result<QueryResult> query(std::string_view sql, const Params& params) override {
    if (!obs::current_recording()) return inner_->query(sql, params);
    obs::ScopedSpan span(operation_of(sql), obs::SpanKind::client);
    span->set("db.system.name", system_);
    span->set("db.operation.name", operation_of(sql));
    span->set("db.query.text", sql);
    auto result = inner_->query(sql, params);
    if (result) {
      span->set("db.response.returned_rows", static_cast<std::int64_t>(result.value().rows.size()));
    } else {
      span->fail(result.error().message);
    }
    return result;
  }

  Result<void> run_script(std::string_view sql) override { return inner_->run_script(sql); }
  Result<void> revalidate() override { return inner_->revalidate(); }
  bool unusable() const override { return inner_->unusable(); }

 private:
  std::unique_ptr<Connection> inner_;
  std::string system_;
};

}  // namespace

std::unique_ptr<Connection> traced(std::unique_ptr<Connection> inner, std::string system) {
  return std::make_unique<TracedConnection>(std::move(inner), std::move(system));
}

}  // namespace ov::storage::sql
