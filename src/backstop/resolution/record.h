// File: resolution/record.h
// One line of the resolution log: a liquidation, a declined or blocked one, a bad-debt booking,
// a waterfall step, an ADL fill. Fields are exact decimal strings in a fixed order per kind
// (documented in docs/json-output.md, "resolution"). Plain data.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "backstop/model/ids.h"

namespace backstop {

struct ResolutionRecord {
  Timestamp time = 0;
  std::string kind;  // liquidation | liquidation_declined | toxic_guard | bad_debt |
                     // waterfall | socialization | adl_fill | adl_unfilled | autoline |
                     // auction_take | auction_reset | socialization_failed | redistribution |
                     // store_front_sale
  std::optional<AccountId> account;
  std::vector<std::pair<std::string, std::string>> fields;
};

}  // namespace backstop
