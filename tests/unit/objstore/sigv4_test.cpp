// AWS Signature V4 against the examples AWS publishes: the S3 examples of "Signature
// Calculations for the Authorization Header" and "Authenticating Requests: Using Query
// Parameters" (examplebucket, 20130524T000000Z), and cases of the AWS SigV4 test suite
// (service "service", 20150830T123600Z). Every expected value below is AWS's, not ours.
#include "objstore/sigv4.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>

namespace ov::objstore::sigv4 {
namespace {

constexpr char kEmptySha256[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

// The S3 examples' account, bucket and moment.
const Credentials kS3Example{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                             ""};
const Scope kS3Scope{"us-east-1", "s3"};
constexpr char kS3Date[] = "20130524T000000Z";
constexpr char kS3Host[] = "examplebucket.s3.amazonaws.com";

// The test suite's account and moment.
const Credentials kSuite{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
const Scope kSuiteScope{"us-east-1", "service"};
constexpr char kSuiteDate[] = "20150830T123600Z";

std::string signature_in(const std::string& authorization) {
  auto at = authorization.find("Signature=");
  return at == std::string::npos ? "" : authorization.substr(at + 10);
}

TEST(SigV4S3, GetObjectWithARange) {
  Request r{
      "GET",
      kS3Host,
      "/test.txt",
      {},
      {{"Range", "bytes=0-9"}, {"x-amz-content-sha256", kEmptySha256}, {"x-amz-date", kS3Date}},
      kEmptySha256};
  EXPECT_EQ(canonical_request(r),
            "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
            "x-amz-content-sha256:" +
                std::string(kEmptySha256) +
                "\nx-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n" +
                kEmptySha256);
  EXPECT_EQ(string_to_sign(kS3Date, kS3Scope, canonical_request(r)),
            "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
            "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
  EXPECT_EQ(authorization(r, kS3Example, kS3Scope, kS3Date),
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(SigV4S3, PutObjectWithAKeyThatNeedsEncoding) {
  const std::string body = "Welcome to Amazon S3.";
  EXPECT_EQ(sha256_hex(body), "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  Request r{"PUT",
            kS3Host,
            "/test$file.text",
            {},
            {{"Date", "Fri, 24 May 2013 00:00:00 GMT"},
             {"x-amz-date", kS3Date},
             {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
             {"x-amz-content-sha256", sha256_hex(body)}},
            sha256_hex(body)};
  EXPECT_NE(canonical_request(r).find("\n/test%24file.text\n"), std::string::npos);
  EXPECT_EQ(signed_headers(r), "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class");
  EXPECT_EQ(signature_in(authorization(r, kS3Example, kS3Scope, kS3Date)),
            "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
}

TEST(SigV4S3, AFlagParameterHasAnEmptyValue) {
  Request r{"GET",
            kS3Host,
            "/",
            {{"lifecycle", ""}},
            {{"x-amz-date", kS3Date}, {"x-amz-content-sha256", kEmptySha256}},
            kEmptySha256};
  EXPECT_NE(canonical_request(r).find("\n/\nlifecycle=\n"), std::string::npos);
  EXPECT_EQ(signature_in(authorization(r, kS3Example, kS3Scope, kS3Date)),
            "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
}

TEST(SigV4S3, ListingParametersAreSorted) {
  Request r{"GET",
            kS3Host,
            "/",
            {{"prefix", "J"}, {"max-keys", "2"}},
            {{"x-amz-date", kS3Date}, {"x-amz-content-sha256", kEmptySha256}},
            kEmptySha256};
  EXPECT_NE(canonical_request(r).find("\nmax-keys=2&prefix=J\n"), std::string::npos);
  EXPECT_EQ(signature_in(authorization(r, kS3Example, kS3Scope, kS3Date)),
            "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

TEST(SigV4S3, PresignedUrl) {
  Request r{"GET", kS3Host, "/test.txt", {}, {}, ""};
  EXPECT_EQ(presign(r, kS3Example, kS3Scope, kS3Date, 86400),
            "https://examplebucket.s3.amazonaws.com/test.txt"
            "?X-Amz-Algorithm=AWS4-HMAC-SHA256"
            "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
            "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
            "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
}

TEST(SigV4Suite, GetVanilla) {
  Request r{"GET", "example.amazonaws.com", "/", {}, {{"X-Amz-Date", kSuiteDate}}, kEmptySha256};
  EXPECT_EQ(string_to_sign(kSuiteDate, kSuiteScope, canonical_request(r)),
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
            "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
  EXPECT_EQ(authorization(r, kSuite, kSuiteScope, kSuiteDate),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            "SignedHeaders=host;x-amz-date, "
            "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

TEST(SigV4Suite, QueryOrderAndKeyCase) {
  Request r{"GET",
            "example.amazonaws.com",
            "/",
            {{"Param2", "value2"}, {"Param1", "value1"}},
            {{"X-Amz-Date", kSuiteDate}},
            kEmptySha256};
  EXPECT_EQ(signature_in(authorization(r, kSuite, kSuiteScope, kSuiteDate)),
            "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500");
}

TEST(SigV4Suite, PostVanilla) {
  Request r{"POST", "example.amazonaws.com", "/", {}, {{"X-Amz-Date", kSuiteDate}}, kEmptySha256};
  EXPECT_EQ(signature_in(authorization(r, kSuite, kSuiteScope, kSuiteDate)),
            "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b");
}

TEST(SigV4, HeaderValuesAreTrimmedAndRepeatedHeadersJoined) {
  Request r{"GET",
            "  example.com ",
            "/",
            {},
            {{"My-Header", "  a   b \t c  "}, {"X-Amz-Date", kSuiteDate}, {"my-header", "d"}},
            kEmptySha256};
  EXPECT_EQ(canonical_request(r),
            "GET\n/\n\nhost:example.com\nmy-header:a b c,d\nx-amz-date:20150830T123600Z\n\n"
            "host;my-header;x-amz-date\n" +
                std::string(kEmptySha256));
}

TEST(SigV4, UriEncodingKeepsOnlyUnreservedBytes) {
  EXPECT_EQ(uri_encode("AZaz09-._~", false), "AZaz09-._~");
  EXPECT_EQ(uri_encode("a b+c=d&e/f", false), "a%20b%2Bc%3Dd%26e%2Ff");
  EXPECT_EQ(uri_encode("/dir/a b/", true), "/dir/a%20b/");
  EXPECT_EQ(uri_encode("\xc3\xa9", false), "%C3%A9");  // é: each UTF-8 byte, upper-case hex
  // Never normalised: S3 object keys may hold these.
  Request r{"GET", "h", "/a/./b//c", {}, {}, kEmptySha256};
  EXPECT_NE(canonical_request(r).find("\n/a/./b//c\n"), std::string::npos);
}

TEST(SigV4, AmzDateIsUtc) {
  using namespace std::chrono;
  auto when = sys_days{year{2013} / May / 24} + hours{13} + minutes{5} + seconds{9};
  EXPECT_EQ(amz_date(when), "20130524T130509Z");
  EXPECT_THROW(credential_scope("2013-05-24", kS3Scope), std::invalid_argument);
}

TEST(SigV4, PresigningCarriesTheSessionTokenAndBoundsTheExpiry) {
  Request r{"GET", "127.0.0.1:9000", "/bucket/k.jpg", {}, {}, ""};
  Credentials temporary = kS3Example;
  temporary.session_token = "token/with+chars";
  std::string url = presign(r, temporary, kS3Scope, kS3Date, 60, "http");
  EXPECT_EQ(url.rfind("http://127.0.0.1:9000/bucket/k.jpg?", 0), 0u) << url;
  EXPECT_NE(url.find("&X-Amz-Security-Token=token%2Fwith%2Bchars&"), std::string::npos) << url;
  EXPECT_NE(url.find("&X-Amz-Expires=60&"), std::string::npos) << url;
  // Another token is another signature.
  std::string other = presign(r, kS3Example, kS3Scope, kS3Date, 60, "http");
  EXPECT_NE(url.substr(url.find("X-Amz-Signature=")), other.substr(other.find("X-Amz-Signature=")));
  EXPECT_THROW(presign(r, kS3Example, kS3Scope, kS3Date, 0), std::invalid_argument);
  EXPECT_THROW(presign(r, kS3Example, kS3Scope, kS3Date, 604801), std::invalid_argument);
  EXPECT_NO_THROW(presign(r, kS3Example, kS3Scope, kS3Date, 604800));
}

}  // namespace
}  // namespace ov::objstore::sigv4
