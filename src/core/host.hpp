#pragma once
// This machine's name (gethostname), as logs, traces, worker listings and the CodeProject.AI
// routes report it.
#include <string>

namespace ov {

std::string host_name();

}  // namespace ov
