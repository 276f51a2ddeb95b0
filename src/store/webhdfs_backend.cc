#include "store/open.h"

namespace sparkenv::store {

// Placeholder until the hdfs backend lands (issue 6).
Result<std::unique_ptr<Backend>> OpenWebHdfsBackend(std::string_view url, const OpenOptions&) {
  return Error("'" + std::string(url) + "': hdfs stores are not supported yet");
}

}  // namespace sparkenv::store
