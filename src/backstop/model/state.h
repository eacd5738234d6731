// File: model/state.h
// The whole venue: parameters, assets, perp markets and margin accounts. The engine is the only
// writer (single-threaded); readers may share a const State& across threads when no event is
// being applied. Containers are vectors indexed by dense ids and std::map for names, so nothing
// observable depends on hash order.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "backstop/model/account.h"
#include "backstop/model/asset.h"
#include "backstop/model/perp.h"

namespace backstop {

struct VenueParams {
  std::string preset;  // name of the venue preset the parameters came from, "" = custom
  // Weight of positive unrealised perp PnL as collateral (Drift unrealized_pnl_*_asset_weight,
  // Mango overall asset weight); negative PnL always counts in full.
  Ratio upnl_weight_initial = ratio_one();
  Ratio upnl_weight_maint = ratio_one();
  std::optional<Value> global_debt_ceiling;  // total borrowed value across all assets (Maker Line)
};

struct Owner {
  std::string name;
  std::vector<AccountId> accounts;  // [0] is the cross account
};

// Engine::reset_to copies the members other than accounts and owners one by one: a new member
// must be added there too (debug builds check a reset against the prototype's state_hash).
struct State {
  VenueParams params;
  std::vector<AssetParams> asset_params;
  std::vector<AssetState> assets;
  std::vector<PerpParams> perp_params;
  std::vector<PerpState> perps;
  std::vector<Owner> owners;
  std::vector<MarginAccount> accounts;
  std::map<std::string, AssetId, std::less<>> asset_ids;
  std::map<std::string, MarketId, std::less<>> market_ids;
  // Owner name -> id. Shared between copies of a State and copied on write (add_owner), so that
  // copying a large book (a simulated path's fresh copy) does not copy every name into a new map.
  // Read it through find_owner.
  std::shared_ptr<const std::map<std::string, OwnerId, std::less<>>> owner_ids;
  Timestamp now = 0;

  [[nodiscard]] std::optional<AssetId> find_asset(std::string_view s) const;
  [[nodiscard]] std::optional<MarketId> find_market(std::string_view s) const;
  [[nodiscard]] std::optional<OwnerId> find_owner(std::string_view s) const;
  // "alice" is alice's cross account; "alice/2" her isolated sub-account 2.
  [[nodiscard]] std::string account_name(AccountId id) const;

  AssetId add_asset(AssetParams p, AssetState s);
  MarketId add_market(PerpParams p, PerpState s);
  OwnerId add_owner(const std::string& name);  // also creates the cross account
  AccountId add_isolated(OwnerId owner, MarketId market);
};

}  // namespace backstop
