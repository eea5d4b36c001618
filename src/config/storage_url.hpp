#pragma once
// STORAGE_URL and the AWS_* variables of object storage, checked and made effective by load().
#include <optional>

#include "config/config.hpp"

namespace ov::config {

// Fills storage_url, files_dir or s3_bucket/s3_prefix/s3_endpoint; an error names the variable.
std::optional<Error> resolve_storage(Config& c);

}  // namespace ov::config
