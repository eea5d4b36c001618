#pragma once
// Builds JWTs for the tests without our codec: OpenSSL's base64 and HMAC on hand-written
// header and payload text, so the tests check our codec against an independent construction.
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <string>
#include <vector>

namespace ov::auth::testing {

inline std::string b64url(const std::string& bytes) {
  std::vector<unsigned char> out(4 * ((bytes.size() + 2) / 3) + 1);
  int n = EVP_EncodeBlock(out.data(), reinterpret_cast<const unsigned char*>(bytes.data()),
                          static_cast<int>(bytes.size()));
  std::string s(reinterpret_cast<char*>(out.data()), static_cast<std::size_t>(n));
  while (!s.empty() && s.back() == '=') s.pop_back();
  for (char& c : s) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return s;
}

inline std::string hmac(const EVP_MD* md, const std::string& key, const std::string& data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(md, key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &len);
  return std::string(reinterpret_cast<char*>(mac), len);
}

// header.payload.signature with an HMAC over the first two segments (SHA-256 by default).
inline std::string make_token(const std::string& header_json, const std::string& payload_json,
                              const std::string& key, const EVP_MD* md = EVP_sha256()) {
  std::string input = b64url(header_json) + "." + b64url(payload_json);
  return input + "." + b64url(hmac(md, key, input));
}

inline std::string payload(const std::string& type, long long now, const std::string& extra = "") {
  return R"({"sub":"6f1c1b2e-0000-4000-8000-000000000001","jti":"jti-1","type":")" + type +
         R"(","iat":)" + std::to_string(now) + R"(,"nbf":)" + std::to_string(now) + R"(,"exp":)" +
         std::to_string(now + 900) + extra + "}";
}

}  // namespace ov::auth::testing
