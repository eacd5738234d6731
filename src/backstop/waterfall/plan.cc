#include "backstop/waterfall/plan.h"

#include <algorithm>
#include <array>
#include <stdexcept>

namespace backstop {
namespace {

constexpr std::array<Layer, 5> kDefaultOrder = {Layer::InsuranceFund, Layer::StakedTranche,
                                                Layer::Mutualization, Layer::Adl, Layer::RecapDebt};

void require(bool ok, const char* what) {
  if (!ok) throw std::invalid_argument(what);
}

void check_limit(const std::optional<Quantity>& lim, const char* what) {
  require(!lim || !lim->is_negative(), what);
}

}  // namespace

const char* layer_name(Layer l) {
  switch (l) {
    case Layer::InsuranceFund:
      return "insurance_fund";
    case Layer::StakedTranche:
      return "staked_tranche";
    case Layer::Mutualization:
      return "mutualization";
    case Layer::Adl:
      return "adl";
    case Layer::RecapDebt:
      return "recap_debt";
  }
  return "?";
}

std::span<const Layer> default_layer_order() {
  return kDefaultOrder;
}

std::optional<Quantity> layer_capacity(Layer layer, const WaterfallResources& r,
                                       std::optional<MarketId> market) {
  switch (layer) {
    case Layer::InsuranceFund:
      return insurance_available(r.fund, market);
    case Layer::StakedTranche:
      return slash_available(r.stake);
    case Layer::Mutualization:
      check_limit(r.mutualization_limit, "waterfall: negative mutualization limit");
      return r.mutualization_limit;
    case Layer::Adl:
      check_limit(r.adl_limit, "waterfall: negative ADL limit");
      return r.adl_limit;
    case Layer::RecapDebt:
      return std::nullopt;
  }
  throw std::invalid_argument("waterfall: unknown layer");
}

WaterfallPlan plan_waterfall(const Deficit& d, const WaterfallResources& r,
                             std::span<const Layer> order) {
  require(!d.amount.is_negative() && !d.value.is_negative(), "waterfall: negative deficit");
  require(d.amount.is_positive() || d.value.is_zero(), "waterfall: a value without an amount");
  for (std::size_t i = 0; i < order.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      require(order[i] != order[j], "waterfall: layer listed twice");
    }
  }
  WaterfallPlan p;
  Quantity left = d.amount;
  Quantity used{};      // cumulative amount of the steps so far
  int128 used_val = 0;  // floor(V * used / D): cumulative value so far
  for (const Layer layer : order) {
    const std::optional<Quantity> cap = layer_capacity(layer, r, d.market);
    if (left.is_zero()) continue;  // capacity still validated above
    const Quantity take = cap ? std::min(left, *cap) : left;
    if (take.is_zero()) continue;
    used += take;
    left -= take;
    const int128 cum_val = mul_div(d.value.raw(), used.raw(), d.amount.raw(), Rounding::Down);
    p.steps.push_back({layer, take, Value::from_raw(narrow64(cum_val - used_val, "step value"))});
    used_val = cum_val;
  }
  p.left = left;
  p.left_value = Value::from_raw(narrow64(d.value.raw() - used_val, "left value"));
  return p;
}

WaterfallResources apply_plan(WaterfallResources r, const Deficit& d, const WaterfallPlan& p) {
  for (const WaterfallStep& s : p.steps) {
    switch (s.layer) {
      case Layer::InsuranceFund:
        r.fund = pay_from_fund(r.fund, d.market, s.amount);
        break;
      case Layer::StakedTranche:
        r.stake = slash(r.stake, s.amount);
        break;
      case Layer::Mutualization:
        if (r.mutualization_limit) {
          require(s.amount <= *r.mutualization_limit, "apply_plan: mutualization over its limit");
          *r.mutualization_limit -= s.amount;
        }
        break;
      case Layer::Adl:
        if (r.adl_limit) {
          require(s.amount <= *r.adl_limit, "apply_plan: ADL over its limit");
          *r.adl_limit -= s.amount;
        }
        break;
      case Layer::RecapDebt:
        break;
    }
  }
  return r;
}

}  // namespace backstop
