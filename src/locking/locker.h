// `sparkenv lock` as a library: gather the inputs (requirements files,
// pyproject.toml, command-line requirements, constraints, index options),
// resolve them for a target against package indexes, and turn the
// resolution into a PEP 751 lock (lock/pylock.h); or check that an existing
// lock still satisfies its inputs.
//
// Precedence of index options (docs/lock.md): the command line's
// --index-url wins over one in a requirements file, which wins over
// $SPARKENV_INDEX_URL and then PyPI; --extra-index-url and --find-links
// from the command line come first, then those of the files; --no-index
// anywhere drops every index.
//
// Every error names the input it is about; nothing here writes files (the
// CLI writes the lock atomically).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "http/client.h"
#include "index/index_client.h"
#include "inputs/file_system.h"
#include "lock/pylock.h"
#include "resolve/resolver.h"
#include "spec/requirement.h"
#include "spec/target.h"

namespace sparkenv::locking {

// What the user gave, as given.
struct LockArgs {
  std::vector<std::string> requirements;       // positional PEP 508 strings
  std::vector<std::string> requirement_files;  // -r; a *.toml file is a pyproject.toml
  std::vector<std::string> constraint_files;   // -c
  std::vector<std::string> extras;             // --extra (pyproject.toml only)
  std::optional<std::string> index_url;
  std::vector<std::string> extra_index_urls;
  std::vector<std::string> find_links;
  bool no_index = false;
  std::string resolution = "highest";                   // highest | lowest | lowest-direct
  std::string prerelease = "if-necessary-or-explicit";  // or allow
};

// The inputs gathered and checked, ready to resolve.
struct LockInputs {
  std::vector<spec::Requirement> requirements;
  std::vector<spec::Requirement> constraints;
  // Allowed "sha256:<hex>" digests per normalized name, from --hash.
  std::vector<std::pair<std::string, std::vector<std::string>>> hashes;
  std::optional<spec::SpecifierSet> requires_python;  // a pyproject's
  std::vector<std::string> extras;                    // normalized
  index::IndexOptions index;
  resolve::ResolveOptions options;
  std::string resolution;  // as given (for [tool.sparkenv])
};

// Reads every file named in `args` and validates the values. Errors are
// kInvalidInput (or kNotFound for a missing file) naming the input.
Result<LockInputs> GatherInputs(const LockArgs& args, const inputs::FileSystem& fs,
                                const inputs::Environment& env);

// How to reach the indexes.
struct NetworkOptions {
  std::string cache_dir;  // empty: index::DefaultCacheRoot()
  bool offline = false;
  bool refresh = false;  // revalidate every cached page
};

struct LockStats {
  int packages = 0;
  int pages = 0;
  int metadata = 0;
  int metadata_prefetched = 0;
};

struct LockResult {
  lock::Lock lock;
  LockStats stats;
};

// Resolves `inputs` for `target` and builds the lock. `client` may be null:
// then a libcurl client with the HTTP cache of `network` is made.
Result<LockResult> Lock(const LockInputs& inputs, const spec::Target& target,
                        const NetworkOptions& network,
                        std::shared_ptr<http::Client> client = nullptr);

// Whether `existing` (a lock read from disk) still satisfies `inputs` on
// `target`: the same target, indexes and options, and a resolution with
// every locked version pinned that needs exactly the locked packages and
// files. nullopt when it does; otherwise the reason ("requirement 'x'
// added", "'numpy' 2.1.0 is no longer allowed: ...").
Result<std::optional<std::string>> CheckLock(const lock::Lock& existing, const LockInputs& inputs,
                                             const spec::Target& target,
                                             const NetworkOptions& network,
                                             std::shared_ptr<http::Client> client = nullptr);

// The marker that describes `target` in the lock's `environments`.
std::string EnvironmentMarker(const spec::Target& target);

}  // namespace sparkenv::locking
