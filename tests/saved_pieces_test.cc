// SavedPieces (resolution/saved_pieces.h): the undo log's saved pieces of one kind, below and
// above the size where a key index is kept, against a std::map that holds the truth.
#include "backstop/resolution/saved_pieces.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <random>

namespace backstop {
namespace {

std::map<uint32_t, int64_t> as_map(const SavedPieces<uint32_t, int64_t>& p) {
  std::map<uint32_t, int64_t> m;
  for (const auto& [k, v] : p) EXPECT_TRUE(m.emplace(k, v).second) << "key " << k << " twice";
  return m;
}

TEST(SavedPieces, AgreesWithAMapAcrossTheIndexThreshold) {
  std::mt19937_64 rng(5);
  for (const std::size_t n :
       {std::size_t{1}, std::size_t{3}, SavedPieces<uint32_t, int64_t>::kIndexAbove,
        std::size_t{17}, std::size_t{200}}) {
    SavedPieces<uint32_t, int64_t> p;
    std::map<uint32_t, int64_t> truth;
    for (int round = 0; round < 2; ++round) {  // the second round reuses the cleared storage
      p.clear();
      truth.clear();
      while (truth.size() < n) {
        const auto k = static_cast<uint32_t>(rng() % (4 * n + 1));
        const auto v = static_cast<int64_t>(rng());
        ASSERT_EQ(p.contains(k), truth.contains(k)) << "n " << n << " key " << k;
        if (!p.contains(k)) {  // a piece is saved once: the first value stays
          p.add(k, v);
          truth.emplace(k, v);
        }
      }
      EXPECT_EQ(p.size(), n);
      EXPECT_EQ(as_map(p), truth);
      for (uint32_t k = 0; k <= 4 * n + 1; ++k) ASSERT_EQ(p.contains(k), truth.contains(k));
    }
  }
}

// A parent step takes the pieces of a committed child that it had not saved itself; its own stay.
TEST(SavedPieces, MergeKeepsTheParentsOwnPieces) {
  for (const uint32_t n : {2U, 40U}) {  // below and above the index threshold
    SavedPieces<uint32_t, int64_t> parent;
    SavedPieces<uint32_t, int64_t> child;
    std::map<uint32_t, int64_t> truth;
    for (uint32_t k = 0; k < n; ++k) {
      parent.add(2 * k, 1);  // even keys: saved by the parent first
      truth.emplace(2 * k, 1);
    }
    for (uint32_t k = 0; k < 2 * n; ++k) {
      child.add(k, 2);      // every key below 2n, the even ones too
      truth.emplace(k, 2);  // no effect on the parent's keys
    }
    parent.merge(child);
    EXPECT_EQ(child.size(), 0U);
    EXPECT_FALSE(child.contains(1));
    EXPECT_EQ(as_map(parent), truth);
    for (uint32_t k = 0; k < 2 * n; ++k) EXPECT_TRUE(parent.contains(k));
    EXPECT_FALSE(parent.contains(2 * n));
  }
}

}  // namespace
}  // namespace backstop
