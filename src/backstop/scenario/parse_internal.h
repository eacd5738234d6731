// File: scenario/parse_internal.h
// Internal to scenario/: the state shared by the section parsers (venue, assets, markets,
// accounts, events, expect). Each section parser reads its part of the TOML document, reports
// problems through Diagnostics and adds what it built to the Scenario under construction.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>

#include "backstop/presets/preset.h"
#include "backstop/scenario/scenario.h"
#include "backstop/scenario/toml_fields.h"

namespace backstop::scenario_detail {

struct Builder {
  Builder(Diagnostics& d, Scenario& s) : diag(d), out(s) {}

  Diagnostics& diag;
  Scenario& out;
  const VenuePreset* preset = nullptr;
  // Every asset and market symbol (they share one namespace so that a driver name is unambiguous).
  // symbol -> ("asset" | "market", line of the definition)
  std::map<std::string, std::pair<std::string, uint32_t>, std::less<>> symbols;
  // "alice" and "alice/1" -> account id.
  std::map<std::string, AccountId, std::less<>> accounts;
  std::map<std::string, uint32_t, std::less<>> account_lines;  // owner -> line of its [[account]]
  // Assets/markets whose definition failed: references to them are not reported again.
  std::map<std::string, bool, std::less<>> broken_symbols;
  std::map<std::string, bool, std::less<>> broken_accounts;

  [[nodiscard]] State& state() { return out.initial; }
};

void read_price_guards(const Fields& f, std::optional<int64_t>& age, std::optional<Ratio>& move);
void parse_venue(Builder& b, const toml::node* node);
void parse_assets(Builder& b, const toml::node* node);
void parse_markets(Builder& b, const toml::node* node);
void parse_accounts(Builder& b, const toml::node* node);
void parse_events(Builder& b, const toml::node* node);
void parse_expects(Builder& b, const toml::node* node);
void parse_resolution(Builder& b, const toml::node* node);

// Parses TOML text; on a syntax error reports "invalid TOML: ..." at its position and returns
// nullopt.
[[nodiscard]] std::optional<toml::table> parse_toml(Diagnostics& d, std::string_view text,
                                                    const std::string& file);

// The whole file at `path`, or nullopt with "PATH: error: cannot read the file[: why]" in *error.
[[nodiscard]] std::optional<std::string> read_input_file(const std::string& path,
                                                         std::string* error);

// The scenario tables of `root` (everything parse_scenario reads). `extra_keys` are further
// top-level keys the caller parses itself (the simulator's tables); they are not reported as
// unknown. Returns the scenario when no error was reported in `d` (by this call or before).
[[nodiscard]] std::optional<Scenario> parse_scenario_root(
    Diagnostics& d, const toml::table& root, const std::string& file,
    const std::vector<std::string_view>& extra_keys);

// Calls `fn(table, "name[i]")` for every table of an array of tables ([[name]]); reports a
// non-array or a non-table element.
void for_each_table(Builder& b, const toml::node* node, std::string_view name,
                    const std::function<void(const toml::table&, const std::string&)>& fn);

// Reference resolution: report unknown names (listing the known ones) and return std::nullopt.
[[nodiscard]] std::optional<AssetId> asset_ref(Builder& b, const Fields& f, std::string_view key,
                                               bool required);
[[nodiscard]] std::optional<MarketId> market_ref(Builder& b, const Fields& f, std::string_view key,
                                                 bool required);
[[nodiscard]] std::optional<AccountId> account_ref(Builder& b, const Fields& f,
                                                   std::string_view key, bool required);

// Claims a symbol for an asset or market; reports an invalid name or a duplicate.
bool claim_symbol(Builder& b, const Fields& f, const std::string& symbol, std::string_view kind);

// The ratio/weight helpers shared by assets and markets.
inline constexpr int64_t kMaxRaw = INT64_MAX;

}  // namespace backstop::scenario_detail
