#include "store/open.h"

namespace sparkenv::store {

// Placeholder until the s3 backend lands (issue 6).
Result<std::unique_ptr<Backend>> OpenS3Backend(std::string_view url, const OpenOptions&) {
  return Error("'" + std::string(url) + "': s3 stores are not supported yet");
}

}  // namespace sparkenv::store
