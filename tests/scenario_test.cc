// Scenario files: parsing, file:line:field errors for every class of bad input, the runner's
// expectation semantics, JSON structure and determinism.
#include "backstop/scenario/scenario.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "backstop/presets/preset.h"
#include "backstop/report/json.h"
#include "backstop/report/text.h"
#include "backstop/scenario/runner.h"

namespace backstop {
namespace {

namespace fs = std::filesystem;

const fs::path kSource = BACKSTOP_SOURCE_DIR;

// A small lending + perp venue used by most tests.
constexpr const char* kVenue = R"(version = 1
name = "unit"
description = "test venue"

[[asset]]
symbol = "USDC"
decimals = 6
price = "1"
weight_initial = "1"
weight_maint = "1"
borrowable = true

[[asset]]
symbol = "WETH"
decimals = 9
price = "3000"
weight_initial = "0.80"
weight_maint = "0.825"
supply_cap = "100"

[[market]]
symbol = "BTC-PERP"
base_decimals = 8
quote = "USDC"
mark = "100000"
tiers = [ { notional = "0", initial = "0.02", maint = "0.01" } ]

[[account]]
id = "lp"
deposits = { USDC = "1000000" }

[[account]]
id = "alice"
deposits = { WETH = "10" }

[[account]]
id = "bob"
isolated = ["BTC-PERP"]
)";

ParseResult parse(const std::string& tail) {
  return parse_scenario(kVenue + tail, "unit.toml");
}

Scenario parse_ok(const std::string& tail) {
  ParseResult r = parse(tail);
  std::string all;
  for (const auto& e : r.errors) all += e + "\n";
  EXPECT_TRUE(r.scenario.has_value()) << all;
  if (!r.scenario) throw std::runtime_error("parse failed: " + all);
  return std::move(*r.scenario);
}

std::string errors_of(const std::string& text) {
  ParseResult r = parse_scenario(text, "x.toml");
  EXPECT_FALSE(r.scenario.has_value());
  std::string all;
  for (const auto& e : r.errors) all += e + "\n";
  return all;
}

TEST(ScenarioParse, BuildsStateEventsAndOrigins) {
  const Scenario s = parse_ok(R"(
[[event]]
t = 5
type = "borrow"
account = "alice"
asset = "USDC"
amount = "20000"
)");
  EXPECT_EQ(s.name, "unit");
  EXPECT_EQ(s.description, "test venue");
  ASSERT_EQ(s.initial.asset_params.size(), 2u);
  EXPECT_EQ(s.initial.asset_params[1].weight_maint, Ratio::from_raw(825'000'000));
  EXPECT_EQ(s.initial.assets[1].price, Price::from_raw(3000'000'000'000));
  ASSERT_TRUE(s.initial.asset_params[1].supply_cap.has_value());
  EXPECT_EQ(s.initial.asset_params[1].supply_cap->raw(), 100'000'000'000);
  ASSERT_EQ(s.initial.perp_params.size(), 1u);
  EXPECT_EQ(s.initial.perps[0].oracle, s.initial.perps[0].mark);
  // lp, alice, bob, bob/1
  ASSERT_EQ(s.initial.accounts.size(), 4u);
  EXPECT_EQ(s.initial.account_name(3), "bob/1");
  // Two deposit shorthands at t = 0, then the [[event]].
  ASSERT_EQ(s.events.size(), 3u);
  EXPECT_EQ(s.events[0].time, 0);
  EXPECT_TRUE(std::holds_alternative<Deposit>(s.events[0].body));
  EXPECT_EQ(s.events[0].origin, "unit.toml:30");
  const auto& b = std::get<Borrow>(s.events[2].body);
  EXPECT_EQ(b.account, 1u);
  EXPECT_EQ(b.amount.raw(), 20'000'000'000);
  EXPECT_EQ(s.events[2].time, 5);
  EXPECT_EQ(s.events[2].origin, "unit.toml:40");
}

TEST(ScenarioParse, NameDefaultsToFileStem) {
  ParseResult r = parse_scenario("version = 1\n", "dir/my scenario.toml");
  ASSERT_TRUE(r.scenario.has_value());
  EXPECT_EQ(r.scenario->name, "my-scenario");
}

TEST(ScenarioParse, HaircutAndAliasSetWeights) {
  ParseResult r = parse_scenario(R"(version = 1
[[asset]]
symbol = "X"
decimals = 0
price = "2"
haircut_initial = "0.25"
liquidation_threshold = "0.8"
)",
                                 "x.toml");
  ASSERT_TRUE(r.scenario.has_value());
  EXPECT_EQ(r.scenario->initial.asset_params[0].weight_initial, Ratio::from_raw(750'000'000));
  EXPECT_EQ(r.scenario->initial.asset_params[0].weight_maint, Ratio::from_raw(800'000'000));
}

TEST(ScenarioParse, PresetProvidesDefaultsAndFieldsOverride) {
  const VenuePreset* p = find_preset("aave-v3");
  ASSERT_NE(p, nullptr);
  ASSERT_FALSE(p->assets.empty());
  const AssetParams& listed = p->assets.front();
  const std::string text = "version = 1\n[venue]\npreset = \"aave-v3\"\n[[asset]]\nsymbol = \"" +
                           listed.symbol +
                           "\"\nprice = \"1\"\nliquidation_bonus = \"0.07\"\n"
                           "[[asset]]\nsymbol = \"NEW\"\ndecimals = 3\nprice = \"1\"\n";
  ParseResult r = parse_scenario(text, "x.toml");
  ASSERT_TRUE(r.scenario.has_value()) << (r.errors.empty() ? "" : r.errors[0]);
  const State& s = r.scenario->initial;
  EXPECT_EQ(r.scenario->preset, "aave-v3");
  EXPECT_EQ(s.asset_params[0].decimals, listed.decimals);
  EXPECT_EQ(s.asset_params[0].weight_maint, listed.weight_maint);
  EXPECT_EQ(s.asset_params[0].liquidation_bonus, Ratio::from_raw(70'000'000));
  EXPECT_EQ(s.asset_params[1].weight_maint, p->default_asset.weight_maint);
  EXPECT_EQ(s.asset_params[1].decimals, 3);
}

TEST(ScenarioParse, ReportsEveryErrorInOnePass) {
  const std::string all = errors_of(R"(version = 1
[[asset]]
symbol = "A"
decimals = 6
price = "0"
[[asset]]
symbol = "B"
decimals = 6
price = 1.5
)");
  EXPECT_NE(all.find("x.toml:5:9: error: field 'asset[0].price': must be greater than zero"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("x.toml:9:9: error: field 'asset[1].price': TOML floats are inexact"),
            std::string::npos)
      << all;
}

TEST(ScenarioParse, UnknownKeyListsAllowedKeys) {
  const std::string all = errors_of("version = 1\n[venue]\nglobal_debt_cieling = \"5\"\n");
  EXPECT_NE(all.find("x.toml:3:1: error: field 'venue.global_debt_cieling': unknown field (did you "
                     "mean 'global_debt_ceiling'?); allowed fields here: preset, "),
            std::string::npos)
      << all;
}

TEST(ScenarioParse, EventTypeSpecificKeys) {
  const std::string all = errors_of(std::string(kVenue) + R"(
[[event]]
t = 1
type = "price"
asset = "WETH"
price = "1"
amount = "3"
)");
  EXPECT_NE(all.find("field 'event[0].amount': unknown field"), std::string::npos) << all;
  EXPECT_NE(all.find("allowed fields here: t, type, asset, price"), std::string::npos) << all;
}

TEST(ScenarioParse, ReferencesToIsolatedSubAccounts) {
  const Scenario s = parse_ok(R"(
[[event]]
t = 0
type = "deposit"
account = "bob/1"
asset = "USDC"
amount = "5"
)");
  EXPECT_EQ(std::get<Deposit>(s.events.back().body).account, 3u);
  const std::string all = std::string(kVenue) + R"(
[[event]]
t = 0
type = "deposit"
account = "bob/2"
asset = "USDC"
amount = "5"
)";
  EXPECT_NE(errors_of(all).find("account 'bob' has no isolated sub-account 'bob/2'"),
            std::string::npos);
}

// Every file in tests/data/bad starts with "# expect-error: LINE MESSAGE": parsing it must fail
// with an error at FILE:LINE: that contains MESSAGE.
TEST(ScenarioParse, BadFilesGiveFileLineFieldMessages) {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(kSource / "tests/data/bad")) {
    if (e.path().extension() == ".toml") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  ASSERT_GE(files.size(), 10u);
  const std::regex header(R"(^# expect-error: (\d+) (.*)$)");
  for (const fs::path& f : files) {
    SCOPED_TRACE(f.string());
    std::ifstream in(f);
    std::string first;
    std::getline(in, first);
    std::smatch m;
    ASSERT_TRUE(std::regex_match(first, m, header)) << "missing '# expect-error: LINE MSG' header";
    const ParseResult r = parse_scenario_file(f.string());
    EXPECT_FALSE(r.scenario.has_value());
    ASSERT_FALSE(r.errors.empty());
    const std::string prefix = f.string() + ":" + m[1].str() + ":";
    bool found = false;
    for (const std::string& e : r.errors) {
      found = found || (e.rfind(prefix, 0) == 0 && e.find(m[2].str()) != std::string::npos);
    }
    std::string all;
    for (const auto& e : r.errors) all += e + "\n";
    EXPECT_TRUE(found) << "want " << prefix << " ... " << m[2].str() << "\ngot:\n" << all;
  }
}

TEST(ScenarioParse, UnreadableFile) {
  const ParseResult r = parse_scenario_file("/nonexistent/x.toml");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0], "/nonexistent/x.toml: error: cannot read the file");
}

TEST(ScenarioMetrics, BuildersMatchTheCatalog) {
  const AccountRisk r;
  std::vector<NamedValue> values = account_metric_values(r);
  for (auto& v : account_flag_values(r)) values.push_back(v);
  const auto specs = metric_specs(MetricScope::Account);
  ASSERT_EQ(values.size(), specs.size());
  for (std::size_t i = 0; i < specs.size(); ++i) {
    EXPECT_EQ(values[i].name, specs[i].name);
    EXPECT_EQ(values[i].value.type, specs[i].type) << specs[i].name;
  }
  const auto dv = driver_values(DriverRisk{});
  const auto ds = metric_specs(MetricScope::Driver);
  ASSERT_EQ(dv.size(), ds.size());
  for (std::size_t i = 0; i < ds.size(); ++i) EXPECT_EQ(dv[i].name, ds[i].name);
  const auto vv = venue_values(VenueAggregate{}, {});
  const auto vs = metric_specs(MetricScope::Venue);
  // + applied_events, rejected_events and the resolution counters (runner.h)
  ASSERT_EQ(vv.size() + 7, vs.size());
  for (std::size_t i = 0; i < vv.size(); ++i) EXPECT_EQ(vv[i].name, vs[i].name);
  for (std::size_t i = vv.size() + 2; i < vs.size(); ++i) {
    EXPECT_TRUE(resolution_venue_value(nullptr, vs[i].name).has_value()) << vs[i].name;
  }
}

// Hand derivation: alice holds 10 WETH (weight_maint 0.825) and borrows 20,000 USDC.
//   HF at $3,000 = 10 * 3000 * 0.825 / 20000 = 24750 / 20000 = 1.2375
//   HF at $2,400 = 19800 / 20000 = 0.99 -> liquidatable
constexpr const char* kRunTail = R"(
[[event]]
t = 0
type = "borrow"
account = "alice"
asset = "USDC"
amount = "20000"

[[event]]
t = 10
type = "deposit"
account = "alice"
asset = "WETH"
amount = "95"

[[event]]
t = 60
type = "price"
asset = "WETH"
price = "2400"

[[expect]]
t = 0
account = "alice"
metric = "health_factor"
equals = "1.2375"

[[expect]]
t = 59
account = "alice"
metric = "liquidatable"
equals = false

[[expect]]
account = "alice"
metric = "health_factor"
equals = "0.990"

[[expect]]
account = "alice"
metric = "liquidatable"
equals = true

[[expect]]
metric = "rejected_events"
equals = 1

[[expect]]
account = "bob"
metric = "health_factor"
equals = "none"

[[expect]]
asset = "USDC"
metric = "utilization"
approx = "0.02"
tolerance = "0.0001"

[[expect]]
account = "alice"
asset = "USDC"
metric = "balance"
max = "-20000"

[[expect]]
account = "alice"
driver = "WETH"
metric = "already_liquidatable"
equals = true

[[expect]]
account = "alice"
metric = "equity"
min = "4000.000001"
)";

TEST(ScenarioRun, ExpectationsAtTheirTimes) {
  const RunResult r = run_scenario(parse_ok(kRunTail));
  EXPECT_EQ(r.events_total, 5u);
  EXPECT_EQ(r.events_applied, 4u);
  ASSERT_EQ(r.rejections.size(), 1u);  // 95 WETH would exceed the 100 WETH supply cap
  EXPECT_EQ(r.rejections[0].index, 3u);
  EXPECT_EQ(r.rejections[0].code, "supply_cap");
  EXPECT_EQ(r.rejections[0].type, "deposit");
  EXPECT_EQ(r.rejections[0].origin, "unit.toml:47");
  ASSERT_EQ(r.results.size(), 10u);
  for (std::size_t i = 0; i + 1 < r.results.size(); ++i) {
    EXPECT_TRUE(r.results[i].passed)
        << r.expectations[i].origin << " actual " << r.results[i].actual.str();
  }
  EXPECT_EQ(r.results[0].evaluated_at, 0);
  EXPECT_EQ(r.results[1].evaluated_at, 0);  // the rejected t = 10 event does not move time
  EXPECT_EQ(r.results[2].evaluated_at, 60);
  // equity is exactly 24000 - 20000 = 4000: the last expectation fails.
  EXPECT_FALSE(r.results.back().passed);
  EXPECT_EQ(r.results.back().actual.str(), "4000");
  EXPECT_EQ(r.failed_expectations(), 1u);
}

TEST(ScenarioRun, JsonHasTheDocumentedShape) {
  const RunResult r = run_scenario(parse_ok(kRunTail));
  const nlohmann::ordered_json j = run_to_json(r);
  EXPECT_EQ(j["schema"], "backstop.run/1");
  EXPECT_EQ(j["scenario"]["name"], "unit");
  EXPECT_TRUE(j["scenario"]["preset"].is_null());
  EXPECT_EQ(j["final_time"], 60);
  EXPECT_TRUE(std::regex_match(j["state_hash"].get<std::string>(), std::regex("[0-9a-f]{16}")));
  EXPECT_EQ(j["events"]["applied"], 4);
  EXPECT_EQ(j["events"]["rejected"], 1);
  ASSERT_EQ(j["rejections"].size(), 1u);
  EXPECT_EQ(j["rejections"][0]["code"], "supply_cap");
  ASSERT_EQ(j["accounts"].size(), 4u);
  const auto& alice = j["accounts"][1];
  EXPECT_EQ(alice["id"], "alice");
  EXPECT_EQ(alice["mode"], "cross");
  EXPECT_EQ(alice["liquidatable"], true);
  std::vector<std::string> keys;
  for (const auto& [k, v] : alice["metrics"].items()) keys.push_back(k);
  ASSERT_EQ(keys.size(), 18u);
  EXPECT_EQ(keys.front(), "collateral_value");
  EXPECT_EQ(keys.back(), "debt_to_equity");
  EXPECT_EQ(alice["metrics"]["health_factor"], "0.99");
  EXPECT_EQ(alice["metrics"]["total_debt"], "20000");
  EXPECT_TRUE(j["accounts"][2]["metrics"]["health_factor"].is_null());
  EXPECT_EQ(j["accounts"][3]["id"], "bob/1");
  EXPECT_EQ(j["accounts"][3]["isolated_market"], "BTC-PERP");
  ASSERT_EQ(alice["balances"].size(), 2u);
  EXPECT_EQ(alice["balances"][0]["asset"], "USDC");
  EXPECT_EQ(alice["balances"][0]["amount"], "-20000");
  ASSERT_FALSE(alice["drivers"].empty());
  for (const auto& d : alice["drivers"]) {
    EXPECT_TRUE(d["dte_delta"].is_number() || d["dte_delta"].is_null());
    EXPECT_TRUE(d["method"] == "analytic" || d["method"] == "numeric");
  }
  ASSERT_EQ(j["assets"].size(), 2u);
  EXPECT_EQ(j["assets"][1]["symbol"], "WETH");
  EXPECT_EQ(j["assets"][1]["price"], "2400");
  EXPECT_EQ(j["assets"][1]["supply_cap_utilization"], "0.1");
  ASSERT_EQ(j["markets"].size(), 1u);
  EXPECT_EQ(j["venue"]["accounts"], 4);
  EXPECT_EQ(j["venue"]["liquidatable_accounts"], 1);
  ASSERT_EQ(j["expectations"].size(), 10u);
  EXPECT_EQ(j["expectations"][0]["metric"], "health_factor");
  EXPECT_EQ(j["expectations"][0]["passed"], true);
  EXPECT_EQ(j["expectations_failed"], 1);
}

TEST(ScenarioRun, DeterministicHashJsonAndText) {
  const std::string a_json = run_to_json_text(run_scenario(parse_ok(kRunTail)));
  const RunResult r1 = run_scenario(parse_ok(kRunTail));
  const RunResult r2 = run_scenario(parse_ok(kRunTail));
  EXPECT_EQ(r1.engine->state_hash(), r2.engine->state_hash());
  EXPECT_EQ(run_to_json_text(r1), run_to_json_text(r2));
  EXPECT_EQ(run_to_json_text(r1), a_json);
  EXPECT_EQ(run_to_text(r1), run_to_text(r2));
}

TEST(ScenarioRun, ExamplesPassTheirExpectationsAndAreDeterministic) {
  std::vector<fs::path> files;
  if (fs::exists(kSource / "examples")) {
    for (const auto& e : fs::recursive_directory_iterator(kSource / "examples")) {
      // examples/simulate/ holds `backstop simulate` configs (tests/sim_examples_test.cc).
      if (e.path().parent_path().filename() == "simulate") continue;
      if (e.path().extension() == ".toml") files.push_back(e.path());
    }
  }
  std::sort(files.begin(), files.end());
  for (const fs::path& f : files) {
    SCOPED_TRACE(f.string());
    ParseResult p1 = parse_scenario_file(f.string());
    ParseResult p2 = parse_scenario_file(f.string());
    ASSERT_TRUE(p1.scenario.has_value()) << (p1.errors.empty() ? "" : p1.errors[0]);
    const RunResult r1 = run_scenario(std::move(*p1.scenario));
    const RunResult r2 = run_scenario(std::move(*p2.scenario));
    for (std::size_t i = 0; i < r1.results.size(); ++i) {
      EXPECT_TRUE(r1.results[i].passed)
          << r1.expectations[i].origin << " " << r1.expectations[i].metric << " expected "
          << r1.expectations[i].expected_text() << " actual " << r1.results[i].actual.str();
    }
    EXPECT_EQ(r1.engine->state_hash(), r2.engine->state_hash());
    EXPECT_EQ(run_to_json_text(r1), run_to_json_text(r2));
  }
}

TEST(ScenarioRun, CheckExpectationOperators) {
  Expectation e;
  e.type = MetricType::RatioValue;
  e.decimals = kRatioDecimals;
  e.op = ExpectOp::Equals;
  e.expected = MetricValue::ratio(Ratio::from_raw(1'500'000'000));
  EXPECT_TRUE(check_expectation(e, MetricValue::ratio(Ratio::from_raw(1'500'000'000))));
  EXPECT_FALSE(check_expectation(e, MetricValue::ratio(Ratio::from_raw(1'500'000'001))));
  EXPECT_FALSE(check_expectation(e, MetricValue::ratio(std::nullopt)));
  e.expected = MetricValue::ratio(std::nullopt);
  EXPECT_TRUE(check_expectation(e, MetricValue::ratio(std::nullopt)));
  e.op = ExpectOp::Approx;
  e.expected = MetricValue::ratio(Ratio::from_raw(1'000'000'000));
  e.tolerance = 10;
  EXPECT_TRUE(check_expectation(e, MetricValue::ratio(Ratio::from_raw(999'999'990))));
  EXPECT_FALSE(check_expectation(e, MetricValue::ratio(Ratio::from_raw(999'999'989))));
  e.op = ExpectOp::Range;
  e.min = 5;
  e.max = 7;
  EXPECT_TRUE(check_expectation(e, MetricValue::ratio(Ratio::from_raw(7))));
  EXPECT_FALSE(check_expectation(e, MetricValue::ratio(Ratio::from_raw(8))));
  EXPECT_EQ(e.expected_text(), "[0.000000005, 0.000000007]");
}

}  // namespace
}  // namespace backstop
