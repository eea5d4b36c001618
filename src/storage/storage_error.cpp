#include "storage/database.hpp"
#include "storage/sql/transaction.hpp"

namespace ov::storage {
namespace {

int status_for(Errc code) {
  return code == Errc::unavailable ? 503 : 500;
}

const char* detail_for(Errc code) {
  return code == Errc::unavailable ? "Database unavailable" : "Internal database error";
}

}  // namespace

StorageError::StorageError(Error cause)
    : ApiError(status_for(cause.code), detail_for(cause.code)), cause_(std::move(cause)) {}

namespace sql {
void raise(const Error& error) {
  throw StorageError(error);
}
}  // namespace sql

}  // namespace ov::storage
