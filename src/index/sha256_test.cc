#include "index/sha256.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <random>
#include <string>

namespace sparkenv::index {
namespace {

TEST(Sha256Test, KnownVectors) {
  // FIPS 180-2 examples and the empty string.
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(Sha256Hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

// Bytes in memory (nettle) and files (OpenSSL) hash alike, at every length
// around the 64-byte block boundaries.
TEST(Sha256Test, MemoryAndFileAgree) {
  std::mt19937 rng(42);
  std::string path = ::testing::TempDir() + "/sparkenv_sha256_" + std::to_string(getpid());
  for (size_t n : {0, 1, 55, 56, 63, 64, 65, 119, 120, 127, 128, 129, 1000, 70000}) {
    std::string data(n, '\0');
    for (char& c : data) c = static_cast<char>(rng());
    std::ofstream(path, std::ios::binary) << data;
    auto from_file = Sha256File(path);
    ASSERT_TRUE(from_file.ok()) << from_file.error().message();
    EXPECT_EQ(Sha256Hex(data), *from_file) << n << " bytes";
  }
  std::remove(path.c_str());
}

}  // namespace
}  // namespace sparkenv::index
