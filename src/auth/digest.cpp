#include "auth/digest.hpp"

#include <openssl/evp.h>

#include <stdexcept>

#include "core/text.hpp"

namespace ov::auth {

std::string sha256_hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("SHA-256 failed");
  return hex_lower({md, len});
}

}  // namespace ov::auth
