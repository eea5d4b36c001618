#include "http/multipart.hpp"

#include <gtest/gtest.h>

namespace ov::http {
namespace {

const std::string kBody =
    "preamble\r\n"
    "--XyZ\r\n"
    "Content-Disposition: form-data; name=\"confidence\"\r\n\r\n"
    "0.5\r\n"
    "--XyZ\r\n"
    "Content-Disposition: form-data; name=\"image\"; filename=\"d\\\"og.jpg\"\r\n"
    "Content-Type: Image/JPEG\r\n\r\n"
    "\xff\xd8\r\n--Xy\r\nbinary\xff\xd9\r\n"
    "--XyZ\r\n"
    "content-disposition: FORM-DATA; name=empty\r\n\r\n"
    "\r\n"
    "--XyZ--\r\nepilogue";

TEST(Multipart, BoundaryFromContentType) {
  EXPECT_EQ(multipart_boundary("multipart/form-data; boundary=XyZ"), "XyZ");
  EXPECT_EQ(multipart_boundary("Multipart/Form-Data; charset=utf-8; boundary=\"a b\""), "a b");
  EXPECT_EQ(multipart_boundary("application/json"), std::nullopt);
  EXPECT_EQ(multipart_boundary("multipart/form-data"), std::nullopt);
  EXPECT_EQ(multipart_boundary("multipart/form-data; boundary=" + std::string(71, 'a')),
            std::nullopt);
}

TEST(Multipart, ParsesFieldsAndFilesAsViews) {
  auto parts = parse_multipart(kBody, "XyZ");
  ASSERT_TRUE(parts.ok()) << parts.error().message;
  ASSERT_EQ(parts->size(), 3u);
  EXPECT_EQ((*parts)[0].name, "confidence");
  EXPECT_FALSE((*parts)[0].filename);
  EXPECT_EQ((*parts)[0].data, "0.5");
  EXPECT_EQ((*parts)[1].name, "image");
  EXPECT_EQ((*parts)[1].filename, "d\"og.jpg");
  EXPECT_EQ((*parts)[1].content_type, "image/jpeg");
  EXPECT_EQ((*parts)[1].data, "\xff\xd8\r\n--Xy\r\nbinary\xff\xd9");
  EXPECT_GE((*parts)[1].data.data(), kBody.data());  // a view, not a copy
  EXPECT_EQ((*parts)[2].name, "empty");
  EXPECT_EQ((*parts)[2].data, "");
}

TEST(Multipart, MalformedBodiesAreErrors) {
  for (const std::string& body : std::vector<std::string>{
           "",
           "no boundary here",
           "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nvalue",  // truncated
           "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\nno blank line\r\n--XyZ--",
           "--XyZ\r\nContent-Type: text/plain\r\n\r\nx\r\n--XyZ--",  // no disposition
           "--XyZ\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\nx\r\n--XyZ--",
           "--XyZ\r\nContent-Disposition: form-data\r\n\r\nx\r\n--XyZ--",  // no name
           "--XyZ\r\nContent-Disposition: form-data; name=\"a\r\n\r\nx\r\n--XyZ--",
           "--XyZgarbage",
       }) {
    auto parts = parse_multipart(body, "XyZ");
    EXPECT_FALSE(parts.ok()) << body;
  }
}

TEST(Multipart, PartCountIsLimited) {
  std::string body;
  for (int i = 0; i < 5; ++i)
    body += "--b\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\nv\r\n";
  body += "--b--";
  EXPECT_TRUE(parse_multipart(body, "b", {5, 1024}).ok());
  EXPECT_FALSE(parse_multipart(body, "b", {4, 1024}).ok());
}

}  // namespace
}  // namespace ov::http
