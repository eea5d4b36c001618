#include "config/storage_url.hpp"

#include <fmt/format.h>

namespace ov::config {
namespace {

// S3's bucket names: 3 to 63 of a-z, 0-9, '.' and '-', starting and ending with a letter or
// a digit.
bool bucket_name(std::string_view name) {
  if (name.size() < 3 || name.size() > 63) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  for (char c : name)
    if (!alnum(c) && c != '.' && c != '-') return false;
  return alnum(name.front()) && alnum(name.back());
}

// Key prefixes: printable ASCII without backslashes, "..", "//" or a leading '/'.
bool key_prefix(std::string_view prefix) {
  for (char c : prefix)
    if (c <= ' ' || c > '~' || c == '\\') return false;
  return prefix.find("..") == std::string_view::npos &&
         prefix.find("//") == std::string_view::npos && !prefix.starts_with('/');
}

}  // namespace

std::optional<Error> resolve_storage(Config& c) {
  if (c.storage_url.empty()) c.storage_url = "file://" + c.data_dir + "/files";
  if (c.storage_url.starts_with("file://")) {
    c.files_dir = c.storage_url.substr(7);
    if (c.files_dir.empty())
      return Error{Errc::invalid_argument, "STORAGE_URL: file:// needs a directory"};
    return std::nullopt;
  }
  if (!c.storage_url.starts_with("s3://")) {
    return Error{Errc::invalid_argument,
                 fmt::format("STORAGE_URL: expected file://DIRECTORY or s3://BUCKET[/PREFIX], "
                             "got '{}'",
                             c.storage_url)};
  }
  std::string_view rest = std::string_view(c.storage_url).substr(5);
  auto slash = rest.find('/');
  c.s3_bucket = std::string(rest.substr(0, slash));
  c.s3_prefix = slash == std::string_view::npos ? "" : std::string(rest.substr(slash + 1));
  if (!bucket_name(c.s3_bucket)) {
    return Error{Errc::invalid_argument,
                 fmt::format("STORAGE_URL: '{}' is not an S3 bucket name (3 to 63 of a-z, 0-9, "
                             "'.' and '-')",
                             c.s3_bucket)};
  }
  if (!c.s3_prefix.empty() && !c.s3_prefix.ends_with('/')) c.s3_prefix += '/';
  if (!key_prefix(c.s3_prefix)) {
    return Error{Errc::invalid_argument,
                 fmt::format("STORAGE_URL: '{}' is not a usable key prefix", c.s3_prefix)};
  }
  if (c.aws_access_key_id.empty() || c.aws_secret_access_key.empty()) {
    return Error{Errc::invalid_argument,
                 "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY: required with "
                 "STORAGE_URL=s3://… (every request to the store is signed with them)"};
  }
  if (c.s3_region.empty())
    return Error{Errc::invalid_argument, "AWS_REGION: must not be empty with STORAGE_URL=s3://…"};
  const bool on_aws = c.s3_endpoint.empty();
  if (on_aws) c.s3_endpoint = fmt::format("https://s3.{}.amazonaws.com", c.s3_region);
  if (!c.s3_endpoint.starts_with("http://") && !c.s3_endpoint.starts_with("https://")) {
    return Error{Errc::invalid_argument,
                 fmt::format("AWS_ENDPOINT_URL_S3: expected http://host[:port] or "
                             "https://host[:port], got '{}'",
                             c.s3_endpoint)};
  }
  if (c.s3_addressing_style == "auto") c.s3_addressing_style = on_aws ? "virtual" : "path";
  return std::nullopt;
}

}  // namespace ov::config
