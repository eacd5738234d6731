#include "backstop/engine/engine.h"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>
#include <utility>

#include "backstop/engine/balance_ops.h"
#include "backstop/engine/mutations.h"

namespace backstop {

std::string_view event_kind(const EventBody& b) {
  static constexpr std::string_view kNames[] = {"price", "mark",  "deposit", "withdraw", "borrow",
                                                "repay", "trade", "funding", "tick",     "param"};
  return kNames[b.index()];
}

std::string_view reject_code(Reject r) {
  switch (r) {
    case Reject::None:
      return "none";
    case Reject::TimeWentBackwards:
      return "time_went_backwards";
    case Reject::InvalidPrice:
      return "invalid_price";
    case Reject::AbsurdPriceMove:
      return "absurd_price_move";
    case Reject::StalePrice:
      return "stale_price";
    case Reject::InvalidAmount:
      return "invalid_amount";
    case Reject::InsufficientBalance:
      return "insufficient_balance";
    case Reject::NotBorrowable:
      return "not_borrowable";
    case Reject::SupplyCap:
      return "supply_cap";
    case Reject::BorrowCap:
      return "borrow_cap";
    case Reject::DebtCeiling:
      return "debt_ceiling";
    case Reject::GlobalDebtCeiling:
      return "global_debt_ceiling";
    case Reject::IsolationCeiling:
      return "isolation_ceiling";
    case Reject::IsolationMode:
      return "isolation_mode";
    case Reject::OpenInterestCap:
      return "open_interest_cap";
    case Reject::InitialMargin:
      return "initial_margin";
    case Reject::WrongMarket:
      return "wrong_market";
    case Reject::InvalidParam:
      return "invalid_param";
    case Reject::Overflow:
      return "overflow";
  }
  return "unknown";
}

Engine::Engine(State initial) : state_(std::move(initial)) {}

const MarginCache& Engine::cache() const {
#ifndef NDEBUG
  if (check_books_ && cache_valid_ && !(build_margin_cache(state_) == cache_)) {
    throw std::logic_error("resolution_books() was used for a change to an input of the cache");
  }
  check_books_ = false;
#endif
  if (!cache_valid_) {
    rebuild_margin_cache(state_, cache_);
    cache_valid_ = true;
  }
  return cache_;
}

namespace {

// Everything an event may change, copied before it is applied and restored on rejection. Account
// copies are taken lazily by Mutation::touch().
struct Undo {
  VenueParams params;
  std::vector<AssetParams> asset_params;
  std::vector<PerpParams> perp_params;
  std::vector<AssetState> assets;
  std::vector<PerpState> perps;
  Timestamp now = 0;
};

}  // namespace

Outcome Engine::apply(const Event& e) {
  if (e.time < state_.now) {
    return {Reject::TimeWentBackwards,
            fmt::format("event time {} is before the current time {}", e.time, state_.now)};
  }
  const bool is_param = std::holds_alternative<SetParam>(e.body);
  Undo undo{is_param ? state_.params : VenueParams{},
            is_param ? state_.asset_params : std::vector<AssetParams>{},
            is_param ? state_.perp_params : std::vector<PerpParams>{},
            state_.assets,
            state_.perps,
            state_.now};
  Mutation m(state_);
  Outcome out;
  auto restore = [&] {
    m.restore_accounts();
    if (is_param) {
      state_.params = std::move(undo.params);
      state_.asset_params = std::move(undo.asset_params);
      state_.perp_params = std::move(undo.perp_params);
    }
    state_.assets = std::move(undo.assets);
    state_.perps = std::move(undo.perps);
    state_.now = undo.now;
  };
  try {
    m.accrue_to(e.time);
    out = std::visit([&](const auto& body) { return m.apply(body, e.time); }, e.body);
  } catch (const OverflowError& err) {
    out = {Reject::Overflow, fmt::format("arithmetic overflow: {}", err.what())};
  } catch (...) {
    restore();  // any other failure (a bug, out of memory): state as before, then propagate
    throw;
  }
  if (!out.ok()) {
    restore();
    return out;
  }
  cache_valid_ = false;
  m.for_each_touched([this](AccountId id) { note_changed(id); });
  return out;
}

void Engine::reset_to(const Engine& proto) {
  const State& p = proto.state_;
  const bool cheap = tracking_ && state_.accounts.size() == p.accounts.size() &&
                     state_.owners.size() == p.owners.size();
  if (cheap) {
    for (const AccountId id : changed_) state_.accounts[id] = p.accounts[id];
    state_.params = p.params;
    state_.asset_params = p.asset_params;
    state_.assets = p.assets;
    state_.perp_params = p.perp_params;
    state_.perps = p.perps;
    state_.asset_ids = p.asset_ids;
    state_.market_ids = p.market_ids;
    state_.owner_ids = p.owner_ids;
    state_.now = p.now;
  } else {
    state_ = p;
  }
  changed_.clear();
  cache_ = proto.cache_;
  cache_valid_ = proto.cache_valid_;
#ifndef NDEBUG
  check_books_ = false;
  if (state_hash() != proto.state_hash()) {
    throw std::logic_error("Engine::reset_to: an account changed without being listed");
  }
#endif
}

}  // namespace backstop
