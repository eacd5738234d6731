#include "backstop/model/perp.h"

namespace backstop {

std::size_t tier_for(const PerpParams& p, int128 notional_quote) {
  std::size_t t = 0;
  for (std::size_t i = 1; i < p.tiers.size(); ++i) {
    if (notional_quote >= p.tiers[i].notional_floor.raw()) t = i;
  }
  return t;
}

}  // namespace backstop
