// ResolutionStep: the conservation check of one liquidation / waterfall step and its undo log
// (resolver.h, "Atomic steps"). A step saves what it is about to change; destroyed without a
// successful finish() it puts every saved piece back, drops its journal entries (they are posted
// only when the outermost step commits) and truncates the append-only logs (records, touched
// accounts, auctions) to their length at its start. Cost per step: its accounts, the pieces it
// saves and the venue-level maps (insurance funds, tranches, treasury, capital, auction dirt,
// pending socialisations: a few entries per asset or market), never the whole State.
#include <fmt/format.h>

#include <algorithm>
#include <utility>

#include "backstop/engine/balance_ops.h"
#include "backstop/resolution/resolver.h"

namespace backstop {

// ---- Resolver helpers ----------------------------------------------------------------------

ResolutionStep& Resolver::open_step() {
  if (open_step_ == nullptr) {
    throw std::logic_error("resolution: a change outside a ResolutionStep cannot be undone");
  }
  return *open_step_;
}

void Resolver::post(JournalEntry e) {
  // A step that moved no money (a fill worth less than one quote quantum at a zero fee) has
  // nothing to post; its conservation check still runs.
  if (e.legs.empty()) return;
  if (open_step_ == nullptr) {
    journal_.post(std::move(e));
    return;
  }
  // What Journal::post would refuse is refused now, so that committing cannot fail half-way.
  validate_entry(e);
  std::optional<Timestamp> last;
  for (const ResolutionStep* s = open_step_; s != nullptr && !last; s = s->parent_) {
    if (!s->u_.pending.empty()) last = s->u_.pending.back().time;
  }
  if (!last && journal_.size() > 0) last = journal_.entries().back().time;
  if (last && e.time < *last) {
    throw std::invalid_argument(fmt::format("journal entry at {} before {}", e.time, *last));
  }
  open_step_->u_.pending.push_back(std::move(e));
  fault_point(FaultPoint::Journal);
}

void Resolver::fault_point(FaultPoint where) {
  ++fault_.points;
  if (where == FaultPoint::StepStart) ++fault_.steps;
  const bool hit = fault_.points == fault_.at_point ||
                   (where == FaultPoint::StepStart && fault_.steps == fault_.at_step);
  if (!hit) return;
  const std::string what =
      fmt::format("injected fault at point {} (step {})", fault_.points, fault_.steps);
  if (where == FaultPoint::Finish) throw ConservationError(what);
  throw OverflowError(what);
}

Resolver::StepUndo& Resolver::acquire_undo() {
  if (undo_depth_ == undo_pool_.size()) undo_pool_.push_back(std::make_unique<StepUndo>());
  StepUndo& u = *undo_pool_[undo_depth_];
  u.pending.clear();
  u.accounts.clear();
  u.assets.clear();
  u.perps.clear();
  u.asset_models.clear();
  u.market_models.clear();
  u.auctions.clear();
  u.pacing.clear();
  u.chunks.clear();
  ++undo_depth_;
  return u;
}

// ---- ResolutionStep ------------------------------------------------------------------------

ResolutionStep::ResolutionStep(Resolver& r, std::initializer_list<AccountId> accounts)
    : ResolutionStep(r, std::span<const AccountId>(accounts.begin(), accounts.size())) {}

Resolver& ResolutionStep::started(Resolver& r) {
  r.fault_point(Resolver::FaultPoint::StepStart);
  return r;
}

// Anything that throws once the undo log is taken gives it back before the exception leaves.
ResolutionStep::ResolutionStep(Resolver& r, std::span<const AccountId> accounts)
    : r_(started(r)), u_(r.acquire_undo()) {
  try {
    accounts_.assign(accounts.begin(), accounts.end());
    std::sort(accounts_.begin(), accounts_.end());
    accounts_.erase(std::unique(accounts_.begin(), accounts_.end()), accounts_.end());
    before_ = measure_venue();
    for (AccountId id : accounts_) {
      measure_into(before_, id);
      u_.accounts.add(id, r_.engine_.state().accounts.at(id));
    }
    // Assigned over the previous step's maps: their nodes are reused.
    u_.treasury = r_.treasury_;
    u_.insurance = r_.cfg_.insurance;
    u_.tranche = r_.cfg_.tranche;
    u_.capital = r_.cfg_.liquidator.capital;
    u_.budget = r_.budget_;
    u_.totals = r_.totals_;
    u_.dirt = r_.dirt_;
    u_.global_dirt = r_.global_dirt_;
    u_.pending_social = r_.pending_social_;
  } catch (...) {
    r_.release_undo();
    throw;
  }
  records_before_ = r_.records_.size();
  touched_before_ = r_.touched_.size();
  auctions_size_before_ = r_.auctions_.size();
  bad_debt_points_before_ = r_.bad_debt_.history().size();
  parent_ = r_.open_step_;
  r_.open_step_ = this;
}

ResolutionStep::~ResolutionStep() {
  if (!done_) rollback();
  r_.release_undo();
}

void ResolutionStep::add_account(AccountId id) {
  if (std::find(accounts_.begin(), accounts_.end(), id) != accounts_.end()) return;
  accounts_.push_back(id);
  measure_into(before_, id);
  save_account(id);
}

void ResolutionStep::save_account(AccountId id) {
  if (u_.accounts.contains(id)) return;
  u_.accounts.add(id, r_.engine_.state().accounts.at(id));
}

void ResolutionStep::save_asset(AssetId a) {
  if (u_.assets.contains(a)) return;
  u_.assets.add(a, r_.engine_.state().assets.at(a));
}

void ResolutionStep::save_market(MarketId m) {
  if (u_.perps.contains(m)) return;
  u_.perps.add(m, r_.engine_.state().perps.at(m));
}

void ResolutionStep::save_asset_model(AssetId a) {
  if (u_.asset_models.contains(a)) return;
  u_.asset_models.emplace(a, r_.cfg_.asset_liquidity.at(a));
}

void ResolutionStep::save_market_model(MarketId m) {
  if (u_.market_models.contains(m)) return;
  u_.market_models.emplace(m, r_.cfg_.market_liquidity.at(m));
}

void ResolutionStep::save_auction(std::size_t i) {
  if (i >= auctions_size_before_ || u_.auctions.contains(i)) return;  // new: truncated
  u_.auctions.emplace(i, r_.auctions_.at(i));
}

void ResolutionStep::save_pacing(AccountId id) {
  if (u_.pacing.contains(id)) return;
  const auto it = r_.pacing_.find(id);
  u_.pacing.emplace(
      id, it == r_.pacing_.end() ? std::nullopt : std::optional<Resolver::Pacing>(it->second));
}

void ResolutionStep::save_chunk(AccountId id, MarketId m) {
  const std::pair<AccountId, MarketId> key{id, m};
  if (u_.chunks.contains(key)) return;
  const auto it = r_.last_chunk_.find(key);
  u_.chunks.emplace(
      key, it == r_.last_chunk_.end() ? std::nullopt : std::optional<Timestamp>(it->second));
}

void ResolutionStep::measure_into(StepHoldings& h, AccountId id) const {
  const State& s = r_.engine_.state();
  const MarginAccount& a = s.accounts.at(id);
  const Book book = Book::account(id);
  for (const TokenBalance& b : a.balances) {
    h[BookAsset{book, b.asset}] += signed_amount(b, s.assets[b.asset]).raw();
  }
  for (const PerpPosition& p : a.positions) {
    h[BookAsset{book, s.perp_params[p.market].quote}] += p.quote.raw();
  }
}

StepHoldings ResolutionStep::measure_venue() const {
  StepHoldings h;
  for (const auto& [asset, f] : r_.cfg_.insurance) {
    h[BookAsset{Book::insurance_fund(0), asset}] = f.balance.raw();
  }
  for (const auto& [asset, t] : r_.cfg_.tranche) {
    h[BookAsset{Book{BookKind::StakedTranche, 0}, asset}] = t.staked.raw();
  }
  for (const auto& [asset, q] : r_.treasury_) h[BookAsset{Book::treasury(0), asset}] = q.raw();
  return h;
}

void ResolutionStep::finish() {
  if (done_) throw std::logic_error("ResolutionStep::finish called twice");
  if (r_.open_step_ != this) throw std::logic_error("ResolutionStep: steps finished out of order");
  r_.fault_point(Resolver::FaultPoint::Finish);
  StepHoldings after = measure_venue();
  for (AccountId id : accounts_) measure_into(after, id);
  verify_step(before_, after, u_.pending);
  if (parent_ != nullptr) {
    commit_into_parent();
  } else {
    // Entries were validated (and time-checked) when buffered; a step posts at most a few.
    for (JournalEntry& e : u_.pending) r_.journal_.post(std::move(e));
    // Every account the step (or a step it enclosed) changed was saved first.
    for (const auto& [id, a] : u_.accounts) r_.engine_.note_changed(id);
  }
  u_.pending.clear();
  done_ = true;
  r_.open_step_ = parent_;
}

// The enclosing step must be able to undo what this one did: it takes this step's entries and
// every saved piece it has not saved itself (a piece it had not saved, it had not changed, so
// its value at this step's start is its value at the enclosing step's start).
void ResolutionStep::commit_into_parent() {
  Resolver::StepUndo& p = parent_->u_;
  for (JournalEntry& e : u_.pending) p.pending.push_back(std::move(e));
  p.accounts.merge(u_.accounts);
  p.assets.merge(u_.assets);
  p.perps.merge(u_.perps);
  p.asset_models.merge(u_.asset_models);
  p.market_models.merge(u_.market_models);
  for (auto& [i, au] : u_.auctions) {
    if (i < parent_->auctions_size_before_) p.auctions.emplace(i, std::move(au));
  }
  p.pacing.merge(u_.pacing);
  p.chunks.merge(u_.chunks);
}

void ResolutionStep::rollback() noexcept {
  Resolver& r = r_;
  State& s = r.engine_.resolution_state();  // also invalidates the valuation cache
  for (auto& [id, a] : u_.accounts) s.accounts[id] = std::move(a);
  for (auto& [id, st] : u_.assets) s.assets[id] = st;
  for (auto& [id, st] : u_.perps) s.perps[id] = st;
  for (auto& [id, m] : u_.asset_models) r.cfg_.asset_liquidity.at(id) = std::move(m);
  for (auto& [id, m] : u_.market_models) r.cfg_.market_liquidity.at(id) = std::move(m);
  r.auctions_.erase(r.auctions_.begin() + static_cast<std::ptrdiff_t>(auctions_size_before_),
                    r.auctions_.end());
  for (auto& [i, au] : u_.auctions) r.auctions_[i] = std::move(au);
  for (auto& [id, v] : u_.pacing) {
    if (v) {
      r.pacing_[id] = *v;
    } else {
      r.pacing_.erase(id);
    }
  }
  for (auto& [key, v] : u_.chunks) {
    if (v) {
      r.last_chunk_[key] = *v;
    } else {
      r.last_chunk_.erase(key);
    }
  }
  r.treasury_ = std::move(u_.treasury);
  r.cfg_.insurance = std::move(u_.insurance);
  r.cfg_.tranche = std::move(u_.tranche);
  r.cfg_.liquidator.capital = std::move(u_.capital);
  r.budget_ = u_.budget;
  r.totals_ = u_.totals;
  r.dirt_ = std::move(u_.dirt);
  r.global_dirt_ = u_.global_dirt;
  r.pending_social_ = std::move(u_.pending_social);
  r.records_.erase(r.records_.begin() + static_cast<std::ptrdiff_t>(records_before_),
                   r.records_.end());
  r.touched_.erase(r.touched_.begin() + static_cast<std::ptrdiff_t>(touched_before_),
                   r.touched_.end());
  // The bad-debt ledger is append-only with no undo: replay the points before the step (only on
  // this failure path, and only when the step booked or covered something).
  if (r.bad_debt_.history().size() != bad_debt_points_before_) {
    BadDebtLedger rebuilt;
    const std::vector<DeficitPoint>& h = r.bad_debt_.history();
    for (std::size_t i = 0; i < bad_debt_points_before_; ++i) {
      const DeficitPoint& p = h[i];
      if (p.kind == DeficitPoint::Kind::Booked) {
        rebuilt.book(p.time, p.asset, *p.account, p.qty, p.value);
      } else {
        rebuilt.cover(p.time, p.asset, *p.source, p.qty, p.value);
      }
    }
    r.bad_debt_ = std::move(rebuilt);
  }
  r.holders_.clear();  // a cache of position holders: rebuilt on next use
  u_.pending.clear();
  done_ = true;
  r.open_step_ = parent_;
}

}  // namespace backstop
