#include "env/gzip_writer.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "tests/env/gunzip.h"

namespace sparkenv::env {
namespace {

std::string Gzip(const std::string& input, size_t piece) {
  std::string out;
  ParallelGzipWriter w([&out](std::string_view b) {
    out.append(b);
    return Status::Ok();
  });
  for (size_t i = 0; i < input.size(); i += piece) {
    EXPECT_TRUE(w.Write(std::string_view(input).substr(i, piece)).ok());
  }
  EXPECT_TRUE(w.Finish().ok());
  return out;
}

TEST(ParallelGzipWriterTest, OneMemberThatInflatesBackWhateverTheSizes) {
  std::mt19937 gen(42);
  const size_t block = ParallelGzipWriter::kBlockSize;
  for (size_t size : {size_t{0}, size_t{1}, block - 1, block, block + 1, 5 * block + 12345}) {
    std::string input(size, '\0');
    // Half text-like, half random: both compressible and not.
    for (size_t i = 0; i < size; ++i) {
      input[i] = i % 2 == 0 ? static_cast<char>('a' + (i / 7) % 26) : static_cast<char>(gen());
    }
    const std::string gz = Gzip(input, 100000);
    // One member (the CRC-32 and size in its trailer right), nothing after it.
    int members = 0;
    EXPECT_EQ(testing::Gunzip(gz, &members), input) << size;
    EXPECT_EQ(members, 1) << size;
    // The same bytes however the input is handed over.
    EXPECT_EQ(Gzip(input, 4096), gz) << size;
    EXPECT_EQ(Gzip(input, 3 * block), gz) << size;
  }
}

TEST(ParallelGzipWriterTest, CompressesAboutAsWellAsOneStream) {
  std::string text;
  while (text.size() < 4 * ParallelGzipWriter::kBlockSize) {
    text += "def function_" + std::to_string(text.size() % 977) + "(x):\n    return x * 2\n";
  }
  const std::string gz = Gzip(text, 1 << 16);
  uLongf bound = compressBound(static_cast<uLong>(text.size()));
  std::string one(bound, '\0');
  ASSERT_EQ(
      compress2(reinterpret_cast<Bytef*>(one.data()), &bound,
                reinterpret_cast<const Bytef*>(text.data()), static_cast<uLong>(text.size()), 1),
      Z_OK);
  EXPECT_LT(gz.size(), bound * 102 / 100 + 64) << "blocks keep the previous block as dictionary";
}

}  // namespace
}  // namespace sparkenv::env
