// One contract, two stores: a local directory, and a bucket of a real S3-compatible server
// (s3rver) named by OV_TEST_S3_ENDPOINT / OV_TEST_S3_BUCKET (skipped without one).
#include "files/file_store.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <memory>

#include "core/ids.hpp"
#include "files/local_store.hpp"
#include "files/s3_store.hpp"

namespace ov::files {
namespace {

std::string env(const char* name, const char* fallback = "") {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

class FileStoreContract : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "local") {
      root_ = (std::filesystem::temp_directory_path() / ("ovfiles-" + new_uuid())).string();
      store_ = std::make_unique<LocalFileStore>(root_);
      return;
    }
    if (env("OV_TEST_S3_ENDPOINT").empty() || env("OV_TEST_S3_BUCKET").empty())
      GTEST_SKIP() << "OV_TEST_S3_ENDPOINT / OV_TEST_S3_BUCKET are not set";
    objstore::S3Settings s;
    s.endpoint = env("OV_TEST_S3_ENDPOINT");
    s.bucket = env("OV_TEST_S3_BUCKET");
    s.credentials = {env("OV_TEST_S3_ACCESS_KEY_ID", "S3RVER"),
                     env("OV_TEST_S3_SECRET_ACCESS_KEY", "S3RVER"), ""};
    s.prefix = "files-" + new_uuid() + "/";
    store_ = std::make_unique<S3FileStore>(std::move(s));
  }
  void TearDown() override {
    if (!root_.empty()) std::filesystem::remove_all(root_);
  }
  std::string root_;
  std::unique_ptr<FileStore> store_;
};

TEST_P(FileStoreContract, WriteReadAndRemove) {
  FileStore& store = *store_;
  std::string det = new_uuid(), img = new_uuid();
  std::string key = FileStore::key(det, img, "original", "jpg");
  EXPECT_EQ(key, det + "/" + img + ".original.jpg");
  std::string bytes("\xff\xd8\x00binary\xff\xd9", 11);
  EXPECT_EQ(store.exists(key).value(), false) << "not written yet";
  ASSERT_TRUE(store.write(key, bytes).ok());
  EXPECT_EQ(store.exists(key).value(), true);
  auto back = store.read(key);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back.value(), bytes);
  ASSERT_TRUE(store.remove(key).ok());
  EXPECT_EQ(store.read(key).error().code, Errc::not_found);
  EXPECT_EQ(store.exists(key).value(), false) << "removed";
  EXPECT_EQ(store.exists("../etc/passwd").value(), false) << "not a key";
  EXPECT_TRUE(store.remove(key).ok());  // removed already: fine
}

TEST_P(FileStoreContract, RemovingADetectionRemovesItsFilesOnly) {
  FileStore& store = *store_;
  std::string det = new_uuid(), other = new_uuid();
  std::vector<std::string> keys;
  for (const char* kind : {"original", "annotated"}) {
    for (int i = 0; i < 3; ++i) keys.push_back(FileStore::key(det, new_uuid(), kind, "jpg"));
  }
  for (const auto& key : keys) ASSERT_TRUE(store.write(key, "x" + key).ok());
  std::string kept = FileStore::key(other, new_uuid(), "original", "png");
  ASSERT_TRUE(store.write(kept, std::string_view("kept")).ok());
  store.remove_detection(det);
  for (const auto& key : keys) EXPECT_EQ(store.read(key).error().code, Errc::not_found) << key;
  EXPECT_EQ(store.read(kept).value(), "kept");
  store.remove_detection(other);
}

TEST_P(FileStoreContract, KeysThatAreNotOursAreRefused) {
  FileStore& store = *store_;
  for (const std::string& key :
       {std::string("../etc/passwd"), std::string("x/y.jpg"), new_uuid() + "/../../a",
        new_uuid() + "/a/b.jpg", new_uuid() + "/A.JPG", new_uuid()}) {
    EXPECT_FALSE(FileStore::valid_key(key)) << key;
    EXPECT_EQ(store.write(key, std::string_view("x")).error().code, Errc::invalid_argument) << key;
    EXPECT_EQ(store.read(key).error().code, Errc::not_found) << key;
    EXPECT_EQ(store.remove(key).error().code, Errc::invalid_argument) << key;
  }
  store.remove_detection("..");  // not a uuid: nothing happens
  EXPECT_TRUE(std::filesystem::exists(std::filesystem::temp_directory_path()));
}

TEST_P(FileStoreContract, AWriteReplacesTheWholeFile) {
  FileStore& store = *store_;
  std::string key = FileStore::key(new_uuid(), new_uuid(), "annotated", "png");
  ASSERT_TRUE(store.write(key, std::string(100000, 'a')).ok());
  ASSERT_TRUE(store.write(key, std::string_view("short")).ok());
  EXPECT_EQ(store.read(key).value(), "short");
}

INSTANTIATE_TEST_SUITE_P(Stores, FileStoreContract, ::testing::Values("local", "s3"),
                         [](const auto& info) { return info.param; });

TEST(LocalFileStore, WritesLeaveNoTemporaryFileAndPathsStayInside) {
  std::string root = (std::filesystem::temp_directory_path() / ("ovfiles-" + new_uuid())).string();
  LocalFileStore store(root);
  std::string det = new_uuid(), img = new_uuid();
  std::string key = FileStore::key(det, img, "original", "jpg");
  ASSERT_TRUE(store.write(key, std::string_view("bytes")).ok());
  EXPECT_EQ(std::filesystem::directory_iterator(root + "/" + det)->path().filename().string(),
            img + ".original.jpg");  // no temporary file left behind
  EXPECT_EQ(store.path(key), root + "/" + key);
  EXPECT_FALSE(store.path("../etc/passwd"));
  EXPECT_EQ(store.location().rfind("file:///", 0), 0u) << store.location();
  std::filesystem::remove_all(root);
}

TEST(FileStoreContentType, ByExtension) {
  EXPECT_EQ(FileStore::content_type("a/b.original.jpg"), "image/jpeg");
  EXPECT_EQ(FileStore::content_type("a/b.annotated.png"), "image/png");
  EXPECT_EQ(FileStore::content_type("a/b.original.webp"), "image/webp");
  EXPECT_EQ(FileStore::content_type("a/b"), "application/octet-stream");
}

}  // namespace
}  // namespace ov::files
