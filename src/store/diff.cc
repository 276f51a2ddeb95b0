#include "store/diff.h"

#include <map>
#include <set>

namespace sparkenv::store {

EnvDiff Diff(const env::Manifest& a, const env::Manifest& b) {
  EnvDiff d;
  std::map<std::string, const env::Layer*> in_a;
  std::map<std::string, const env::Layer*> in_b;
  for (const env::Layer& l : a.layers) in_a[l.package] = &l;
  for (const env::Layer& l : b.layers) in_b[l.package] = &l;
  for (const auto& [package, layer] : in_a) {
    auto it = in_b.find(package);
    if (it == in_b.end()) {
      d.removed.push_back({package, layer, nullptr});
    } else if (layer->version != it->second->version || layer->sha256 != it->second->sha256) {
      d.changed.push_back({package, layer, it->second});
    } else {
      ++d.unchanged;
    }
  }
  for (const auto& [package, layer] : in_b) {
    if (in_a.count(package) == 0) d.added.push_back({package, nullptr, layer});
  }
  std::set<std::string> keys;
  for (const auto& [k, v] : a.target_markers) keys.insert(k);
  for (const auto& [k, v] : b.target_markers) keys.insert(k);
  for (const std::string& k : keys) {
    auto ia = a.target_markers.find(k);
    auto ib = b.target_markers.find(k);
    std::string va = ia == a.target_markers.end() ? std::string() : ia->second;
    std::string vb = ib == b.target_markers.end() ? std::string() : ib->second;
    if (va != vb) d.target.push_back({k, va, vb});
  }
  d.tags_differ = a.target_tags_sha256 != b.target_tags_sha256;
  std::set<std::string> a_blobs;
  for (const env::Layer& l : a.layers) a_blobs.insert(l.sha256);
  std::set<std::string> counted;
  for (const env::Layer& l : b.layers) {
    if (a_blobs.count(l.sha256) == 0 && counted.insert(l.sha256).second) d.new_bytes += l.size;
  }
  return d;
}

}  // namespace sparkenv::store
