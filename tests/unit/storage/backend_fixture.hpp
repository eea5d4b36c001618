#pragma once
// A parameterised fixture: every test runs against SQLite (a file in a fresh temporary
// directory) and PostgreSQL (a fresh schema in the database named by OV_TEST_DATABASE_URL;
// skipped when that variable is unset).
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "storage/database.hpp"
#include "storage/sql/connection.hpp"

namespace ov::storage::test {

class BackendTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override;
  void TearDown() override;

  bool is_postgres() const { return GetParam() == "postgresql"; }
  const std::string& url() const { return url_; }
  // PostgreSQL: this test's schema, also the application_name of its sessions.
  const std::string& schema() const { return schema_; }
  // The database handle the test shares (opened on first use, not migrated).
  Database& db();
  // Opens and migrates db().
  Database& migrated();
  // A second, independent handle on the same database (as another process would hold).
  std::unique_ptr<Database> open_another(int pool_size = 8);
  // A raw driver connection to the same database, for what the interface cannot do.
  std::unique_ptr<sql::Connection> raw();
  // The placeholder for an epoch-ms timestamp parameter in this backend's SQL.
  std::string time_param(int n) const;

 private:
  std::string url_;
  std::string temp_dir_;   // sqlite
  std::string schema_;     // postgresql
  std::string admin_url_;  // postgresql, without the search_path option
  std::unique_ptr<Database> db_;
};

// Names the instantiations "sqlite" / "postgresql".
std::string backend_name(const ::testing::TestParamInfo<std::string>& info);

}  // namespace ov::storage::test

#define OV_STORAGE_BACKENDS(Fixture)                                                            \
  INSTANTIATE_TEST_SUITE_P(Backends, Fixture,                                                   \
                           ::testing::Values(std::string("sqlite"), std::string("postgresql")), \
                           ::ov::storage::test::backend_name)
