#include "backstop/ledger/bad_debt.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace backstop {
namespace {

void require_amounts(const char* what, Quantity qty, Value value) {
  if (!qty.is_positive()) {
    throw std::invalid_argument(std::string(what) + ": quantity must be > 0, got " +
                                std::to_string(qty.raw()));
  }
  if (value.is_negative()) {
    throw std::invalid_argument(std::string(what) + ": value must be >= 0, got " + format(value));
  }
}

}  // namespace

void BadDebtLedger::check_time(Timestamp time) const {
  if (!history_.empty() && time < history_.back().time) {
    throw std::invalid_argument("deficit time " + std::to_string(time) +
                                " is before the last point's time " +
                                std::to_string(history_.back().time));
  }
}

const DeficitPoint& BadDebtLedger::book(Timestamp time, AssetId asset, AccountId account,
                                        Quantity qty, Value value) {
  require_amounts("deficit booking", qty, value);
  check_time(time);
  // Compute every new total first (checked arithmetic throws before anything changes).
  DeficitTotals t = totals(asset);
  t.accrued += qty;
  t.outstanding += qty;
  t.accrued_value += value;
  t.bookings += 1;
  Attribution at = attribution(account, asset);
  at.qty += qty;
  at.value += value;
  at.bookings += 1;
  DeficitPoint p{history_.size(), time,         asset,         DeficitPoint::Kind::Booked,
                 account,         std::nullopt, qty,           value,
                 t.accrued,       t.covered,    t.outstanding, t.accrued_value,
                 t.covered_value};
  // Room for one more first (so the push_back below cannot throw after the state changed),
  // growing geometrically: reserve(size + 1) would reallocate and copy on every call.
  if (history_.size() == history_.capacity()) {
    history_.reserve(std::max<std::size_t>(16, 2 * history_.capacity()));
  }
  totals_[asset] = t;
  by_account_[{account, asset}] = at;
  history_.push_back(p);
  return history_.back();
}

const DeficitPoint& BadDebtLedger::cover(Timestamp time, AssetId asset, Book source, Quantity qty,
                                         Value value) {
  require_amounts("deficit cover", qty, value);
  check_time(time);
  if (source.kind == BookKind::Deficit) {
    throw std::invalid_argument("deficit cover: the source cannot be a deficit book");
  }
  DeficitTotals t = totals(asset);
  if (qty > t.outstanding) {
    throw std::invalid_argument("deficit cover of " + std::to_string(qty.raw()) + " for asset " +
                                std::to_string(asset) + " exceeds the outstanding " +
                                std::to_string(t.outstanding.raw()));
  }
  t.covered += qty;
  t.outstanding -= qty;
  t.covered_value += value;
  t.covers += 1;
  const auto key = std::make_pair(asset, source);
  const auto it = by_source_.find(key);
  const Quantity src = (it == by_source_.end() ? Quantity{} : it->second) + qty;
  DeficitPoint p{history_.size(), time,      asset,         DeficitPoint::Kind::Covered,
                 std::nullopt,    source,    qty,           value,
                 t.accrued,       t.covered, t.outstanding, t.accrued_value,
                 t.covered_value};
  // Room for one more first (so the push_back below cannot throw after the state changed),
  // growing geometrically: reserve(size + 1) would reallocate and copy on every call.
  if (history_.size() == history_.capacity()) {
    history_.reserve(std::max<std::size_t>(16, 2 * history_.capacity()));
  }
  totals_[asset] = t;
  by_source_[key] = src;
  history_.push_back(p);
  return history_.back();
}

Quantity BadDebtLedger::outstanding(AssetId asset) const {
  return totals(asset).outstanding;
}

DeficitTotals BadDebtLedger::totals(AssetId asset) const {
  const auto it = totals_.find(asset);
  return it == totals_.end() ? DeficitTotals{} : it->second;
}

std::vector<AssetId> BadDebtLedger::assets() const {
  std::vector<AssetId> out;
  for (const auto& [a, t] : totals_) out.push_back(a);
  return out;
}

Attribution BadDebtLedger::attribution(AccountId account, AssetId asset) const {
  const auto it = by_account_.find({account, asset});
  return it == by_account_.end() ? Attribution{} : it->second;
}

std::vector<DeficitPoint> BadDebtLedger::series(AssetId asset) const {
  std::vector<DeficitPoint> out;
  for (const DeficitPoint& p : history_) {
    if (p.asset == asset) out.push_back(p);
  }
  return out;
}

void BadDebtLedger::check() const {
  std::map<AssetId, DeficitTotals> t;
  std::map<std::pair<AccountId, AssetId>, Attribution> acc;
  std::map<std::pair<AssetId, Book>, Quantity> src;
  for (std::size_t i = 0; i < history_.size(); ++i) {
    const DeficitPoint& p = history_[i];
    const std::string where =
        "deficit point " + std::to_string(i) + " (asset " + std::to_string(p.asset) + ")";
    if (p.seq != i) throw ConservationError(where + " has seq " + std::to_string(p.seq));
    DeficitTotals& x = t[p.asset];
    if (p.kind == DeficitPoint::Kind::Booked) {
      x.accrued += p.qty;
      x.outstanding += p.qty;
      x.accrued_value += p.value;
      x.bookings += 1;
      Attribution& a = acc[{p.account.value(), p.asset}];
      a.qty += p.qty;
      a.value += p.value;
      a.bookings += 1;
    } else {
      x.covered += p.qty;
      x.outstanding -= p.qty;
      x.covered_value += p.value;
      x.covers += 1;
      src[{p.asset, p.source.value()}] += p.qty;
    }
    if (x.outstanding.is_negative()) throw ConservationError(where + ": outstanding below zero");
    if (x.accrued - x.covered != x.outstanding) {
      throw ConservationError(where + ": accrued - covered != outstanding");
    }
    if (p.accrued != x.accrued || p.covered != x.covered || p.outstanding != x.outstanding ||
        p.accrued_value != x.accrued_value || p.covered_value != x.covered_value) {
      throw ConservationError(where + ": cumulative totals disagree with the history");
    }
  }
  if (t != totals_) throw ConservationError("deficit totals disagree with the history");
  if (acc != by_account_) throw ConservationError("deficit attribution disagrees with the history");
  if (src != by_source_) throw ConservationError("deficit cover sources disagree with the history");
}

JournalEntry deficit_write_off_entry(Timestamp time, AssetId asset, AccountId account,
                                     Quantity qty) {
  return JournalEntry{0,
                      time,
                      EntryKind::BadDebt,
                      account,
                      {Leg{Book::deficit(asset), Book::account(account), asset, qty}}};
}

JournalEntry deficit_cover_entry(Timestamp time, AssetId asset, Book source, Quantity qty) {
  return JournalEntry{0,
                      time,
                      EntryKind::DeficitCover,
                      std::nullopt,
                      {Leg{source, Book::deficit(asset), asset, qty}}};
}

}  // namespace backstop
