#pragma once
// A connection that makes a client span of each statement run under a recorded span (a
// request's, a job's): db.system.name, the operation and the statement's SQL text. The SQL is
// fixed in the repositories and every value is a parameter, so the text holds no user data.
#include <memory>
#include <string>

#include "storage/sql/connection.hpp"

namespace ov::storage::sql {

std::unique_ptr<Connection> traced(std::unique_ptr<Connection> inner, std::string system);

}  // namespace ov::storage::sql
