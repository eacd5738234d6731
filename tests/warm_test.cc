// model/warm.h: the batch loads read one byte of every cache line of what they are given (the
// record, and out-of-line storage only where a vector has spilled), and for_each_warmed calls the
// body once per index, in order, whatever the batch boundaries.
#include "backstop/model/warm.h"

#include <gtest/gtest.h>

#include <array>
#include <vector>

namespace backstop {
namespace {

TEST(Warm, TouchLinesReadsOneByteOfEachLine) {
  alignas(64) std::array<unsigned char, 256> buf{};
  for (std::size_t i = 0; i < buf.size(); ++i) buf[i] = static_cast<unsigned char>(i % 251);
  // [10, 110) lies in lines 0 and 1: the first is read at its start (10), the second at 64.
  EXPECT_EQ(touch_lines(buf.data() + 10, 100), uint64_t{buf[10]} + buf[64]);
  // Exactly one line: [64, 128).
  EXPECT_EQ(touch_lines(buf.data() + 64, 64), uint64_t{buf[64]});
  // One byte past a line boundary reaches into the next line.
  EXPECT_EQ(touch_lines(buf.data() + 64, 65), uint64_t{buf[64]} + buf[128]);
  // The whole buffer: four lines.
  EXPECT_EQ(touch_lines(buf.data(), buf.size()), uint64_t{buf[0]} + buf[64] + buf[128] + buf[192]);
  EXPECT_EQ(touch_lines(buf.data() + 5, 0), 0U);
}

TEST(Warm, SpilledStorageOnlyWhenOutOfLine) {
  MarginAccount inline_only;
  inline_only.balances.push_back(TokenBalance{1, 5});
  EXPECT_EQ(touch_spilled(inline_only), 0U);  // both vectors in the record

  MarginAccount spilled;
  for (AssetId a = 0; a < 6; ++a) spilled.balances.push_back(TokenBalance{a, 7});
  const auto* p = reinterpret_cast<const unsigned char*>(spilled.balances.data());
  const auto* rec = reinterpret_cast<const unsigned char*>(&spilled);
  ASSERT_TRUE(p < rec || p >= rec + sizeof(MarginAccount));  // > 4 balances leave the record
  EXPECT_EQ(touch_spilled(spilled), touch_lines(p, 6 * sizeof(TokenBalance)));
  EXPECT_EQ(touch_record(spilled), touch_lines(&spilled, sizeof(MarginAccount)));
}

TEST(Warm, ForEachWarmedVisitsEveryIndexOnceInOrder) {
  std::vector<MarginAccount> accounts(3 * kWarmBatch + 5);
  for (std::size_t lo : {std::size_t{0}, std::size_t{7}}) {
    for (std::size_t hi : {lo, lo + 1, kWarmBatch, kWarmBatch + 1, accounts.size()}) {
      if (hi < lo) continue;
      std::vector<std::size_t> seen;
      std::size_t extras = 0;
      for_each_warmed(
          lo, hi, [&](std::size_t i) -> const MarginAccount& { return accounts[i]; },
          [&](std::size_t /*i*/) {
            ++extras;
            return uint64_t{0};
          },
          [&](std::size_t i) { seen.push_back(i); });
      ASSERT_EQ(seen.size(), hi - lo);
      for (std::size_t k = 0; k < seen.size(); ++k) EXPECT_EQ(seen[k], lo + k);
      EXPECT_EQ(extras, hi - lo);
    }
  }
}

}  // namespace
}  // namespace backstop
