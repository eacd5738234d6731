// The per-account "rebalance" advice in the JSON report, on examples/quickstart.toml: alice after
// the crash has WCm 19,800 against debt 20,000 (health 0.99).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "backstop/report/json.h"
#include "backstop/scenario/runner.h"
#include "backstop/scenario/scenario.h"

namespace backstop {
namespace {

TEST(ReportRebalance, QuickstartAliceHandDerived) {
  ParseResult p =
      parse_scenario_file(std::string(BACKSTOP_SOURCE_DIR) + "/examples/quickstart.toml");
  ASSERT_TRUE(p.scenario.has_value());
  const auto j = nlohmann::json::parse(run_to_json_text(run_scenario(std::move(*p.scenario))));
  bool seen = false;
  for (const auto& a : j["accounts"]) {
    if (a["id"] != "alice") {
      // every account at or above health 1 gets null
      if (!a["liquidatable"].get<bool>()) {
        EXPECT_TRUE(a["rebalance"].is_null()) << a["id"];
      }
      continue;
    }
    seen = true;
    const auto& r = a["rebalance"];
    ASSERT_FALSE(r.is_null());
    EXPECT_EQ(r["target_health"], "1");
    // repay: 20,000 - x <= 19,800 -> x = 200 USDC
    EXPECT_EQ(r["repay"][0]["asset"], "USDC");
    EXPECT_EQ(r["repay"][0]["amount"], "200");
    // top-up: 200 / (2,400 * 0.825) = 0.10101010..; at 0.101010101 the weighted value floors to
    // 19,999.999999, at 0.101010102 to 20,000.000001 -> 0.101010102 WETH
    EXPECT_EQ(r["top_up"][0]["asset"], "WETH");
    EXPECT_EQ(r["top_up"][0]["amount"], "0.101010102");
    EXPECT_TRUE(r["reduce"].empty());
  }
  EXPECT_TRUE(seen);
}

}  // namespace
}  // namespace backstop
