// Double-entry journal, conservation check and bad-debt (deficit) ledger.
// Hand vectors follow Aave v3.3's liquidation with deficit creation and Umbrella cover
// (../shared/reference/lending-protocols.md §1.4-1.5) and Maker's Vow sin (§3).
#include <gtest/gtest.h>

#include <array>
#include <random>
#include <set>
#include <thread>

#include "backstop/ledger/bad_debt.h"
#include "backstop/ledger/journal.h"

namespace backstop {
namespace {

Quantity q(int64_t raw) {
  return Quantity::from_raw(raw);
}

// A transfer of 1..max_amount quanta of one of `assets` assets from a random account book (ids
// below `accounts`) to one 1..spread ids above it.
JournalEntry random_transfer(std::mt19937_64& rng, Timestamp t, uint32_t accounts, uint32_t spread,
                             uint32_t assets, int64_t max_amount) {
  JournalEntry e;
  e.time = t;
  e.kind = EntryKind::Liquidation;
  const auto from = static_cast<uint32_t>(rng() % accounts);
  const auto to = from + 1 + static_cast<uint32_t>(rng() % spread);
  const auto asset = static_cast<AssetId>(rng() % assets);
  e.legs.push_back(Leg{Book::account(from), Book::account(to), asset,
                       q(static_cast<int64_t>(rng() % static_cast<uint64_t>(max_amount)) + 1)});
  return e;
}

TEST(LedgerNames, StableTextNames) {
  EXPECT_EQ(book_name(Book::account(12)), "account:12");
  EXPECT_EQ(book_name(Book::insurance_fund()), "insurance_fund:0");
  EXPECT_EQ(book_name({BookKind::OpenInterest, 3}), "open_interest:3");
  EXPECT_EQ(book_name({BookKind::RoundingDust, 4294967295U}), "rounding_dust:4294967295");
  EXPECT_EQ(entry_kind_name(EntryKind::OpenInterestSocialization), "open_interest_socialization");
  EXPECT_EQ(entry_kind_name(EntryKind::KeeperIncentive), "keeper_incentive");
  EXPECT_EQ(entry_kind_name(EntryKind::Liquidation), "liquidation");
  std::set<std::string> seen;
  for (int k = 0; k < kBookKindCount; ++k) {
    const Book b{static_cast<BookKind>(k), static_cast<uint32_t>(k * 1000 + 7)};
    EXPECT_EQ(parse_book(book_name(b)), b);
    EXPECT_TRUE(seen.insert(std::string(book_kind_name(b.kind))).second);
  }
  for (int k = 0; k < kEntryKindCount; ++k) {
    const auto e = static_cast<EntryKind>(k);
    EXPECT_EQ(parse_entry_kind(entry_kind_name(e)), e);
    EXPECT_TRUE(seen.insert(std::string(entry_kind_name(e))).second);
  }
  for (const char* bad :
       {"account", "account:", "account:-1", "account:4294967296", "acct:1", "account:1x", ":1"}) {
    EXPECT_EQ(parse_book(bad), std::nullopt) << bad;
  }
  // Total order: kind first, then id.
  EXPECT_LT(Book::account(99), Book::insurance_fund(0));
  EXPECT_LT(Book::account(1), Book::account(2));
}

// Aave v3.3 §1.4, hand-derived: account 7 holds 1 WETH (asset 0, 18 decimals) at $2,000 and owes
// 2,500 USDC (asset 1, 6 decimals); bonus 105%. baseCollateral = 2,500 / 2,000 = 1.25 WETH,
// maxColl = 1.3125 WETH > 1 WETH held, so coll = 1 WETH and
// debtNeeded = percentDiv(2,000 USDC, 10500) = (2,000e6 * 1e4 + 5250) / 10500 = 1,904,761,905
// (half-up). No collateral left: deficit += 2,500e6 - 1,904,761,905 = 595,238,095.
constexpr AssetId kWeth = 0;
constexpr AssetId kUsdc = 1;
constexpr int64_t kOneWeth = 1'000'000'000'000'000'000;
constexpr int64_t kDebt = 2'500'000'000;
constexpr int64_t kRepaid = 1'904'761'905;
constexpr int64_t kDeficit = kDebt - kRepaid;

TEST(Journal, AaveDeficitLiquidationHandDerived) {
  const Book acct = Book::account(7);
  const Book liq = Book::liquidator(1);
  Journal j;
  const uint64_t mark = j.size();
  j.post({0,
          100,
          EntryKind::Liquidation,
          7,
          {Leg{liq, acct, kUsdc, q(kRepaid)}, Leg{acct, liq, kWeth, q(kOneWeth)}}});
  j.post(deficit_write_off_entry(100, kUsdc, 7, q(kDeficit)));
  EXPECT_EQ(kDeficit, 595'238'095);
  ASSERT_EQ(j.size(), 2U);
  EXPECT_EQ(j.entries()[1].seq, 1U);
  EXPECT_EQ(j.entries()[1].kind, EntryKind::BadDebt);

  // Journal balances are flows since the journal started (the opening balances live in the
  // engine): the account received the whole 2,500 USDC of debt relief and gave 1 WETH.
  EXPECT_EQ(j.balance(acct, kUsdc), kDebt);
  EXPECT_EQ(j.balance(acct, kWeth), -kOneWeth);
  EXPECT_EQ(j.balance(liq, kUsdc), -kRepaid);
  EXPECT_EQ(j.balance(liq, kWeth), kOneWeth);
  EXPECT_EQ(j.balance(Book::deficit(kUsdc), kUsdc), -kDeficit);
  EXPECT_EQ(j.balance(Book::treasury(), kUsdc), 0);
  EXPECT_NO_THROW(j.check_balanced());
  EXPECT_EQ(j.books(), (std::vector<Book>{acct, liq, Book::deficit(kUsdc)}));
  EXPECT_EQ(j.assets(), (std::vector<AssetId>{kWeth, kUsdc}));

  // The engine measured its tracked books (the account and the deficit) before and after.
  const Holdings before{{{acct, kWeth}, kOneWeth}, {{acct, kUsdc}, -kDebt}};
  Holdings after{
      {{acct, kWeth}, 0}, {{acct, kUsdc}, 0}, {{Book::deficit(kUsdc), kUsdc}, -kDeficit}};
  EXPECT_EQ(verify_step(before, after, j.entries_since(mark)), 3U);

  // Engine bug: the debt was burned but no deficit recorded (after omits the deficit book).
  const Holdings forgot{{{acct, kWeth}, 0}, {{acct, kUsdc}, 0}};
  EXPECT_NO_THROW(verify_step(before, forgot, j.entries_since(mark)));  // deficit untracked...
  const std::array<BookKind, 1> complete{BookKind::Deficit};
  try {  // ...unless the caller says it measures every Deficit book
    (void)verify_step(before, forgot, j.entries_since(mark), complete);
    ADD_FAILURE() << "expected ConservationError";
  } catch (const ConservationError& e) {
    EXPECT_STREQ(e.what(),
                 "conservation violated at deficit:1 asset 1: journal moves -595238095 but the "
                 "measured change is 0 (before 0, after 0, difference 595238095)");
  }
  // Engine bug: the account kept one quantum of debt.
  after[{acct, kUsdc}] = -1;
  try {
    (void)verify_step(before, after, j.entries_since(mark));
    ADD_FAILURE() << "expected ConservationError";
  } catch (const ConservationError& e) {
    EXPECT_STREQ(e.what(),
                 "conservation violated at account:7 asset 1: journal moves 2500000000 but the "
                 "measured change is 2499999999 (before -2500000000, after -1, difference -1)");
  }

  // Umbrella (§1.5) covers the deficit from the USDC stake token: deficit back to 0.
  j.post(deficit_cover_entry(200, kUsdc, {BookKind::StakedTranche, kUsdc}, q(kDeficit)));
  EXPECT_EQ(j.balance(Book::deficit(kUsdc), kUsdc), 0);
  EXPECT_EQ(j.balance({BookKind::StakedTranche, kUsdc}, kUsdc), -kDeficit);
  EXPECT_NO_THROW(j.check_balanced());
}

TEST(Journal, RejectsInvalidEntriesWithoutChange) {
  Journal j;
  j.post({0, 10, EntryKind::Penalty, 1, {Leg{Book::account(1), Book::treasury(), 0, q(5)}}});
  const Holdings snapshot = j.balances();
  const JournalEntry bad[] = {
      {0, 10, EntryKind::Penalty, 1, {}},
      {0, 10, EntryKind::Penalty, 1, {Leg{Book::account(1), Book::treasury(), 0, q(0)}}},
      {0, 10, EntryKind::Penalty, 1, {Leg{Book::account(1), Book::treasury(), 0, q(-3)}}},
      {0, 10, EntryKind::Penalty, 1, {Leg{Book::account(1), Book::account(1), 0, q(3)}}},
      // a valid first leg does not get applied when a later leg is invalid
      {0,
       10,
       EntryKind::Penalty,
       1,
       {Leg{Book::account(1), Book::treasury(), 0, q(3)},
        Leg{Book::treasury(), Book::treasury(), 0, q(1)}}},
      {0, 9, EntryKind::Penalty, 1, {Leg{Book::account(1), Book::treasury(), 0, q(3)}}},  // time
  };
  for (const JournalEntry& e : bad) {
    EXPECT_THROW(j.post(e), std::invalid_argument);
    EXPECT_EQ(j.size(), 1U);
    EXPECT_EQ(j.balances(), snapshot);
  }
  EXPECT_EQ(j.entries_since(1).size(), 0U);
  EXPECT_EQ(j.entries_since(7).size(), 0U);
}

TEST(Journal, NetFlowsHandDerived) {
  // net_flows (used by check_balanced and verify_step): 70 out of the fund to account 3, 30 into
  // the fund from outside: fund -70 + 30 = -40, account +70, external -30; sum 0.
  const JournalEntry e{0,
                       0,
                       EntryKind::InsurancePayout,
                       std::nullopt,
                       {Leg{Book::insurance_fund(), Book::account(3), 2, q(70)},
                        Leg{Book::external(), Book::insurance_fund(), 2, q(30)}}};
  const Holdings f = net_flows(std::span<const JournalEntry>(&e, 1));
  EXPECT_EQ(f.at({Book::insurance_fund(), 2}), -40);
  EXPECT_EQ(f.at({Book::account(3), 2}), 70);
  EXPECT_EQ(f.at({Book::external(), 2}), -30);
  EXPECT_EQ(f.size(), 3U);
}

// Property: random valid and invalid entries. Invalid ones change nothing; after every post the
// per-asset sum over books is 0, check_balanced passes, and verify_step accepts the journal's own
// before/after balances for any subset of books but rejects a one-quantum perturbation.
TEST(LedgerProperty, RandomJournalConserves) {
  std::mt19937_64 rng(20260301);
  auto pick_book = [&] {
    return Book{static_cast<BookKind>(rng() % kBookKindCount), static_cast<uint32_t>(rng() % 3)};
  };
  Journal j;
  int rejected = 0;
  int kinds_caught = 0;  // steps whose complete kinds caught a leg into an unmeasured book
  for (int i = 0; i < 3000; ++i) {
    JournalEntry e;
    e.time = static_cast<Timestamp>(i / 3);
    e.kind = static_cast<EntryKind>(rng() % kEntryKindCount);
    const int legs = static_cast<int>(rng() % 4);  // 0 legs is invalid
    for (int l = 0; l < legs; ++l) {
      Leg leg{pick_book(), pick_book(), static_cast<AssetId>(rng() % 3),
              q(static_cast<int64_t>(rng() % 1'000'000) - 1000)};  // some <= 0
      e.legs.push_back(leg);
    }
    const Holdings before = j.balances();
    const uint64_t mark = j.size();
    bool valid = !e.legs.empty();
    for (const Leg& l : e.legs) valid = valid && l.amount.is_positive() && l.from != l.to;
    if (!valid) {
      EXPECT_THROW(j.post(e), std::invalid_argument);
      EXPECT_EQ(j.balances(), before);
      EXPECT_EQ(j.size(), mark);
      ++rejected;
      continue;
    }
    j.post(e);
    std::map<AssetId, int128> sums;
    for (const auto& [k, v] : j.balances()) sums[k.asset] += v;
    for (const auto& [a, s] : sums) ASSERT_EQ(s, 0) << "asset " << a;
    // Tracked subset: books whose id is 0 or 1.
    Holdings b;
    Holdings a;
    for (const auto& [k, v] : before) {
      if (k.book.id != 2) b[k] = v;
    }
    for (const auto& [k, v] : j.balances()) {
      if (k.book.id != 2) a[k] = v;
    }
    ASSERT_NO_THROW(verify_step(b, a, j.entries_since(mark)));
    // The small flat maps a resolution step measures into check exactly the same pairs (their
    // overload merges sorted lists instead), with and without kinds whose legs are all tracked.
    auto flat = [](const Holdings& h) { return StepHoldings(h.begin(), h.end()); };
    ASSERT_EQ(verify_step(flat(b), flat(a), j.entries_since(mark)),
              verify_step(b, a, j.entries_since(mark)));
    std::vector<BookKind> kinds;
    for (int k = 0; k < kBookKindCount; ++k) {
      if (rng() % 3 == 0) kinds.push_back(static_cast<BookKind>(k));
    }
    std::string map_kinds_error;
    std::string flat_kinds_error;
    std::size_t map_pairs = 0;
    std::size_t flat_pairs = 0;
    try {
      map_pairs = verify_step(b, a, j.entries_since(mark), kinds);
    } catch (const ConservationError& err) {
      map_kinds_error = err.what();
    }
    try {
      flat_pairs = verify_step(flat(b), flat(a), j.entries_since(mark), kinds);
    } catch (const ConservationError& err) {
      flat_kinds_error = err.what();
    }
    ASSERT_EQ(flat_pairs, map_pairs);
    ASSERT_EQ(flat_kinds_error, map_kinds_error);  // legs into id-2 books of a listed kind
    if (!map_kinds_error.empty()) ++kinds_caught;
    if (!a.empty()) {
      auto it = a.begin();
      std::advance(it, static_cast<long>(rng() % a.size()));
      it->second += (rng() % 2 == 0) ? 1 : -1;
      std::string map_error;
      std::string flat_error;
      try {
        (void)verify_step(b, a, j.entries_since(mark));
      } catch (const ConservationError& err) {
        map_error = err.what();
      }
      try {
        (void)verify_step(flat(b), flat(a), j.entries_since(mark));
      } catch (const ConservationError& err) {
        flat_error = err.what();
      }
      ASSERT_FALSE(map_error.empty());
      ASSERT_EQ(flat_error, map_error);  // the same first mismatch, in (book, asset) order
    }
  }
  EXPECT_GT(rejected, 100);
  EXPECT_GT(j.size(), 1000U);
  EXPECT_GT(kinds_caught, 100);
  EXPECT_NO_THROW(j.check_balanced());
  const Holdings all = net_flows(j.entries());
  EXPECT_EQ(all, j.balances());
}

// Copies of a journal (constructed and assigned) are independent: posting to one leaves the
// other as it was, and balance() agrees with balances() on each (the lookup index is rebuilt).
TEST(Journal, CopiesAreIndependent) {
  std::mt19937_64 rng(7);
  auto random_entry = [&](Timestamp t) {
    JournalEntry e = random_transfer(rng, t, 50, 5, 2, 1000);
    e.legs.push_back(Leg{Book::external(), Book::insurance_fund(), 0, q(1)});
    return e;
  };
  auto consistent = [](const Journal& j) {
    for (const auto& [k, v] : j.balances()) {
      if (j.balance(k.book, k.asset) != v) return false;
    }
    return j.balances() == net_flows(j.entries());
  };
  Journal j;
  for (int i = 0; i < 200; ++i) j.post(random_entry(i));
  const Holdings before = j.balances();
  Journal copied(j);
  Journal assigned;
  assigned.post(random_entry(0));
  assigned = j;
  for (int i = 200; i < 400; ++i) {
    copied.post(random_entry(i));
    assigned.post(random_entry(i));
  }
  EXPECT_EQ(j.balances(), before);
  EXPECT_EQ(j.size(), 200U);
  EXPECT_TRUE(consistent(j));
  EXPECT_TRUE(consistent(copied));
  EXPECT_TRUE(consistent(assigned));
  EXPECT_EQ(copied.size(), 400U);
  // Posting to the original after copying leaves the copies alone.
  const Holdings copied_before = copied.balances();
  j.post(random_entry(400));
  EXPECT_EQ(copied.balances(), copied_before);
  EXPECT_TRUE(consistent(j));
}

// Aave v3.3 §1.4-1.5 / Maker §3 sequence, hand-derived: two accounts go bad in USDC, one in WETH;
// Umbrella covers part of the USDC deficit, the treasury the rest.
TEST(BadDebt, HandDerivedSeries) {
  BadDebtLedger l;
  const Book stake{BookKind::StakedTranche, kUsdc};
  l.book(100, kUsdc, 7, q(kDeficit), Value::from_raw(595'238'095));       // $595.238095
  l.book(130, kUsdc, 9, q(1'000'000), Value::from_raw(1'000'000));        // 1 USDC = $1
  l.book(130, kWeth, 9, q(kOneWeth / 10), Value::from_raw(200'000'000));  // 0.1 WETH at $2,000
  l.book(150, kUsdc, 7, q(4'761'905), Value::from_raw(4'761'905));
  // USDC accrued = 595,238,095 + 1,000,000 + 4,761,905 = 601,000,000 (601 USDC)
  EXPECT_EQ(l.outstanding(kUsdc), q(601'000'000));
  l.cover(200, kUsdc, stake, q(600'000'000), Value::from_raw(600'000'000));
  EXPECT_THROW(l.cover(200, kUsdc, Book::treasury(), q(1'000'001), Value{}), std::invalid_argument);
  l.cover(210, kUsdc, Book::treasury(), q(1'000'000), Value::from_raw(999'000));  // USDC at 0.999
  EXPECT_EQ(l.outstanding(kUsdc), q(0));
  EXPECT_THROW(l.cover(220, kUsdc, Book::treasury(), q(1), Value{}), std::invalid_argument);
  EXPECT_EQ(l.outstanding(kWeth), q(kOneWeth / 10));

  const DeficitTotals t = l.totals(kUsdc);
  EXPECT_EQ(t.accrued, q(601'000'000));
  EXPECT_EQ(t.covered, q(601'000'000));
  EXPECT_EQ(t.accrued_value, Value::from_raw(601'000'000));
  EXPECT_EQ(t.covered_value, Value::from_raw(600'999'000));  // historical values differ
  EXPECT_EQ(t.bookings, 3U);
  EXPECT_EQ(t.covers, 2U);

  EXPECT_EQ(l.attribution(7, kUsdc).qty, q(600'000'000));
  EXPECT_EQ(l.attribution(7, kUsdc).bookings, 2U);
  EXPECT_EQ(l.attribution(9, kUsdc).qty, q(1'000'000));
  EXPECT_EQ(l.attribution(9, kWeth).qty, q(kOneWeth / 10));
  EXPECT_EQ(l.attribution(8, kUsdc), Attribution{});
  EXPECT_EQ(l.covered_by_source().at({kUsdc, stake}), q(600'000'000));
  EXPECT_EQ(l.covered_by_source().at({kUsdc, Book::treasury()}), q(1'000'000));

  const std::vector<DeficitPoint> s = l.series(kUsdc);
  ASSERT_EQ(s.size(), 5U);
  const int64_t outstanding[] = {595'238'095, 596'238'095, 601'000'000, 1'000'000, 0};
  const uint64_t seqs[] = {0, 1, 3, 4, 5};
  for (std::size_t i = 0; i < s.size(); ++i) {
    EXPECT_EQ(s[i].outstanding, q(outstanding[i])) << i;
    EXPECT_EQ(s[i].seq, seqs[i]) << i;
    EXPECT_EQ(s[i].accrued - s[i].covered, s[i].outstanding) << i;
  }
  EXPECT_EQ(s[3].source, stake);
  EXPECT_EQ(s[0].account, std::optional<AccountId>(7));
  EXPECT_EQ(l.assets(), (std::vector<AssetId>{kWeth, kUsdc}));
  EXPECT_NO_THROW(l.check());
}

TEST(BadDebt, RejectsInvalidWithoutChange) {
  BadDebtLedger l;
  l.book(10, 0, 1, q(5), Value{});
  const auto h = l.history();
  EXPECT_THROW(l.book(10, 0, 1, q(0), Value{}), std::invalid_argument);
  EXPECT_THROW(l.book(10, 0, 1, q(1), Value::from_raw(-1)), std::invalid_argument);
  EXPECT_THROW(l.book(9, 0, 1, q(1), Value{}), std::invalid_argument);
  EXPECT_THROW(l.cover(10, 0, Book::deficit(0), q(1), Value{}), std::invalid_argument);
  EXPECT_THROW(l.cover(10, 1, Book::treasury(), q(1), Value{}), std::invalid_argument);
  EXPECT_THROW(l.cover(10, 0, Book::treasury(), q(6), Value{}), std::invalid_argument);
  EXPECT_THROW(l.book(10, 0, 1, q(INT64_MAX), Value{}), OverflowError);
  EXPECT_EQ(l.history(), h);
  EXPECT_EQ(l.outstanding(0), q(5));
  EXPECT_EQ(l.attribution(1, 0).qty, q(5));
  EXPECT_NO_THROW(l.check());
}

// Property: random bookings and covers (some over-covering). accrued - covered == outstanding at
// every point; over-covers throw and change nothing; the matching journal keeps
// balance(Deficit(a), a) == -outstanding(a); attributions sum to accrued per asset; cover sources
// sum to covered.
TEST(LedgerProperty, RandomDeficitAccounting) {
  std::mt19937_64 rng(77);
  BadDebtLedger l;
  Journal j;
  Timestamp t = 0;
  int over = 0;
  for (int i = 0; i < 4000; ++i) {
    t += static_cast<Timestamp>(rng() % 3);
    const auto asset = static_cast<AssetId>(rng() % 4);
    const Quantity amt = q(static_cast<int64_t>(rng() % 5'000'000) + 1);
    const Value val = Value::from_raw(static_cast<int64_t>(rng() % 9'000'000));
    if (rng() % 2 == 0) {
      const auto acct = static_cast<AccountId>(rng() % 10);
      l.book(t, asset, acct, amt, val);
      j.post(deficit_write_off_entry(t, asset, acct, amt));
    } else {
      const Book src{rng() % 2 == 0 ? BookKind::StakedTranche : BookKind::Treasury,
                     static_cast<uint32_t>(rng() % 2)};
      if (amt > l.outstanding(asset)) {
        const auto before = l.history().size();
        EXPECT_THROW(l.cover(t, asset, src, amt, val), std::invalid_argument);
        EXPECT_EQ(l.history().size(), before);
        ++over;
      } else {
        l.cover(t, asset, src, amt, val);
        j.post(deficit_cover_entry(t, asset, src, amt));
      }
    }
    const DeficitTotals x = l.totals(asset);
    ASSERT_EQ(x.accrued - x.covered, x.outstanding);
    ASSERT_FALSE(x.outstanding.is_negative());
    ASSERT_EQ(j.balance(Book::deficit(asset), asset), -static_cast<int128>(x.outstanding.raw()));
  }
  EXPECT_GT(over, 100);
  EXPECT_NO_THROW(l.check());
  EXPECT_NO_THROW(j.check_balanced());
  for (const AssetId a : l.assets()) {
    Quantity attributed;
    for (const auto& [k, at] : l.attributions()) {
      if (k.second == a) attributed += at.qty;
    }
    EXPECT_EQ(attributed, l.totals(a).accrued);
    Quantity sourced;
    for (const auto& [k, qty] : l.covered_by_source()) {
      if (k.first == a) sourced += qty;
    }
    EXPECT_EQ(sourced, l.totals(a).covered);
    // The series is in posting order with non-decreasing time and ends at the totals.
    const auto s = l.series(a);
    for (std::size_t i = 1; i < s.size(); ++i) {
      ASSERT_LT(s[i - 1].seq, s[i].seq);
      ASSERT_LE(s[i - 1].time, s[i].time);
    }
    EXPECT_EQ(s.back().outstanding, l.outstanding(a));
  }
}

// The running balances are folded in lazily (journal.h): reads between posts, copies and moves
// taken with entries not yet folded, and reads from several threads at once all give the
// balances of every entry posted so far.
TEST(Journal, LazyBalancesMatchTheEntriesWhenRead) {
  std::mt19937_64 rng(99);
  auto entry = [&](Timestamp t) { return random_transfer(rng, t, 40, 1, 3, 10'000); };
  Journal j;
  for (int i = 0; i < 300; ++i) {
    j.post(entry(i));
    if (i % 37 == 0) {
      ASSERT_EQ(j.balances(), net_flows(j.entries()));
    }
  }
  // Copies and moves of a journal with unfolded entries.
  const Journal copy(j);
  Journal assigned;
  assigned = j;
  Journal moved_from(j);
  const Journal moved(std::move(moved_from));
  EXPECT_EQ(copy.balances(), net_flows(j.entries()));
  EXPECT_EQ(assigned.balances(), net_flows(j.entries()));
  EXPECT_EQ(moved.balances(), net_flows(j.entries()));
  EXPECT_NO_THROW(moved.check_balanced());
  // Two threads read an unfolded journal at once: each sees every entry, once.
  for (int i = 300; i < 600; ++i) j.post(entry(i));
  const Holdings expect = net_flows(j.entries());
  std::vector<int128> got(2 * 40 * 3);
  auto reader = [&](std::size_t half) {
    for (uint32_t a = 0; a < 40; ++a) {
      for (AssetId s = 0; s < 3; ++s) {
        got[half * 120 + a * 3 + s] = j.balance(Book::account(a), s);
      }
    }
  };
  std::thread t1(reader, 0);
  std::thread t2(reader, 1);
  t1.join();
  t2.join();
  for (uint32_t a = 0; a < 40; ++a) {
    for (AssetId s = 0; s < 3; ++s) {
      const auto it = expect.find({Book::account(a), s});
      const int128 want = it == expect.end() ? 0 : it->second;
      EXPECT_EQ(got[a * 3 + s], want);
      EXPECT_EQ(got[120 + a * 3 + s], want);
    }
  }
  EXPECT_EQ(j.balances(), expect);
}

}  // namespace
}  // namespace backstop
