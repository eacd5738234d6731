// File: ledger/bad_debt.h
// Per-asset bad-debt (deficit) ledger in the style of Aave v3.3's reserve deficit
// (../shared/reference/lending-protocols.md §1.4-1.5; Maker's Vow `sin` in §3):
//
//   book(t, asset, account, qty, value)   debt written off an account with no collateral left:
//                                         deficit[asset] += qty   (Aave: DeficitCreated)
//   cover(t, asset, source, qty, value)   a backstop burns value to reduce the deficit:
//                                         deficit[asset] -= qty   (Aave: eliminateReserveDeficit,
//                                         but over-covering is an error here, not min(amount,
//                                         deficit))
//
// Units: qty in native quanta of `asset`; value in USD (Value, 1e-6) measured by the caller at the
// time of the booking / cover (historical value: prices move between booking and cover, so
// accrued_value - covered_value is NOT the current value of the outstanding deficit).
// Invariant, per asset, at every point: accrued - covered == outstanding >= 0 (quantities).
//
// Deterministic: ordered maps; history in posting order with a sequence number. Times must be
// non-decreasing. Invalid input throws std::invalid_argument and changes nothing; a broken
// invariant throws ConservationError. Not thread-safe for writes.
//
// The ledger is independent of the Journal; deficit_write_off_entry / deficit_cover_entry build the
// matching journal entries so that Journal::balance(Book::deficit(a), a) == -outstanding(a).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "backstop/ledger/book.h"
#include "backstop/ledger/journal.h"
#include "backstop/model/ids.h"
#include "backstop/money/fixed.h"

namespace backstop {

struct DeficitPoint {
  enum class Kind : uint8_t { Booked, Covered };
  uint64_t seq = 0;  // 0, 1, 2, ... over all assets, in posting order
  Timestamp time = 0;
  AssetId asset = 0;
  Kind kind = Kind::Booked;
  std::optional<AccountId> account;  // Booked: the account written off
  std::optional<Book> source;        // Covered: who paid
  Quantity qty;                      // this booking / cover
  Value value;
  // Cumulative for `asset` after this point.
  Quantity accrued;
  Quantity covered;
  Quantity outstanding;
  Value accrued_value;
  Value covered_value;
  bool operator==(const DeficitPoint&) const = default;
};

struct DeficitTotals {
  Quantity accrued;
  Quantity covered;
  Quantity outstanding;
  Value accrued_value;
  Value covered_value;
  uint64_t bookings = 0;
  uint64_t covers = 0;
  bool operator==(const DeficitTotals&) const = default;
};

struct Attribution {
  Quantity qty;  // total written off this account in this asset
  Value value;
  uint64_t bookings = 0;
  bool operator==(const Attribution&) const = default;
};

class BadDebtLedger {
 public:
  // qty > 0, value >= 0, time non-decreasing. Returns the new point.
  const DeficitPoint& book(Timestamp time, AssetId asset, AccountId account, Quantity qty,
                           Value value);
  // qty > 0 and qty <= outstanding(asset), value >= 0, source is not Deficit. Returns the point.
  const DeficitPoint& cover(Timestamp time, AssetId asset, Book source, Quantity qty, Value value);

  [[nodiscard]] Quantity outstanding(AssetId asset) const;
  [[nodiscard]] DeficitTotals totals(AssetId asset) const;  // zeros for an asset never booked
  // Assets with at least one booking, ascending.
  [[nodiscard]] std::vector<AssetId> assets() const;

  // Per-account attribution: total booked to `account` in `asset` (zeros when none).
  [[nodiscard]] Attribution attribution(AccountId account, AssetId asset) const;
  // Every (account, asset) attribution, ordered by account then asset.
  [[nodiscard]] const std::map<std::pair<AccountId, AssetId>, Attribution>& attributions() const {
    return by_account_;
  }
  // Total covered per (asset, source), ordered.
  [[nodiscard]] const std::map<std::pair<AssetId, Book>, Quantity>& covered_by_source() const {
    return by_source_;
  }

  // All points in posting order, and the points of one asset (same order).
  [[nodiscard]] const std::vector<DeficitPoint>& history() const { return history_; }
  [[nodiscard]] std::vector<DeficitPoint> series(AssetId asset) const;

  // Recomputes totals, attributions and the series from the history; throws ConservationError
  // when accrued - covered != outstanding, outstanding < 0, or any cache disagrees.
  void check() const;

 private:
  void check_time(Timestamp time) const;

  std::vector<DeficitPoint> history_;
  std::map<AssetId, DeficitTotals> totals_;
  std::map<std::pair<AccountId, AssetId>, Attribution> by_account_;
  std::map<std::pair<AssetId, Book>, Quantity> by_source_;
};

// Journal entry for a write-off: Deficit(asset) -> Account(account), kind BadDebt, subject account.
[[nodiscard]] JournalEntry deficit_write_off_entry(Timestamp time, AssetId asset, AccountId account,
                                                   Quantity qty);
// Journal entry for a cover: source -> Deficit(asset), kind DeficitCover.
[[nodiscard]] JournalEntry deficit_cover_entry(Timestamp time, AssetId asset, Book source,
                                               Quantity qty);

}  // namespace backstop
