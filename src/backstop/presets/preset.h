// File: presets/preset.h
// Venue presets as data: the margin-side parameters of real venues, each cited to
// ../shared/reference (see docs/presets.md). A scenario naming a preset starts every asset and
// market whose symbol the preset knows from the preset's parameters; fields the scenario sets
// explicitly override them. Immutable, static storage; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "backstop/model/state.h"

namespace backstop {

struct MarketPreset {
  std::string quote_symbol;  // resolved to an AssetId when the scenario defines that asset
  PerpParams params;         // params.quote is ignored; use quote_symbol
};

struct VenuePreset {
  std::string name;         // e.g. "aave-v3"
  std::string description;  // one line
  std::string source;       // where the numbers come from, e.g. "lending-protocols.md §1.2"
  VenueParams venue;
  std::vector<AssetParams> assets;    // keyed by AssetParams::symbol
  std::vector<MarketPreset> markets;  // keyed by PerpParams::symbol
  // Defaults for assets/markets the preset does not list by symbol.
  AssetParams default_asset;
  std::vector<MarginTier> default_tiers;
};

// nullptr when unknown. Names: aave-v3, compound-v3, maker, liquity, morpho-blue, dydx-v4,
// drift-v2, mango-v4, hyperliquid, binance-um.
[[nodiscard]] const VenuePreset* find_preset(std::string_view name);
[[nodiscard]] std::vector<std::string> preset_names();

}  // namespace backstop
