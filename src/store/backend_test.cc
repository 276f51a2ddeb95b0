#include "store/backend.h"

#include <gtest/gtest.h>

namespace sparkenv::store {
namespace {

TEST(ValidKeyTest, AcceptsStoreKeys) {
  for (const char* key : {"sparkenv-store.json", "blobs/0123abcd.tar.gz", "envs/ab12.json",
                          "tags/my_app/prod-1.json", "tmp/x.1234.tmp"}) {
    EXPECT_TRUE(ValidKey(key)) << key;
  }
}

TEST(ValidKeyTest, RejectsEscapesAndOddCharacters) {
  for (const char* key : {"", "/abs", "a//b", "a/", "..", "a/../b", "./a", "a/./b", "a b", "a\\b",
                          "tags/x:y", "a\n", "\xc3\xa9"}) {
    EXPECT_FALSE(ValidKey(key)) << key;
  }
}

}  // namespace
}  // namespace sparkenv::store
