#include "core/host.hpp"

#include <unistd.h>

namespace ov {

std::string host_name() {
  char buf[256] = {};
  ::gethostname(buf, sizeof buf - 1);
  return buf;
}

}  // namespace ov
