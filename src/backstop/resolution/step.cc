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
    if (!s->pending_.empty()) last = s->pending_.back().time;
  }
  if (!last && journal_.size() > 0) last = journal_.entries().back().time;
  if (last && e.time < *last) {
    throw std::invalid_argument(fmt::format("journal entry at {} before {}", e.time, *last));
  }
  open_step_->pending_.push_back(std::move(e));
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

// ---- ResolutionStep ------------------------------------------------------------------------

ResolutionStep::ResolutionStep(Resolver& r, std::initializer_list<AccountId> accounts)
    : ResolutionStep(r, std::span<const AccountId>(accounts.begin(), accounts.size())) {}

ResolutionStep::ResolutionStep(Resolver& r, std::span<const AccountId> accounts)
    : r_(r), accounts_(accounts.begin(), accounts.end()) {
  r_.fault_point(Resolver::FaultPoint::StepStart);  // before anything is saved or registered
  std::sort(accounts_.begin(), accounts_.end());
  accounts_.erase(std::unique(accounts_.begin(), accounts_.end()), accounts_.end());
  before_ = measure_venue();
  for (AccountId id : accounts_) {
    measure_into(before_, id);
    accounts_before_.emplace(id, r_.engine_.state().accounts.at(id));
  }
  treasury_before_ = r_.treasury_;
  insurance_before_ = r_.cfg_.insurance;
  tranche_before_ = r_.cfg_.tranche;
  capital_before_ = r_.cfg_.liquidator.capital;
  budget_before_ = r_.budget_;
  totals_before_ = r_.totals_;
  dirt_before_ = r_.dirt_;
  global_dirt_before_ = r_.global_dirt_;
  pending_social_before_ = r_.pending_social_;
  records_before_ = r_.records_.size();
  touched_before_ = r_.touched_.size();
  auctions_size_before_ = r_.auctions_.size();
  bad_debt_points_before_ = r_.bad_debt_.history().size();
  parent_ = r_.open_step_;
  r_.open_step_ = this;
}

ResolutionStep::~ResolutionStep() {
  if (!done_) rollback();
}

void ResolutionStep::add_account(AccountId id) {
  if (std::find(accounts_.begin(), accounts_.end(), id) != accounts_.end()) return;
  accounts_.push_back(id);
  measure_into(before_, id);
  save_account(id);
}

void ResolutionStep::save_account(AccountId id) {
  if (accounts_before_.contains(id)) return;
  accounts_before_.emplace(id, r_.engine_.state().accounts.at(id));
}

void ResolutionStep::save_asset(AssetId a) {
  if (assets_before_.contains(a)) return;
  assets_before_.emplace(a, r_.engine_.state().assets.at(a));
}

void ResolutionStep::save_market(MarketId m) {
  if (perps_before_.contains(m)) return;
  perps_before_.emplace(m, r_.engine_.state().perps.at(m));
}

void ResolutionStep::save_asset_model(AssetId a) {
  if (asset_models_before_.contains(a)) return;
  asset_models_before_.emplace(a, r_.cfg_.asset_liquidity.at(a));
}

void ResolutionStep::save_market_model(MarketId m) {
  if (market_models_before_.contains(m)) return;
  market_models_before_.emplace(m, r_.cfg_.market_liquidity.at(m));
}

void ResolutionStep::save_auction(std::size_t i) {
  if (i >= auctions_size_before_ || auctions_before_.contains(i)) return;  // new: truncated
  auctions_before_.emplace(i, r_.auctions_.at(i));
}

void ResolutionStep::save_pacing(AccountId id) {
  if (pacing_before_.contains(id)) return;
  const auto it = r_.pacing_.find(id);
  pacing_before_.emplace(
      id, it == r_.pacing_.end() ? std::nullopt : std::optional<Resolver::Pacing>(it->second));
}

void ResolutionStep::save_chunk(AccountId id, MarketId m) {
  const std::pair<AccountId, MarketId> key{id, m};
  if (chunks_before_.contains(key)) return;
  const auto it = r_.last_chunk_.find(key);
  chunks_before_.emplace(
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
  verify_step(before_, after, pending_);
  if (parent_ != nullptr) {
    commit_into_parent();
  } else {
    // Entries were validated (and time-checked) when buffered; a step posts at most a few.
    for (JournalEntry& e : pending_) r_.journal_.post(std::move(e));
  }
  pending_.clear();
  done_ = true;
  r_.open_step_ = parent_;
}

// The enclosing step must be able to undo what this one did: it takes this step's entries and
// every saved piece it has not saved itself (a piece it had not saved, it had not changed, so
// its value at this step's start is its value at the enclosing step's start).
void ResolutionStep::commit_into_parent() {
  ResolutionStep& p = *parent_;
  for (JournalEntry& e : pending_) p.pending_.push_back(std::move(e));
  p.accounts_before_.merge(accounts_before_);
  p.assets_before_.merge(assets_before_);
  p.perps_before_.merge(perps_before_);
  p.asset_models_before_.merge(asset_models_before_);
  p.market_models_before_.merge(market_models_before_);
  for (auto& [i, au] : auctions_before_) {
    if (i < p.auctions_size_before_) p.auctions_before_.emplace(i, std::move(au));
  }
  p.pacing_before_.merge(pacing_before_);
  p.chunks_before_.merge(chunks_before_);
}

void ResolutionStep::rollback() noexcept {
  Resolver& r = r_;
  State& s = r.engine_.resolution_state();  // also invalidates the valuation cache
  for (auto& [id, a] : accounts_before_) s.accounts[id] = std::move(a);
  for (auto& [id, st] : assets_before_) s.assets[id] = st;
  for (auto& [id, st] : perps_before_) s.perps[id] = st;
  for (auto& [id, m] : asset_models_before_) r.cfg_.asset_liquidity.at(id) = std::move(m);
  for (auto& [id, m] : market_models_before_) r.cfg_.market_liquidity.at(id) = std::move(m);
  r.auctions_.erase(r.auctions_.begin() + static_cast<std::ptrdiff_t>(auctions_size_before_),
                    r.auctions_.end());
  for (auto& [i, au] : auctions_before_) r.auctions_[i] = std::move(au);
  for (auto& [id, v] : pacing_before_) {
    if (v) {
      r.pacing_[id] = *v;
    } else {
      r.pacing_.erase(id);
    }
  }
  for (auto& [key, v] : chunks_before_) {
    if (v) {
      r.last_chunk_[key] = *v;
    } else {
      r.last_chunk_.erase(key);
    }
  }
  r.treasury_ = std::move(treasury_before_);
  r.cfg_.insurance = std::move(insurance_before_);
  r.cfg_.tranche = std::move(tranche_before_);
  r.cfg_.liquidator.capital = std::move(capital_before_);
  r.budget_ = budget_before_;
  r.totals_ = totals_before_;
  r.dirt_ = std::move(dirt_before_);
  r.global_dirt_ = global_dirt_before_;
  r.pending_social_ = std::move(pending_social_before_);
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
  pending_.clear();
  done_ = true;
  r.open_step_ = parent_;
}

}  // namespace backstop
