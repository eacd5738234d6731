// File: ledger/journal.h
// Double-entry journal of every movement of value made by liquidation and the loss waterfall, and
// the conservation check the engine runs after each step.
//
// Units: a Leg moves `amount` native quanta of `asset` (Quantity, per-asset decimals) from one Book
// to another; amount > 0 always. Running balances are kept per (Book, asset) in int128, signed:
// a book that has paid out more than it received is negative (e.g. Deficit:<asset> after bad debt
// is written off, External after collateral is sold into the market). Because every leg adds to
// one book exactly what it takes from another, the sum over all books of one asset is always 0.
//
// Sign conventions used by the ledger helpers (ledger/bad_debt.h): writing debt off an account is
// a leg Deficit(asset) -> Account(id) (the account's negative balance goes back toward 0);
// covering the deficit is a leg source -> Deficit(asset). So balance(Deficit(a), a) ==
// -outstanding(a).
//
// Ownership: a Journal owns its entries; entries() / entries_since() return views that are
// invalidated by the next post(). Not thread-safe for writes; const methods are safe to call
// concurrently when no post() runs. Deterministic: ordered maps only.
//
// The running balances are folded in from the entries when first read (balance(), balances(),
// books(), assets(), check_balanced()), not at post(): the engine itself never reads them, and a
// simulated path posts tens of thousands of entries into thousands of account books. The fold
// cannot overflow: a balance is a sum of at most 2 per leg of amounts below 2^63, and fewer than
// 2^62 legs fit in memory, so |balance| < 2^125 (it is still checked). Reading is thread-safe
// (the fold takes a mutex).
//
// Errors: invalid input (empty entry, amount <= 0, from == to, time going backwards) throws
// std::invalid_argument and changes nothing. A broken invariant throws ConservationError, which
// is fatal: callers must not catch and continue.
#pragma once

#include <boost/container/flat_map.hpp>
#include <boost/container/small_vector.hpp>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "backstop/ledger/book.h"
#include "backstop/model/ids.h"
#include "backstop/money/fixed.h"

namespace backstop {

// A conservation or double-entry invariant does not hold. Never absorbed silently.
class ConservationError : public std::logic_error {
 public:
  explicit ConservationError(const std::string& what) : std::logic_error(what) {}
};

enum class EntryKind : uint8_t {
  Liquidation,                // collateral seized / debt repaid in a liquidation
  Penalty,                    // liquidation penalty charged to the account
  LiquidatorReward,           // bonus / discount paid to the liquidator
  InsuranceFee,               // share of a penalty credited to the insurance fund
  InsurancePayout,            // insurance fund covers a loss
  StakeSlash,                 // staked backstop (Umbrella / Safety Module) slashed
  SupplierHaircut,            // loss socialised to the suppliers of an asset
  OpenInterestSocialization,  // loss socialised to a perp market's open interest
  BorrowerRedistribution,     // debt + collateral redistributed to borrowers (Liquity)
  AdlFill,                    // auto-deleveraging fill against a profitable position
  BadDebt,                    // debt written off an account with no collateral left
  DeficitCover,               // a backstop burns value to reduce the deficit
  RecapDebt,                  // recapitalisation (Maker flop: newly minted governance tokens)
  Absorb,                     // whole account absorbed by the protocol (Compound v3)
  AuctionTake,                // collateral bought in an auction (Maker Clipper take)
  KeeperIncentive,            // keeper tip / chip (Maker: adds to sin)
};
inline constexpr int kEntryKindCount = 16;

// "liquidation", "penalty", ..., "keeper_incentive" (snake_case, stable: used in JSON).
[[nodiscard]] std::string_view entry_kind_name(EntryKind k);
[[nodiscard]] std::optional<EntryKind> parse_entry_kind(std::string_view name);

struct Leg {
  Book from;
  Book to;
  AssetId asset = 0;
  Quantity amount;  // native quanta of `asset`, > 0
  bool operator==(const Leg&) const = default;
};

struct JournalEntry {
  uint64_t seq = 0;  // assigned by Journal::post (0, 1, 2, ...); the value passed in is ignored
  Timestamp time = 0;
  EntryKind kind = EntryKind::Liquidation;
  std::optional<AccountId> subject;  // the account the entry is about, if any
  // Up to 4 legs inline (a perp liquidation posts 2-4): building, posting and dropping an entry
  // allocates nothing.
  boost::container::small_vector<Leg, 4> legs;
  bool operator==(const JournalEntry&) const = default;
};

// Signed amounts per (book, asset), in native quanta. Used for balances, step flows and the
// engine's measured holdings. Ordered: iteration is deterministic.
using Holdings = std::map<BookAsset, int128>;
// The same for the handful of pairs one resolution step measures (its accounts' balances, the
// funds, the treasury): a sorted vector with room for 8 pairs inline, so measuring a step
// allocates nothing. Same order and the same verify_step as Holdings.
using StepHoldings =
    boost::container::flat_map<BookAsset, int128, std::less<BookAsset>,
                               boost::container::small_vector<std::pair<BookAsset, int128>, 8>>;

// Throws std::invalid_argument naming the problem when `e` is not a valid entry (no legs, a leg
// with amount <= 0 or from == to).
void validate_entry(const JournalEntry& e);

// Net flow of `entries` per (book, asset): + what flowed in, - what flowed out. Pairs whose net is
// zero are kept (with 0) so that callers can see which books were touched.
[[nodiscard]] Holdings net_flows(std::span<const JournalEntry> entries);

class Journal {
 public:
  Journal() = default;
  Journal(const Journal& o);
  Journal& operator=(const Journal& o);
  Journal(Journal&& o) noexcept;
  Journal& operator=(Journal&& o) noexcept;
  ~Journal() = default;

