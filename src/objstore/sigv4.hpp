#pragma once
// AWS Signature Version 4 (AWS4-HMAC-SHA256) as S3-compatible stores check it: the canonical
// request, the string to sign, the derived signing key, the Authorization header of a request
// and presigned URLs (the signature in the query string, for a client to fetch an object
// without credentials until it expires). S3's rules: the path is percent-encoded once, '/'
// kept, and never normalised (an object key may hold "./" or "//").
// Reference: docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-authenticating-requests.html;
// tests/unit/objstore/sigv4_test.cpp checks every function against the published examples.
#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ov::objstore::sigv4 {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // of temporary credentials (STS); empty when none
};

// Where a signature is valid: the region ("us-east-1") and the service ("s3").
struct Scope {
  std::string region;
  std::string service = "s3";
};

using Fields = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method;  // "GET", "PUT", …
  std::string host;    // the Host header: "bucket.s3.amazonaws.com", "127.0.0.1:9000"
  std::string path;    // not encoded: "/bucket/key" or "/key"; empty is "/"
  Fields query;        // names and values not encoded; a flag such as ?lifecycle has ""
  Fields headers;      // besides Host, every one signed; names in any case
  // Hex SHA-256 of the body, or "UNSIGNED-PAYLOAD" (S3 accepts it; presigned URLs use it).
  std::string payload_sha256;
};

inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";
inline constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

// RFC 3986 percent-encoding as SigV4 wants it: unreserved bytes (A-Z a-z 0-9 - . _ ~) stay,
// every other byte is %XX in upper case; '/' stays when keep_slashes (paths).
std::string uri_encode(std::string_view text, bool keep_slashes);

// "20130524T000000Z": the x-amz-date of a moment (UTC).
std::string amz_date(std::chrono::system_clock::time_point when);

// Hex SHA-256 of bytes (the payload hash of a request with a body).
std::string sha256_hex(std::string_view data);

// The parts, each as the specification names it (exposed for the tests and for logs of a
// store that refuses a signature: S3 answers with the canonical request it computed).
std::string canonical_request(const Request& request);
std::string signed_headers(const Request& request);  // "host;range;x-amz-date"
std::string credential_scope(std::string_view amz_date, const Scope& scope);
std::string string_to_sign(std::string_view amz_date, const Scope& scope,
                           std::string_view canonical_request);
std::string signature(std::string_view secret_access_key, std::string_view amz_date,
                      const Scope& scope, std::string_view string_to_sign);

// The value of the Authorization header for `request`, which must carry x-amz-date (equal to
// amz_date), x-amz-content-sha256 (S3 wants it) and x-amz-security-token for temporary
// credentials among its headers.
std::string authorization(const Request& request, const Credentials& credentials,
                          const Scope& scope, std::string_view amz_date);

// A presigned URL "scheme://host/path?…&X-Amz-Signature=…" for `request` (method, host,
// path, extra query parameters, headers the client will send), valid for expires_seconds
// (1 to 604800, a week, S3's limit) from amz_date.
std::string presign(const Request& request, const Credentials& credentials, const Scope& scope,
                    std::string_view amz_date, int expires_seconds,
                    std::string_view scheme = "https");

}  // namespace ov::objstore::sigv4
