#include "store/open.h"

namespace sparkenv::store {

// Placeholder until the file backend lands (issue 6).
Result<std::unique_ptr<Backend>> OpenFileBackend(std::string_view url, const OpenOptions&) {
  return Error("'" + std::string(url) + "': file stores are not supported yet");
}

}  // namespace sparkenv::store
