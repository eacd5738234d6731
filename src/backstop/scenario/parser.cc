// The top level of a scenario file and the helpers shared by the section parsers.
#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "backstop/scenario/parse_internal.h"

namespace backstop {

using scenario_detail::Builder;
using scenario_detail::Diagnostics;
using scenario_detail::Fields;

bool is_safe_name(std::string_view s) {
  if (s.empty() || s == "." || s == "..") return false;
  for (const char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

std::string Expectation::expected_text() const {
  switch (op) {
    case ExpectOp::Equals:
      return expected.str();
    case ExpectOp::Approx:
      return fmt::format("{} +- {}", expected.str(), format_decimal(tolerance, decimals));
    case ExpectOp::Range:
      if (min && max) {
        return fmt::format("[{}, {}]", format_decimal(*min, decimals),
                           format_decimal(*max, decimals));
      }
      if (min) return fmt::format(">= {}", format_decimal(*min, decimals));
      if (max) return fmt::format("<= {}", format_decimal(*max, decimals));
      return "any";
  }
  return "";
}

namespace {

std::string default_name(const std::string& file) {
  std::string stem = std::filesystem::path(file).stem().string();
  for (char& c : stem) {
    if (!is_safe_name(std::string_view(&c, 1))) c = '-';
  }
  return is_safe_name(stem) ? stem : "scenario";
}

}  // namespace

ParseResult parse_scenario(std::string_view text, const std::string& file) {
  Diagnostics d(file);
  ParseResult result;
  std::optional<toml::table> parsed = scenario_detail::parse_toml(d, text, file);
  if (!parsed) {
    result.errors = d.take();
    return result;
  }
  const toml::table& root = *parsed;
  for (const char* key : {"source", "simulation", "population"}) {
    if (root.contains(key)) {
      d.error(root.get(key)->source(), key,
              fmt::format("[{}] belongs to a simulation config: run this file with `backstop "
                          "simulate {}`",
                          key, file));
      result.errors = d.take();
      return result;
    }
  }
  result.scenario = scenario_detail::parse_scenario_root(d, root, file, {});
  if (!d.ok()) {
    result.scenario.reset();
    result.errors = d.take();
  }
  return result;
}

namespace scenario_detail {

std::optional<toml::table> parse_toml(Diagnostics& d, std::string_view text,
                                      const std::string& file) {
  try {
    return toml::parse(text, std::string_view(file));
  } catch (const toml::parse_error& e) {
    d.error(e.source(), "", fmt::format("invalid TOML: {}", e.description()));
    return std::nullopt;
  }
}

std::optional<std::string> read_input_file(const std::string& path, std::string* error) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    *error = fmt::format("{}: error: cannot read the file: it is a directory", path);
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buf;
  if (in) buf << in.rdbuf();
  if (!in || in.bad()) {
    *error = fmt::format("{}: error: cannot read the file", path);
    return std::nullopt;
  }
  return buf.str();
}

std::optional<Scenario> parse_scenario_root(Diagnostics& d, const toml::table& root,
                                            const std::string& file,
                                            const std::vector<std::string_view>& extra_keys) {
  Scenario s;
  s.file = file;
  Builder b(d, s);
  std::vector<std::string_view> allowed = {"version", "name",      "description", "venue",
                                           "asset",   "market",    "account",     "event",
                                           "expect",  "resolution"};
  allowed.insert(allowed.end(), extra_keys.begin(), extra_keys.end());
  const Fields f(d, root, "", allowed);
  const toml::node* version = f.find("version");
  if (version == nullptr) {
    d.error(1, 1, "version", "missing required field: start the file with 'version = 1'");
  } else if (const std::optional<int64_t> v = f.integer("version", INT64_MIN, INT64_MAX)) {
    if (*v != kScenarioVersion) {
      f.error("version",
              fmt::format("unsupported scenario version {}; this backstop reads version {}", *v,
                          kScenarioVersion));
      return std::nullopt;
    }
  }
  s.name = default_name(file);
  if (const std::optional<std::string> name = f.str("name")) {
    if (is_safe_name(*name)) {
      s.name = *name;
    } else {
      f.error("name", fmt::format("'{}' is not a valid name: use letters, digits, '_', '-' and '.' "
                                  "(it names the --out files)",
                                  *name));
    }
  }
  if (const std::optional<std::string> desc = f.str("description")) s.description = *desc;

  parse_venue(b, f.find("venue"));
  parse_assets(b, f.find("asset"));
  parse_markets(b, f.find("market"));
  parse_accounts(b, f.find("account"));
  parse_resolution(b, f.find("resolution"));
  parse_events(b, f.find("event"));
  parse_expects(b, f.find("expect"));

  if (!d.ok()) return std::nullopt;
  s.preset = s.initial.params.preset;
  return s;
}

}  // namespace scenario_detail

ParseResult parse_scenario_file(const std::string& path) {
  std::string error;
  const std::optional<std::string> text = scenario_detail::read_input_file(path, &error);
  if (!text) {
    ParseResult r;
    r.errors.push_back(error);
    return r;
  }
  return parse_scenario(*text, path);
}

namespace scenario_detail {

void for_each_table(Builder& b, const toml::node* node, std::string_view name,
                    const std::function<void(const toml::table&, const std::string&)>& fn) {
  if (node == nullptr) return;
  const toml::array* arr = node->as_array();
  if (arr == nullptr) {
    b.diag.error(node->source(), name,
                 fmt::format("expected an array of tables: write each one under a [[{}]] header, "
                             "got {}",
                             name, type_name(*node)));
    return;
  }
  std::size_t i = 0;
  for (const toml::node& el : *arr) {
    const std::string path = fmt::format("{}[{}]", name, i++);
    if (const toml::table* t = el.as_table()) {
      fn(*t, path);
    } else {
      b.diag.error(el.source(), path, fmt::format("expected a table, got {}", type_name(el)));
    }
  }
}

namespace {

template <class Map>
std::string known_list(const Map& m, std::size_t limit = 30) {
  std::vector<std::string_view> names;
  for (const auto& kv : m) {
    if (names.size() == limit) break;
    names.push_back(kv.first);
  }
  if (names.empty()) return "(none defined)";
  std::string s = join(names);
  if (m.size() > limit) s += ", ...";
  return s;
}

}  // namespace

std::optional<AssetId> asset_ref(Builder& b, const Fields& f, std::string_view key, bool required) {
  const std::optional<std::string> sym = f.str(key, required);
  if (!sym) return std::nullopt;
  if (const auto id = b.state().find_asset(*sym)) return id;
  if (b.broken_symbols.contains(*sym)) return std::nullopt;
  if (b.state().find_market(*sym)) {
    f.error(key, fmt::format("'{}' is a perp market, not an asset", *sym));
  } else {
    f.error(key, fmt::format("unknown asset '{}'; defined assets: {}", *sym,
                             known_list(b.state().asset_ids)));
  }
  return std::nullopt;
}

std::optional<MarketId> market_ref(Builder& b, const Fields& f, std::string_view key,
                                   bool required) {
  const std::optional<std::string> sym = f.str(key, required);
  if (!sym) return std::nullopt;
  if (const auto id = b.state().find_market(*sym)) return id;
  if (b.broken_symbols.contains(*sym)) return std::nullopt;
  if (b.state().find_asset(*sym)) {
    f.error(key, fmt::format("'{}' is an asset, not a perp market", *sym));
  } else {
    f.error(key, fmt::format("unknown market '{}'; defined markets: {}", *sym,
                             known_list(b.state().market_ids)));
  }
  return std::nullopt;
}

std::optional<AccountId> account_ref(Builder& b, const Fields& f, std::string_view key,
                                     bool required) {
  const std::optional<std::string> name = f.str(key, required);
  if (!name) return std::nullopt;
  if (const auto it = b.accounts.find(*name); it != b.accounts.end()) return it->second;
  const std::string owner = name->substr(0, name->find('/'));
  if (b.broken_accounts.contains(owner)) return std::nullopt;
  if (owner != *name && b.accounts.contains(owner)) {
    f.error(key, fmt::format("account '{}' has no isolated sub-account '{}' (list its markets in "
                             "[[account]] isolated = [...])",
                             owner, *name));
  } else {
    f.error(key, fmt::format("unknown account '{}'; defined accounts: {}", *name,
                             known_list(b.accounts)));
  }
  return std::nullopt;
}

bool claim_symbol(Builder& b, const Fields& f, const std::string& symbol, std::string_view kind) {
  if (!is_safe_name(symbol)) {
    f.error("symbol",
            fmt::format("'{}' is not a valid symbol: use letters, digits, '_', '-', '.'", symbol));
    b.broken_symbols.emplace(symbol, true);
    return false;
  }
  if (const auto it = b.symbols.find(symbol); it != b.symbols.end()) {
    f.error("symbol", fmt::format("duplicate symbol '{}': already defined as {} {} on line {}",
                                  symbol, it->second.first == "asset" ? "an" : "a",
                                  it->second.first, it->second.second));
    return false;
  }
  b.symbols.emplace(symbol, std::make_pair(std::string(kind), f.where().begin.line));
  return true;
}

}  // namespace scenario_detail
}  // namespace backstop
