// File: engine/engine.h
// The deterministic core: applies events to State. Every event is validated; a rejected event
// leaves the state byte-for-byte unchanged (undo snapshot) and says why. Interest accrues to the
// event's time before the event itself is applied. Single-threaded: one writer, no internal locks.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "backstop/engine/event.h"
#include "backstop/margin/cache.h"
#include "backstop/margin/risk.h"
#include "backstop/model/state.h"

namespace backstop {

enum class Reject : uint8_t {
  None,
  TimeWentBackwards,
  InvalidPrice,     // zero or negative
  AbsurdPriceMove,  // beyond the asset's or market's max_price_move
  StalePrice,       // a price the check needs is stale or missing
  InvalidAmount,    // zero or negative amount
  InsufficientBalance,
  NotBorrowable,
  SupplyCap,
  BorrowCap,
  DebtCeiling,  // per-asset debt ceiling
  GlobalDebtCeiling,
  IsolationCeiling,
  IsolationMode,  // isolated collateral mixed with others, or asset not borrowable in isolation
  OpenInterestCap,
  InitialMargin,
  WrongMarket,  // isolated sub-account trading another market
  InvalidParam,
  Overflow,
};

[[nodiscard]] std::string_view reject_code(Reject r);  // stable snake_case name used in --json

// Names of the parameters a SetParam event may change, per target (docs/scenario-format.md).
// The scenario parser checks names against this list so a typo is a file error.
[[nodiscard]] const std::vector<std::string_view>& param_fields(ParamTarget t);

struct Outcome {
  Reject code = Reject::None;
  std::string reason;  // human-readable, names the limit and the numbers
  [[nodiscard]] bool ok() const { return code == Reject::None; }
};

class Engine {
 public:
  explicit Engine(State initial);

  [[nodiscard]] Outcome apply(const Event& e);

  [[nodiscard]] const State& state() const { return state_; }
  // Valuation constants for the current state (rebuilt lazily after prices/params/time change).
  [[nodiscard]] const MarginCache& cache() const;
  [[nodiscard]] AccountRisk risk(AccountId id) const {
    return compute_risk(cache(), state_.accounts.at(id));
  }
  // 64-bit XXH3 of a canonical serialization of the whole state (params, markets, accounts, time).
  [[nodiscard]] uint64_t state_hash() const;

  // For the resolution layer only (liquidation and loss waterfall, resolution/): the state to
  // change directly. Every change made through it is a journaled, conservation-checked step of
  // that layer; calling this invalidates the valuation cache, so call it again before each change
  // that follows a cache() read.
  [[nodiscard]] State& resolution_state() {
    cache_valid_ = false;
    return state_;
  }
  // The same, for a change that leaves every input of the valuation cache alone: it may change
  // account balances and positions, open interest and supply/borrow totals, never a price, an
  // index, a parameter or the time. The cache stays valid (a liquidation step's fills and
  // transfers do not rebuild it). Debug builds check the promise at the next cache() read.
  [[nodiscard]] State& resolution_books() {
#ifndef NDEBUG
    check_books_ = true;
#endif
    return state_;
  }
  // The resolution layer reports every account it changed once the change is final (the
  // outermost ResolutionStep commits): see track_changes.
  void note_changed(AccountId id) {
    if (tracking_) changed_.push_back(id);
  }

  // ---- Cheap resets (the simulator's per-path workspaces) ----
  // From now on the engine lists the accounts that change: by accepted events, and by the
  // resolution layer (note_changed). The caller promises that this engine equals the prototype it
  // will be reset to when tracking starts.
  void track_changes() {
    tracking_ = true;
  }
  // Makes this engine equal to `proto`. When it is tracking, and the account and owner lists
  // have the lengths of proto's, only the accounts listed since tracking began (or the last reset)
  // are copied, with the rest of the state apart from the owners (which no event or resolution
  // step changes); otherwise everything is copied. Debug builds check the result against proto
  // (state_hash) and throw std::logic_error if they differ. Keeps tracking.
  void reset_to(const Engine& proto);
  // The accounts listed since tracking began or the last reset, repeats included (for tests).
  [[nodiscard]] std::span<const AccountId> changed_accounts() const {
    return changed_;
  }

 private:
  State state_;
  mutable MarginCache cache_;
  mutable bool cache_valid_ = false;
#ifndef NDEBUG
  mutable bool check_books_ = false;  // resolution_books() was called since the last cache()
#endif
  bool tracking_ = false;
  // Accounts changed since tracking began or the last reset, in order, repeats included (a
  // flag per account to skip them would cost a cache miss per change; a reset copies a repeat
  // twice, and an account rarely changes twice in a simulated path).
  std::vector<AccountId> changed_;
};

}  // namespace backstop
