// `sparkenv diff` as a library: what changes between two environments,
// package by package, and in their targets. A pure function of two
// validated manifests.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "env/manifest.h"

namespace sparkenv::store {

struct EnvDiff {
  struct Change {
    std::string package;
    const env::Layer* from = nullptr;  // the layer in A (null: added)
    const env::Layer* to = nullptr;    // the layer in B (null: removed)
  };
  std::vector<Change> added;    // in B only, by package name
  std::vector<Change> removed;  // in A only
  // In both with another version, or the same version built into another
  // layer (rebuilt: another wheel or another build of it).
  std::vector<Change> changed;
  size_t unchanged = 0;
  // Target markers that differ: key, value in A ("" when absent), value in B.
  struct MarkerChange {
    std::string key;
    std::string from;
    std::string to;
  };
  std::vector<MarkerChange> target;
  bool tags_differ = false;  // the target's tag lists differ
  // Bytes of B's layers that A does not have (what a push of B next to A
  // uploads).
  uint64_t new_bytes = 0;

  bool Same() const {
    return added.empty() && removed.empty() && changed.empty() && target.empty() && !tags_differ;
  }
};

// The layers of `a` and `b` must stay alive as long as the result.
EnvDiff Diff(const env::Manifest& a, const env::Manifest& b);

}  // namespace sparkenv::store
