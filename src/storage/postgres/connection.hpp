#pragma once
// PostgreSQL driver connection (libpq, blocking): statements prepared once per connection and
// run with text parameters; a connection found broken is reset, and a statement retried once
// where that cannot run it twice.
#include <memory>
#include <string>

#include "storage/sql/connection.hpp"

namespace ov::storage::postgres {

// Errc::invalid_argument when libpq cannot parse the URL, Errc::unavailable when the server
// cannot be reached. The URL goes to libpq untouched.
Result<std::unique_ptr<sql::Connection>> open_connection(const std::string& url,
                                                         int connect_timeout_s);

}  // namespace ov::storage::postgres
