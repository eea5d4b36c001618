#include "files/file_store.hpp"

#include <filesystem>

#include <gtest/gtest.h>

#include "core/ids.hpp"

namespace ov::files {
namespace {

class FileStoreTest : public ::testing::Test {
 protected:
  std::string root = (std::filesystem::temp_directory_path() / ("ovfiles-" + new_uuid())).string();
  FileStore store{root};
  void TearDown() override { std::filesystem::remove_all(root); }
};

TEST_F(FileStoreTest, WriteReadAndRemove) {
  std::string det = new_uuid(), img = new_uuid();
  std::string key = FileStore::key(det, img, "original", "jpg");
  EXPECT_EQ(key, det + "/" + img + ".original.jpg");
  std::string bytes("\xff\xd8\x00binary\xff\xd9", 11);
  ASSERT_TRUE(store.write(key, bytes).ok());
  auto back = store.read(key);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back.value(), bytes);
  EXPECT_EQ(std::filesystem::directory_iterator(root + "/" + det)->path().filename().string(),
            img + ".original.jpg");  // no temporary file left behind
  store.remove_detection(det);
  EXPECT_EQ(store.read(key).error().code, Errc::not_found);
}

TEST_F(FileStoreTest, KeysThatAreNotOursAreRefused) {
  for (const std::string& key :
       {std::string("../etc/passwd"), std::string("x/y.jpg"), new_uuid() + "/../../a",
        new_uuid() + "/a/b.jpg", new_uuid() + "/A.JPG", new_uuid()}) {
    EXPECT_FALSE(store.path(key)) << key;
    EXPECT_FALSE(store.write(key, std::string_view("x")).ok()) << key;
  }
  store.remove_detection("..");  // not a uuid: nothing happens
  EXPECT_TRUE(std::filesystem::exists(std::filesystem::temp_directory_path()));
}

}  // namespace
}  // namespace ov::files
