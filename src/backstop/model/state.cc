#include "backstop/model/state.h"

#include <fmt/format.h>

namespace backstop {
namespace {
template <class Map>
auto find_in(const Map& m, std::string_view s) -> std::optional<typename Map::mapped_type> {
  auto it = m.find(s);
  if (it == m.end()) return std::nullopt;
  return it->second;
}
}  // namespace

std::optional<AssetId> State::find_asset(std::string_view s) const {
  return find_in(asset_ids, s);
}
std::optional<MarketId> State::find_market(std::string_view s) const {
  return find_in(market_ids, s);
}
std::optional<OwnerId> State::find_owner(std::string_view s) const {
  if (owner_ids == nullptr) return std::nullopt;
  return find_in(*owner_ids, s);
}

std::string State::account_name(AccountId id) const {
  const MarginAccount& a = accounts.at(id);
  const std::string& owner = owners.at(a.owner).name;
  return a.sub == 0 ? owner : fmt::format("{}/{}", owner, a.sub);
}

AssetId State::add_asset(AssetParams p, AssetState s) {
  const auto id = static_cast<AssetId>(asset_params.size());
  asset_ids.emplace(p.symbol, id);
  asset_params.push_back(std::move(p));
  assets.push_back(s);
  return id;
}

MarketId State::add_market(PerpParams p, PerpState s) {
  const auto id = static_cast<MarketId>(perp_params.size());
  market_ids.emplace(p.symbol, id);
  perp_params.push_back(std::move(p));
  perps.push_back(s);
  return id;
}

OwnerId State::add_owner(const std::string& name) {
  const auto id = static_cast<OwnerId>(owners.size());
  // Copy on write: a map another State shares is copied before it changes.
  using Names = std::map<std::string, OwnerId, std::less<>>;
  std::shared_ptr<Names> names = owner_ids == nullptr || owner_ids.use_count() > 1
                                     ? std::make_shared<Names>(owner_ids ? *owner_ids : Names{})
                                     : std::const_pointer_cast<Names>(owner_ids);
  names->emplace(name, id);
  owner_ids = std::move(names);
  owners.push_back(Owner{name, {}});
  MarginAccount a;
  a.owner = id;
  owners.back().accounts.push_back(static_cast<AccountId>(accounts.size()));
  accounts.push_back(std::move(a));
  return id;
}

AccountId State::add_isolated(OwnerId owner, MarketId market) {
  MarginAccount a;
  a.owner = owner;
  a.sub = static_cast<uint16_t>(owners.at(owner).accounts.size());
  a.mode = MarginMode::Isolated;
  a.isolated_market = market;
  const auto id = static_cast<AccountId>(accounts.size());
  owners[owner].accounts.push_back(id);
  accounts.push_back(std::move(a));
  return id;
}

}  // namespace backstop
