#include "objstore/sigv4.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <ctime>
#include <stdexcept>

#include <fmt/format.h>

#include "core/text.hpp"

namespace ov::objstore::sigv4 {
namespace {

using Digest = std::array<unsigned char, 32>;

Digest sha256(std::string_view data) {
  Digest out{};
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha256(), nullptr) != 1 ||
      len != out.size())
    throw std::runtime_error("SHA-256 failed");
  return out;
}

Digest hmac(std::string_view key, std::string_view data) {
  Digest out{};
  std::size_t len = 0;
  if (!EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key.data(), key.size(),
                 reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(),
                 out.size(), &len) ||
      len != out.size())
    throw std::runtime_error("HMAC-SHA256 failed");
  return out;
}

std::string_view as_text(const Digest& d) {
  return {reinterpret_cast<const char*>(d.data()), d.size()};
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// A header value as signed: trimmed, runs of spaces inside made one space.
std::string canonical_value(std::string_view value) {
  std::string out;
  bool blank = false;
  for (char c : trim_blanks(value)) {
    if (c == ' ' || c == '\t') {
      blank = true;
      continue;
    }
    if (blank) out.push_back(' ');
    blank = false;
    out.push_back(c);
  }
  return out;
}

// Host first, then the request's headers, lower-cased names, sorted (stable: repeated
// headers keep their order and are joined with commas, as the specification says).
Fields canonical_headers(const Request& request) {
  Fields headers;
  headers.reserve(request.headers.size() + 1);
  headers.emplace_back("host", canonical_value(request.host));
  for (const auto& [name, value] : request.headers)
    headers.emplace_back(lower(name), canonical_value(value));
  std::stable_sort(headers.begin(), headers.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  Fields joined;
  for (auto& [name, value] : headers) {
    if (!joined.empty() && joined.back().first == name) {
      joined.back().second += ',' + value;
    } else {
      joined.emplace_back(std::move(name), std::move(value));
    }
  }
  return joined;
}

std::string canonical_query(const Fields& query) {
  Fields encoded;
  encoded.reserve(query.size());
  for (const auto& [name, value] : query)
    encoded.emplace_back(uri_encode(name, false), uri_encode(value, false));
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [name, value] : encoded) {
    if (!out.empty()) out.push_back('&');
    out += name;
    out.push_back('=');
    out += value;
  }
  return out;
}

std::string canonical_path(std::string_view path) {
  return path.empty() ? std::string("/") : uri_encode(path, true);
}

std::string date_of(std::string_view amz_date) {
  if (amz_date.size() != 16 || amz_date[8] != 'T' || amz_date.back() != 'Z')
    throw std::invalid_argument(fmt::format("not an x-amz-date: '{}'", amz_date));
  return std::string(amz_date.substr(0, 8));
}

}  // namespace

std::string uri_encode(std::string_view text, bool keep_slashes) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    auto b = static_cast<unsigned char>(c);
    if (std::isalnum(b) || c == '-' || c == '.' || c == '_' || c == '~' ||
        (keep_slashes && c == '/')) {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kDigits[b >> 4]);
      out.push_back(kDigits[b & 0x0f]);
    }
  }
  return out;
}

std::string amz_date(std::chrono::system_clock::time_point when) {
  std::time_t t = std::chrono::system_clock::to_time_t(when);
  std::tm utc{};
  gmtime_r(&t, &utc);
  return fmt::format("{:04}{:02}{:02}T{:02}{:02}{:02}Z", utc.tm_year + 1900, utc.tm_mon + 1,
                     utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec);
}

std::string sha256_hex(std::string_view data) {
  return hex_lower(sha256(data));
}

std::string signed_headers(const Request& request) {
  std::string out;
  for (const auto& header : canonical_headers(request)) {
    if (!out.empty()) out.push_back(';');
    out += header.first;
  }
  return out;
}

std::string canonical_request(const Request& request) {
  std::string headers;
  std::string names;
  for (const auto& [name, value] : canonical_headers(request)) {
    headers += fmt::format("{}:{}\n", name, value);
    if (!names.empty()) names.push_back(';');
    names += name;
  }
  return fmt::format("{}\n{}\n{}\n{}\n{}\n{}", request.method, canonical_path(request.path),
                     canonical_query(request.query), headers, names, request.payload_sha256);
}

std::string credential_scope(std::string_view amz_date, const Scope& scope) {
  return fmt::format("{}/{}/{}/aws4_request", date_of(amz_date), scope.region, scope.service);
}

std::string string_to_sign(std::string_view amz_date, const Scope& scope,
                           std::string_view canonical_request) {
  return fmt::format("{}\n{}\n{}\n{}", kAlgorithm, amz_date, credential_scope(amz_date, scope),
                     sha256_hex(canonical_request));
}

std::string signature(std::string_view secret_access_key, std::string_view amz_date,
                      const Scope& scope, std::string_view string_to_sign) {
  Digest key = hmac("AWS4" + std::string(secret_access_key), date_of(amz_date));
  key = hmac(as_text(key), scope.region);
  key = hmac(as_text(key), scope.service);
  key = hmac(as_text(key), "aws4_request");
  return hex_lower(hmac(as_text(key), string_to_sign));
}

std::string authorization(const Request& request, const Credentials& credentials,
                          const Scope& scope, std::string_view amz_date) {
  std::string to_sign = string_to_sign(amz_date, scope, canonical_request(request));
  return fmt::format("{} Credential={}/{}, SignedHeaders={}, Signature={}", kAlgorithm,
                     credentials.access_key_id, credential_scope(amz_date, scope),
                     signed_headers(request),
                     signature(credentials.secret_access_key, amz_date, scope, to_sign));
}

std::string presign(const Request& request, const Credentials& credentials, const Scope& scope,
                    std::string_view amz_date, int expires_seconds, std::string_view scheme) {
  if (expires_seconds < 1 || expires_seconds > 604800)
    throw std::invalid_argument("a presigned URL expires within 1 s to 7 days");
  Request signed_request = request;
  signed_request.payload_sha256 = std::string(kUnsignedPayload);
  Fields& query = signed_request.query;
  query.emplace_back("X-Amz-Algorithm", std::string(kAlgorithm));
  query.emplace_back("X-Amz-Credential", fmt::format("{}/{}", credentials.access_key_id,
                                                     credential_scope(amz_date, scope)));
  query.emplace_back("X-Amz-Date", std::string(amz_date));
  query.emplace_back("X-Amz-Expires", std::to_string(expires_seconds));
  if (!credentials.session_token.empty())
    query.emplace_back("X-Amz-Security-Token", credentials.session_token);
  query.emplace_back("X-Amz-SignedHeaders", signed_headers(signed_request));
  std::string to_sign = string_to_sign(amz_date, scope, canonical_request(signed_request));
  return fmt::format("{}://{}{}?{}&X-Amz-Signature={}", scheme, request.host,
                     canonical_path(request.path), canonical_query(query),
                     signature(credentials.secret_access_key, amz_date, scope, to_sign));
}

}  // namespace ov::objstore::sigv4
