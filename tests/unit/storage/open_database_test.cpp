#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "core/ids.hpp"
#include "storage/database.hpp"

namespace ov::storage {
namespace {

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "ov-open-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

TEST(OpenDatabase, RejectsUnknownSchemes) {
  for (const char* url : {"", "mysql://localhost/db", "sqlite:", "file:///tmp/x.db"}) {
    auto db = open_database(DbConfig{url});
    ASSERT_FALSE(db.ok()) << url;
    EXPECT_EQ(db.error().code, Errc::invalid_argument) << url;
  }
}

TEST(OpenDatabase, RejectsEmptySqlitePathAndBadPoolSize) {
  auto empty = open_database(DbConfig{"sqlite://"});
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().code, Errc::invalid_argument);
  TempDir dir;
  DbConfig config{"sqlite://" + (dir.path() / "x.db").string()};
  config.pool_size = 0;
  auto zero = open_database(config);
  ASSERT_FALSE(zero.ok());
  EXPECT_EQ(zero.error().code, Errc::invalid_argument);
}

TEST(OpenDatabase, SqliteCreatesTheFileAndItsDirectories) {
  TempDir dir;
  auto file = dir.path() / "nested" / "deeper" / "objectvision.db";
  auto db = open_database(DbConfig{"sqlite://" + file.string()});
  ASSERT_TRUE(db.ok()) << db.error().message;
  EXPECT_EQ(db.value()->backend(), "sqlite");
  EXPECT_TRUE(db.value()->ping().ok());
  EXPECT_TRUE(std::filesystem::exists(file));
  ASSERT_TRUE(db.value()->migrate_up().ok());
  // WAL mode leaves its side file next to the database while connections are open.
  EXPECT_TRUE(std::filesystem::exists(file.string() + "-wal"));
}

TEST(OpenDatabase, SqliteRelativePath) {
  TempDir dir;
  auto cwd = std::filesystem::current_path();
  std::filesystem::current_path(dir.path());
  auto db = open_database(DbConfig{"sqlite://data/relative.db"});
  std::filesystem::current_path(cwd);
  ASSERT_TRUE(db.ok()) << db.error().message;
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "data" / "relative.db"));
}

TEST(OpenDatabase, SqliteInMemoryWorks) {
  auto db = open_database(DbConfig{"sqlite://:memory:"});
  ASSERT_TRUE(db.ok()) << db.error().message;
  ASSERT_TRUE(db.value()->migrate_up().ok());
  EXPECT_TRUE(db.value()->users().create(NewUser{"m@example.com", "h", "M"}).ok());
  EXPECT_EQ(db.value()->users().count(), 1);
}

TEST(OpenDatabase, SqliteUnopenableFileIsUnavailable) {
  TempDir dir;
  auto blocker = dir.path() / "not-a-dir";
  std::ofstream(blocker) << "x";
  auto db = open_database(DbConfig{"sqlite://" + (blocker / "x.db").string()});
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().code, Errc::unavailable);
}

TEST(OpenDatabase, UnreachablePostgresIsUnavailable) {
  DbConfig config{"postgresql://nobody@127.0.0.1:1/none"};
  config.connect_timeout_s = 2;
  auto db = open_database(config);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().code, Errc::unavailable);
  EXPECT_NE(db.error().message.find("PostgreSQL"), std::string::npos);
  auto also = open_database(DbConfig{"postgres://nobody@127.0.0.1:1/none"});
  ASSERT_FALSE(also.ok());
  EXPECT_EQ(also.error().code, Errc::unavailable);
}

TEST(OpenDatabase, MalformedPostgresUrlIsInvalid) {
  auto db = open_database(DbConfig{"postgresql://host/db?no_such_option=1"});
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().code, Errc::invalid_argument) << db.error().message;
}

TEST(StorageError, IsAnApiErrorWithAGenericDetail) {
  StorageError down(Error{Errc::unavailable, "connection refused on 10.0.0.5"});
  EXPECT_EQ(down.status(), 503);
  EXPECT_EQ(down.detail(), "Database unavailable");
  EXPECT_STREQ(down.what(), "connection refused on 10.0.0.5");
  StorageError broken(Error{Errc::internal, "syntax error"});
  EXPECT_EQ(broken.status(), 500);
  EXPECT_EQ(broken.cause().code, Errc::internal);
}

}  // namespace
}  // namespace ov::storage
