#include "backend_fixture.hpp"

#include <cstdlib>
#include <filesystem>

#include "core/ids.hpp"
#include "storage/postgres/connection.hpp"
#include "storage/sql/dialect.hpp"
#include "storage/sqlite/connection.hpp"

namespace ov::storage::test {

std::string backend_name(const ::testing::TestParamInfo<std::string>& info) {
  return info.param;
}

void BackendTest::SetUp() {
  if (is_postgres()) {
    const char* env = std::getenv("OV_TEST_DATABASE_URL");
    if (env == nullptr || *env == '\0') {
      GTEST_SKIP()
          << "PostgreSQL case skipped: set OV_TEST_DATABASE_URL=postgresql://... to run it";
    }
    admin_url_ = env;
    // A schema of our own per test, selected through libpq's options parameter.
    schema_ = "ov_test_" + random_token(9);
    for (char& c : schema_) c = (c == '-' || c == '_') ? 'x' : static_cast<char>(std::tolower(c));
    auto admin = postgres::open_connection(admin_url_, 5);
    ASSERT_TRUE(admin.ok()) << admin.error().message;
    auto made = admin.value()->run_script("CREATE SCHEMA " + schema_);
    ASSERT_TRUE(made.ok()) << made.error().message;
    url_ = admin_url_ + (admin_url_.find('?') == std::string::npos ? "?" : "&") +
           "options=-csearch_path%3D" + schema_ + "&application_name=" + schema_;
  } else {
    auto base = std::filesystem::temp_directory_path() / "ov-storage-XXXXXX";
    std::string pattern = base.string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    temp_dir_ = pattern;
    url_ = "sqlite://" + temp_dir_ + "/objectvision.db";
  }
}

void BackendTest::TearDown() {
  db_.reset();
  if (!schema_.empty()) {
    auto admin = postgres::open_connection(admin_url_, 5);
    if (admin.ok()) (void)admin.value()->run_script("DROP SCHEMA " + schema_ + " CASCADE");
  }
  if (!temp_dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(temp_dir_, ec);
  }
}

Database& BackendTest::db() {
  if (!db_) {
    auto opened = open_database(DbConfig{url_});
    if (!opened) throw std::runtime_error("open_database: " + opened.error().message);
    db_ = std::move(opened).value();
  }
  return *db_;
}

Database& BackendTest::migrated() {
  auto applied = db().migrate_up();
  if (!applied) throw std::runtime_error("migrate_up: " + applied.error().message);
  return *db_;
}

std::unique_ptr<Database> BackendTest::open_another(int pool_size) {
  DbConfig config{url_};
  config.pool_size = pool_size;
  auto opened = open_database(config);
  if (!opened) throw std::runtime_error("open_database: " + opened.error().message);
  return std::move(opened).value();
}

std::unique_ptr<sql::Connection> BackendTest::raw() {
  auto conn = is_postgres()
                  ? postgres::open_connection(url_, 5)
                  : sqlite::open_connection(url_.substr(std::string("sqlite://").size()), 5000);
  if (!conn) throw std::runtime_error("raw connection: " + conn.error().message);
  return std::move(conn).value();
}

std::string BackendTest::time_param(int n) const {
  return sql::Dialect(is_postgres() ? sql::Dialect::Kind::postgres : sql::Dialect::Kind::sqlite)
      .time_param(n);
}

}  // namespace ov::storage::test
