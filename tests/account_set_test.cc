// AccountSet (monitor/account_set.h): a two-level bitmap must behave exactly like std::set
// under random inserts and erases: members, size, ordered iteration, equality.
#include "backstop/monitor/account_set.h"

#include <gtest/gtest.h>

#include <random>
#include <set>
#include <vector>

namespace backstop {
namespace {

TEST(AccountSet, MatchesStdSetUnderRandomOperations) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    std::mt19937_64 rng(seed);
    // Ranges that make the summary words matter: sparse ids over several summary words (4096 ids
    // each), and dense ones inside a single word.
    const uint32_t range = seed % 2 == 0 ? 200'000 : 100;
    AccountSet a;
    std::set<AccountId> b;
    for (int op = 0; op < 3'000; ++op) {
      const auto id = static_cast<AccountId>(rng() % range);
      if (rng() % 3 == 0) {
        ASSERT_EQ(a.erase(id), b.erase(id) == 1) << "seed " << seed << " op " << op;
      } else {
        ASSERT_EQ(a.insert(id), b.insert(id).second) << "seed " << seed << " op " << op;
      }
      ASSERT_EQ(a.size(), b.size());
      ASSERT_EQ(a.contains(id), b.contains(id));
      if (op % 97 == 0) {
        ASSERT_EQ(std::vector<AccountId>(a.begin(), a.end()),
                  std::vector<AccountId>(b.begin(), b.end()))
            << "seed " << seed << " op " << op;
      }
    }
    EXPECT_TRUE(a == b);
    EXPECT_EQ(a.to_set(), b);
    EXPECT_EQ(a.empty(), b.empty());
  }
}

TEST(AccountSet, IterationCrossesWordAndSummaryBoundaries) {
  // 63/64 end and start a word; 4095/4096 a summary word; 1'000'000 leaves summary words empty.
  const std::vector<AccountId> ids = {0, 63, 64, 4095, 4096, 4097, 1'000'000};
  AccountSet a;
  for (auto it = ids.rbegin(); it != ids.rend(); ++it) a.insert(*it);
  EXPECT_EQ(std::vector<AccountId>(a.begin(), a.end()), ids);
  a.erase(4096);
  a.erase(0);
  EXPECT_EQ(std::vector<AccountId>(a.begin(), a.end()),
            (std::vector<AccountId>{63, 64, 4095, 4097, 1'000'000}));
  EXPECT_FALSE(a.contains(4096));
  EXPECT_FALSE(a.contains(5'000'000));  // past the storage
  EXPECT_FALSE(a.erase(5'000'000));
}

TEST(AccountSet, EqualityIgnoresHowFarStorageGrew) {
  AccountSet a{3, 70};
  AccountSet b{3, 70, 900'000};
  EXPECT_FALSE(a == b);
  b.erase(900'000);  // b keeps its longer (now zero) words
  EXPECT_TRUE(a == b);
  EXPECT_TRUE(b == a);
  b.erase(3);
  b.insert(4);
  EXPECT_FALSE(a == b);
  a.clear();
  EXPECT_TRUE(a.empty());
  EXPECT_EQ(a.begin(), a.end());
}

}  // namespace
}  // namespace backstop