  // Validates `e` (validate_entry, and e.time >= the last entry's time), assigns seq = size() and
  // appends it; its legs reach the running balances at their next read. On any error nothing
  // changes. Returns the stored entry.
  const JournalEntry& post(JournalEntry e);

  [[nodiscard]] std::span<const JournalEntry> entries() const { return entries_; }
  // Entries with seq >= first (empty when first >= size()).
  [[nodiscard]] std::span<const JournalEntry> entries_since(uint64_t first) const;
  [[nodiscard]] uint64_t size() const { return entries_.size(); }

  // Running balance of (book, asset); 0 for a pair never touched.
  [[nodiscard]] int128 balance(Book book, AssetId asset) const;
  // Every (book, asset) ever touched, with its balance (zeros included).
  [[nodiscard]] const Holdings& balances() const;
  // Every book ever touched, ascending, each once.
  [[nodiscard]] std::vector<Book> books() const;
  // Every asset ever moved, ascending, each once.
  [[nodiscard]] std::vector<AssetId> assets() const;

  // Recomputes every balance from the entries and throws ConservationError when a running balance
  // differs from the recomputed one, or when the sum over books of some asset is not 0.
  void check_balanced() const;

 private:
  // Adds the legs of entries_[folded_, size()) to balances_.
  void fold() const;

  std::vector<JournalEntry> entries_;
  mutable Holdings balances_;  // the legs of entries_[0, folded_)
  mutable std::size_t folded_ = 0;
  mutable std::mutex fold_mutex_;
};

// The conservation check the engine runs after every liquidation / waterfall step.
//
// `before` and `after` are what the engine measured from its own state, for the (book, asset)
// pairs it tracks (accounts, funds, ...); `step` are the journal entries posted for that step.
// Proves, for every tracked pair:   after - before == net flow of `step` into that pair.
//
// Tracked pairs: every key of `before` or `after` (a key missing on one side counts as 0), plus,
// for each kind in `complete_kinds`, every pair of that kind touched by a leg of `step` (so an
// engine that omits zero balances from its measurement still has every leg into one of its books
// checked). Legs into untracked books (External, Liquidator, ...) are not checked.
//
// Throws ConservationError naming the book, asset, expected and measured change (and both
// measurements) for the first mismatch in (book, asset) order. Returns the number of pairs checked.
std::size_t verify_step(const Holdings& before, const Holdings& after,
                        std::span<const JournalEntry> step,
                        std::span<const BookKind> complete_kinds = {});
std::size_t verify_step(const StepHoldings& before, const StepHoldings& after,
                        std::span<const JournalEntry> step,
                        std::span<const BookKind> complete_kinds = {});

}  // namespace backstop
