// File: margin/compact.h
// Compact structure-of-arrays view of the margin accounts for whole-book maintenance revaluation
// (the monitor's and liquidation engine's full rescan). revalue() writes, for every account, a
// Value EXACTLY equal to maint_excess(cache, account) (margin/risk.h): same integers, same
// roundings (PnL floored and margin ceiled at 10^K, margin ceiled again at 10^9, usd_of, weights),
// and the same OverflowError cases (reported per account instead of thrown).
//
// Layout (what the hot loop streams, 32 B per account + 9 B per position):
//   CompactAccount  carry = sum over positions of quote * 10^K + size * funding_snapshot * scale
//                   (int128, quote quanta * 10^K; exact, fixed between events), the one deposit
//                   (scaled), first position slot, position count, quote and deposit asset
//   sizes / markets flat arrays of position sizes (base quanta) and market ids
// With adj = (mark - funding_index) * scale per market and tick,
//   pnl_num = carry + sum size * adj = sum size * mark * scale + quote * 10^K
//                                      - size * (funding_index - snapshot) * scale
// which is the numerator maint_excess builds, term for term.
//
// Kernel scope: accounts with at most one token balance, which must be a deposit (no borrow), and
// at most kCompactMaxPositions perp positions, all quoted in one asset. Every bound the kernel's
// int128 arithmetic relies on is proved at update time (per account) or when the per-tick tables
// are built (per market and asset); an account that cannot be proved safe, or whose result falls
// outside |value| <= 2^60, is valued by maint_excess on the original MarginAccount (the fallback),
// so results never depend on which path ran.
//
// Units: Value at 10^-6 USD; sizes in base quanta; carry in quote quanta * 10^K.
// Ownership: CompactBook owns its arrays (copies, no pointers into State). The caller keeps it in
// sync: update(id, account, cache) after every event that changes an account, and passes the same
// accounts to revalue. Thread-safety: const methods and revalue are safe to call concurrently on
// disjoint output ranges; update is not (single writer, like the engine).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "backstop/margin/cache.h"

namespace backstop {

inline constexpr std::size_t kCompactMaxPositions = 4;

struct alignas(16) CompactAccount {
  int128 carry = 0;     // sum quote * 10^K + size * funding_snapshot * scale
  int64_t deposit = 0;  // scaled deposit (> 0), 0 when the account has no balance
  uint32_t first = 0;   // first position slot in sizes / markets
  uint8_t count = 0;    // positions
  uint8_t slow = 0;     // 1: not handled by the kernel, always valued by maint_excess
  uint8_t asset = 0;    // deposit asset
  uint8_t quote = 0;    // quote asset of every position (kCompactNoQuote when none)
};
static_assert(sizeof(CompactAccount) == 32);

inline constexpr uint8_t kCompactNoQuote = 255;

class CompactBook {
 public:
  CompactBook() = default;
  // Compact view of `accounts` (index = AccountId) under the market layout of `c` (K, scales and
  // quote assets; prices are not captured).
  CompactBook(const MarginCache& c, std::span<const MarginAccount> accounts);

  // Re-derives account `id` after an event (id == size() appends a new account). `c` may have
  // more markets than the book has seen (they are added) but must keep K and every known market's
  // scale and quote: otherwise std::invalid_argument (rebuild the book). Slots freed when an
  // account grows are not reused until the book is rebuilt (see garbage_slots()).
  void update(AccountId id, const MarginAccount& a, const MarginCache& c);

  // Whether revaluation under `c` can use the kernel (same K, scales and quotes as the book);
  // otherwise revalue() falls back to maint_excess for every account, still exact.
  [[nodiscard]] bool matches(const MarginCache& c) const;

  [[nodiscard]] std::size_t size() const { return accounts_.size(); }
  [[nodiscard]] std::size_t slow_accounts() const { return slow_; }  // structurally unhandled
  [[nodiscard]] std::size_t position_slots() const { return sizes_.size(); }
  [[nodiscard]] std::size_t garbage_slots() const { return garbage_; }
  [[nodiscard]] std::span<const CompactAccount> accounts() const { return accounts_; }
  [[nodiscard]] std::span<const int64_t> sizes() const { return sizes_; }
  [[nodiscard]] std::span<const uint8_t> markets() const { return markets_; }

 private:
  struct Layout {
    int k = 0;
    std::vector<int128> scale;   // per market, as in MarketCache::scale
    std::vector<AssetId> quote;  // per market
  };
  void learn_markets(const MarginCache& c);
  void fill(CompactAccount& h, const MarginAccount& a, const MarginCache& c, uint32_t first);

  Layout layout_;
  std::vector<CompactAccount> accounts_;
  std::vector<uint8_t> capacity_;  // position slots owned by each account (cold)
  std::vector<int64_t> sizes_;
  std::vector<uint8_t> markets_;
  std::size_t slow_ = 0;
  std::size_t garbage_ = 0;
};

struct RevalueStats {
  std::size_t kernel = 0;             // accounts valued by the compact kernel
  std::size_t fallback = 0;           // accounts valued by maint_excess
  std::vector<AccountId> overflowed;  // maint_excess threw OverflowError (out[i] set to 0)
};

// out[i] = maint_excess(c, accounts[first + i]) for i < out.size(). `accounts` must be the
// accounts `book` was built from / kept in sync with (same size, same contents).
RevalueStats revalue(const MarginCache& c, const CompactBook& book,
                     std::span<const MarginAccount> accounts, std::size_t first,
                     std::span<Value> out);
// Whole book: out.size() must be book.size().
RevalueStats revalue(const MarginCache& c, const CompactBook& book,
                     std::span<const MarginAccount> accounts, std::span<Value> out);

}  // namespace backstop
