// Reads requirements files from disk with sparkenv's reader and prints what
// it read as JSON, for tests/py/test_requirements_file_vs_pip.py, which
// compares it with pip's own parser.
//   reqfile_dump [-c] FILE...    (-c: the next file is a constraints file)
// Exit 0 with {"requirements": [...], "constraints": [...], "index": {...}},
// or exit 1 with {"error": "..."}.
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

#include "inputs/requirements_file.h"

namespace {

nlohmann::json Lines(const std::vector<sparkenv::inputs::RequirementLine>& lines) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& l : lines) {
    out.push_back({{"requirement", l.requirement.ToString()},
                   {"name", l.requirement.normalized_name()},
                   {"url", l.requirement.url().value_or("")},
                   {"file", l.origin.file},
                   {"line", l.origin.line},
                   {"hashes", l.hashes},
                   {"local_path", l.local_path}});
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  sparkenv::inputs::DiskFileSystem fs;
  sparkenv::inputs::ProcessEnvironment env;
  sparkenv::inputs::RequirementsFileReader reader(fs, env);
  bool constraint = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-c") {
      constraint = true;
      continue;
    }
    sparkenv::Status s = reader.Read(arg, constraint);
    constraint = false;
    if (!s.ok()) {
      std::cout << nlohmann::json{{"error", s.error().message()}}.dump(2) << "\n";
      return 1;
    }
  }
  const sparkenv::inputs::RequirementsInput& in = reader.result();
  nlohmann::json index = {
      {"index_url", in.index.index_url.value_or("")},
      {"extra_index_urls", in.index.extra_index_urls},
      {"find_links", in.index.find_links},
      {"no_index", in.index.no_index},
      {"pre", in.index.pre},
      {"prefer_binary", in.index.prefer_binary},
      {"require_hashes", in.index.require_hashes},
      {"no_binary", in.index.no_binary},
      {"only_binary", in.index.only_binary},
      {"trusted_hosts", in.index.trusted_hosts},
  };
  nlohmann::json out = {{"requirements", Lines(in.requirements)},
                        {"constraints", Lines(in.constraints)},
                        {"index", index},
                        {"files", in.files}};
  std::cout << out.dump(2) << "\n";
  return 0;
}
