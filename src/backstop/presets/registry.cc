// File: presets/registry.cc
// The preset registry: every venue preset, built once on first use into immutable static storage
// (C++ guarantees thread-safe initialisation of function-local statics), looked up by name.
// The data lives in presets/lending.cc and presets/perps.cc; docs/presets.md cites every number.
#include <algorithm>

#include "backstop/presets/preset.h"

namespace backstop {
namespace preset_data {
// Defined in presets/lending.cc.
VenuePreset make_aave_v3();
VenuePreset make_compound_v3();
VenuePreset make_maker();
VenuePreset make_liquity();
VenuePreset make_morpho_blue();
// Defined in presets/perps.cc.
VenuePreset make_dydx_v4();
VenuePreset make_drift_v2();
VenuePreset make_mango_v4();
VenuePreset make_hyperliquid();
VenuePreset make_binance_um();
}  // namespace preset_data

namespace {

const std::vector<VenuePreset>& all_presets() {
  static const std::vector<VenuePreset> kPresets = [] {
    using namespace preset_data;
    std::vector<VenuePreset> v;
    v.push_back(make_aave_v3());
    v.push_back(make_compound_v3());
    v.push_back(make_maker());
    v.push_back(make_liquity());
    v.push_back(make_morpho_blue());
    v.push_back(make_dydx_v4());
    v.push_back(make_drift_v2());
    v.push_back(make_mango_v4());
    v.push_back(make_hyperliquid());
    v.push_back(make_binance_um());
    return v;
  }();
  return kPresets;
}

}  // namespace

const VenuePreset* find_preset(std::string_view name) {
  const auto& all = all_presets();
  const auto it =
      std::find_if(all.begin(), all.end(), [&](const VenuePreset& p) { return p.name == name; });
  return it == all.end() ? nullptr : &*it;
}

std::vector<std::string> preset_names() {
  std::vector<std::string> names;
  for (const VenuePreset& p : all_presets()) names.push_back(p.name);
  return names;
}

}  // namespace backstop
