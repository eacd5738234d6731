// File: engine/mutations.h
// One event's worth of changes to State, with the validation of every limit. Internal to the
// engine: Engine::apply snapshots what may change, runs a Mutation and restores on rejection.
// Not thread-safe (mutates the State it is given).
#pragma once

#include <utility>
#include <vector>

#include "backstop/engine/engine.h"

namespace backstop {

class Mutation {
 public:
  explicit Mutation(State& s) : s_(s) {}

  // Interest accrual (linear over each interval between events, Aave-style indexes):
  //   borrow_index *= 1 + borrow_rate * dt / year   (rounded up)
  //   supply_index *= 1 + supply_rate * dt / year   (rounded down)
  void accrue_to(Timestamp t);

  Outcome apply(const SetAssetPrice& e, Timestamp t);
  Outcome apply(const SetMarkPrice& e, Timestamp t);
  Outcome apply(const Deposit& e, Timestamp t);
  Outcome apply(const Withdraw& e, Timestamp t);
  Outcome apply(const Borrow& e, Timestamp t);
  Outcome apply(const Repay& e, Timestamp t);
  Outcome apply(const Trade& e, Timestamp t);
  Outcome apply(const Funding& e, Timestamp t);
  Outcome apply(const Tick& e, Timestamp t);
  Outcome apply(const SetParam& e, Timestamp t);

  void restore_accounts();
  // The accounts this mutation changed (saved before their first change), in order.
  template <class F>
  void for_each_touched(F f) const {
    for (const auto& [id, acct] : saved_) f(id);
  }

 private:
  MarginAccount& touch(AccountId id);  // copies the account into the undo log once
  // Initial margin after an increase of risk: prices usable and weighted initial collateral >=
  // initial requirement.
  Outcome check_initial(AccountId id);
  Outcome trade_leg(AccountId id, MarketId m, Quantity delta, Price price);
  Outcome check_isolation_mix(const MarginAccount& a, AssetId adding) const;
  [[nodiscard]] std::optional<AssetId> isolated_collateral(const MarginAccount& a) const;
  [[nodiscard]] std::string sym(AssetId a) const { return s_.asset_params[a].symbol; }

  State& s_;
  std::vector<std::pair<AccountId, MarginAccount>> saved_;
};

// Price sanity shared by asset and mark updates: positive, and within max_move of the previous
// price (cross-multiplied: |new - old| * 1e9 <= max_move * old).
Outcome check_price(Price next, Price prev, const std::optional<Ratio>& max_move,
                    std::string_view what);

}  // namespace backstop
