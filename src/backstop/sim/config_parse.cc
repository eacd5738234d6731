// Parsing of a simulation configuration (sim/config.h, docs/simulate-config.md): the scenario
// tables through the scenario parser, then the simulator's own tables with the same located
// diagnostics. The [source] table is in config_source.cc.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "backstop/scenario/parse_internal.h"
#include "backstop/sim/config_internal.h"

namespace backstop::sim {

using scenario_detail::Diagnostics;
using scenario_detail::Fields;

namespace config_detail {

std::optional<double> model_number(const Fields& f, std::string_view key, double lo, double hi,
                                   bool required) {
  const std::optional<int64_t> raw = f.decimal(key, 9, required);
  if (!raw) return std::nullopt;
  // The model boundary: an exact decimal (9 places) to double.
  const double v = static_cast<double>(*raw) / 1e9;
  if (!(v >= lo && v <= hi)) {
    f.error(key, fmt::format("{} is out of range: must be in [{}, {}]", format_decimal(*raw, 9), lo,
                             hi));
    return std::nullopt;
  }
  return v;
}

std::optional<std::size_t> driver_ref(Ctx& c, const Fields& f, std::string_view key) {
  const std::optional<std::string> sym = f.str(key, true);
  if (!sym) return std::nullopt;
  return driver_for(c, f, key, *sym);
}

std::optional<std::size_t> driver_for(Ctx& c, const Fields& f, std::string_view key,
                                      const std::string& sym) {
  for (std::size_t i = 0; i < c.out.drivers.size(); ++i) {
    if (c.out.drivers[i].symbol == sym) return i;
  }
  const State& s = c.out.scenario.initial;
  Driver d;
  d.symbol = sym;
  if (const auto a = s.find_asset(sym)) {
    d.targets.push_back({false, *a});
  } else if (const auto m = s.find_market(sym)) {
    d.targets.push_back({true, *m});
  } else {
    f.error(key, fmt::format("unknown asset or market '{}'", sym));
    return std::nullopt;
  }
  for (const Driver& other : c.out.drivers) {
    for (const Target& t : other.targets) {
      if (t.market == d.targets[0].market && t.id == d.targets[0].id) {
        f.error(key, fmt::format("'{}' is already driven by '{}' (its [[driver]] also = [...])",
                                 sym, other.symbol));
        return std::nullopt;
      }
    }
  }
  c.out.drivers.push_back(std::move(d));
  return c.out.drivers.size() - 1;
}

std::optional<std::vector<StepRange>> step_ranges(const Fields& f, std::string_view key) {
  const toml::array* arr = f.array(key);
  if (arr == nullptr) return std::nullopt;
  std::vector<StepRange> out;
  for (const toml::node& el : *arr) {
    const toml::array* pair = el.as_array();
    if (pair == nullptr || pair->size() != 2 || !(*pair)[0].is_integer() ||
        !(*pair)[1].is_integer()) {
      f.error(key, "expected a list of [from, to] step pairs, e.g. [[10, 20]]");
      return std::nullopt;
    }
    const int64_t from = *(*pair)[0].value<int64_t>();
    const int64_t to = *(*pair)[1].value<int64_t>();
    if (from < 1 || to < from || to > INT32_MAX) {
      f.error(key, fmt::format("[{}, {}] is not a step range: need 1 <= from <= to", from, to));
      return std::nullopt;
    }
    out.push_back({static_cast<int>(from), static_cast<int>(to)});
  }
  return out;
}

}  // namespace config_detail

namespace {

using config_detail::Ctx;
using config_detail::model_number;

std::optional<Distribution> read_distribution(const Fields& parent, std::string_view key,
                                              bool positive) {
  const toml::table* t = parent.subtable(key, true);
  if (t == nullptr) return std::nullopt;
  const Fields f(parent.diag(), *t, parent.field(key),
                 {"dist", "value", "low", "high", "median", "sigma", "min", "max"});
  Distribution d;
  const std::string kind = f.str("dist").value_or("fixed");
  const double big = 1e15;
  if (kind == "fixed") {
    d.kind = Distribution::Kind::Fixed;
    d.a = model_number(f, "value", -big, big, true).value_or(0);
  } else if (kind == "uniform") {
    d.kind = Distribution::Kind::Uniform;
    d.a = model_number(f, "low", -big, big, true).value_or(0);
    d.b = model_number(f, "high", -big, big, true).value_or(0);
    if (d.b < d.a) f.error("high", "must be >= low");
  } else if (kind == "lognormal") {
    d.kind = Distribution::Kind::LogNormal;
    d.a = model_number(f, "median", 1e-9, big, true).value_or(1);
    d.b = model_number(f, "sigma", 0, 10, true).value_or(0);
  } else {
    f.error("dist",
            fmt::format("unknown distribution '{}': use fixed, uniform or lognormal", kind));
  }
  d.lo = model_number(f, "min", -big, big, false).value_or(positive ? 1e-9 : -big);
  d.hi = model_number(f, "max", -big, big, false).value_or(big);
  if (d.hi < d.lo) f.error("max", "must be >= min");
  if (positive && d.lo <= 0) f.error("min", "must be > 0");
  return d;
}

void parse_simulation(Ctx& c, const toml::table* t) {
  if (t == nullptr) return;
  const Fields f(c.diag, *t, "simulation",
                 {"paths", "steps", "step_seconds", "seed", "threads", "series_points", "levels"});
  SimConfig& o = c.out;
  if (auto v = f.integer("paths", 1, 10'000'000)) o.paths = *v;
  if (auto v = f.integer("steps", 1, 100'000'000)) o.steps = *v;
  if (auto v = f.integer("step_seconds", 1, 86'400 * 365)) o.step_seconds = *v;
  if (auto v = f.integer("seed", 0, INT64_MAX)) o.seed = static_cast<uint64_t>(*v);
  if (auto v = f.integer("threads", 0, 1024)) o.threads = static_cast<unsigned>(*v);
  if (auto v = f.integer("series_points", 2, 100'000)) o.series_points = static_cast<int>(*v);
  if (const toml::array* arr = f.array("levels")) {
    o.levels.clear();
    for (const toml::node& el : *arr) {
      const std::optional<int64_t> raw =
          scenario_detail::read_decimal(c.diag, el, f.field("levels"), 9);
      if (!raw) continue;
      if (*raw <= 0 || *raw >= 1'000'000'000) {
        f.error("levels", "every level must be in (0, 1), e.g. \"0.99\"");
        continue;
      }
      o.levels.push_back(Ratio::from_raw(*raw));
    }
    // Ascending and distinct: "the highest level" is the last one.
    std::sort(o.levels.begin(), o.levels.end());
    o.levels.erase(std::unique(o.levels.begin(), o.levels.end()), o.levels.end());
    if (o.levels.empty()) f.error("levels", "needs at least one level");
  }
}

void parse_population(Ctx& c, const toml::table& t, const std::string& path) {
  const Fields f(c.diag, t, path,
                 {"kind", "prefix", "count", "collateral", "debt", "collateral_usd", "health",
                  "utilization", "market", "notional_usd", "leverage", "long_share"});
  Population p;
  p.origin = f.origin();
  const std::string kind = f.str("kind", true).value_or("");
  const std::optional<std::string> prefix = f.str("prefix", true);
  if (prefix) {
    if (!is_safe_name(*prefix) || prefix->find('/') != std::string::npos) {
      f.error("prefix", fmt::format("'{}' is not a valid account name prefix", *prefix));
    }
    p.prefix = *prefix;
  }
  if (auto v = f.integer("count", 1, 50'000'000, true)) p.count = *v;
  const State& s = c.out.scenario.initial;
  auto asset = [&](std::string_view key) -> std::optional<AssetId> {
    const std::optional<std::string> sym = f.str(key, true);
    if (!sym) return std::nullopt;
    if (auto a = s.find_asset(*sym)) return a;
    f.error(key, fmt::format("unknown asset '{}'", *sym));
    return std::nullopt;
  };
  auto not_used = [&](std::initializer_list<std::string_view> keys) {
    for (const std::string_view k : keys) {
      if (f.has(k)) f.error(k, fmt::format("not used by a {} population", kind));
    }
  };
  if (kind == "lending") {
    not_used({"market", "notional_usd", "leverage", "long_share"});
    p.kind = Population::Kind::Lending;
    p.collateral = asset("collateral").value_or(0);
    p.debt = asset("debt").value_or(0);
    if (p.collateral == p.debt && f.has("collateral") && f.has("debt")) {
      f.error("debt", "must differ from the collateral asset");
    }
    p.collateral_usd = read_distribution(f, "collateral_usd", true).value_or(Distribution{});
    p.health = read_distribution(f, "health", true).value_or(Distribution{});
    if (p.health.lo < 1e-3) p.health.lo = 1e-3;
    if (auto v = f.bounded("utilization", 9, 1, 1'000'000'000, "in (0, 1]")) {
      p.utilization = Ratio::from_raw(*v);
    }
  } else if (kind == "perp") {
    not_used({"collateral", "debt", "collateral_usd", "health", "utilization"});
    p.kind = Population::Kind::Perp;
    if (const std::optional<std::string> sym = f.str("market", true)) {
      if (auto m = s.find_market(*sym)) {
        p.market = *m;
      } else {
        f.error("market", fmt::format("unknown perp market '{}'", *sym));
      }
    }
    p.notional_usd = read_distribution(f, "notional_usd", true).value_or(Distribution{});
    p.leverage = read_distribution(f, "leverage", true).value_or(Distribution{});
    p.long_share = model_number(f, "long_share", 0, 1, false).value_or(0.5);
  } else if (!kind.empty()) {
    f.error("kind", fmt::format("unknown population kind '{}': use lending or perp", kind));
  }
  for (const Population& q : c.out.populations) {
    if (q.prefix == p.prefix) f.error("prefix", fmt::format("prefix '{}' is used twice", p.prefix));
  }
  c.out.populations.push_back(std::move(p));
}

void parse_drivers(Ctx& c, const toml::node* node) {
  if (node == nullptr) return;
  const toml::array* arr = node->as_array();
  if (arr == nullptr) {
    c.diag.error(node->source(), "driver", "expected [[driver]] tables");
    return;
  }
  std::size_t i = 0;
  for (const toml::node& el : *arr) {
    const std::string path = fmt::format("driver[{}]", i++);
    const toml::table* t = el.as_table();
    if (t == nullptr) {
      c.diag.error(el.source(), path, "expected a table");
      continue;
    }
    const Fields f(c.diag, *t, path, {"symbol", "also"});
    const std::optional<std::size_t> d = config_detail::driver_ref(c, f, "symbol");
    if (!d) continue;
    if (const toml::array* also = f.array("also")) {
      for (const toml::node& a : *also) {
        const std::optional<std::string> sym = a.value<std::string>();
        const State& s = c.out.scenario.initial;
        if (!sym) {
          f.error("also", "expected a list of asset or market symbols");
          continue;
        }
        Target tg;
        if (auto as = s.find_asset(*sym)) {
          tg = {false, *as};
        } else if (auto m = s.find_market(*sym)) {
          tg = {true, *m};
        } else {
          f.error("also", fmt::format("unknown asset or market '{}'", *sym));
          continue;
        }
        for (const Driver& other : c.out.drivers) {
          for (const Target& x : other.targets) {
            if (x.market == tg.market && x.id == tg.id) {
              f.error("also", fmt::format("'{}' is already driven by '{}'", *sym, other.symbol));
            }
          }
        }
        c.out.drivers[*d].targets.push_back(tg);
      }
    }
  }
}

void parse_environment(Ctx& c, const toml::table* t) {
  if (t == nullptr) return;
  const Fields f(c.diag, *t, "environment",
                 {"oracle_delay_steps", "oracle_deviation", "oracle_heartbeat_s", "oracle_outages",
                  "liquidator_outages", "liquidator_latency_s", "liquidations_per_step",
                  "dry_sensitivity", "vol_window", "vol_reference", "min_depth"});
  Environment& e = c.out.env;
  if (auto v = f.integer("oracle_delay_steps", 0, 100'000))
    e.oracle_delay_steps = static_cast<int>(*v);
  if (auto v = f.bounded("oracle_deviation", 9, 0, 1'000'000'000, "in [0, 1]")) {
    e.oracle_deviation = Ratio::from_raw(*v);
  }
  if (auto v = f.integer("oracle_heartbeat_s", 0, INT32_MAX)) e.oracle_heartbeat_s = *v;
  if (auto v = config_detail::step_ranges(f, "oracle_outages")) e.oracle_outages = *v;
  if (auto v = config_detail::step_ranges(f, "liquidator_outages")) e.liquidator_outages = *v;
  if (auto v = f.integer("liquidator_latency_s", 0, INT32_MAX)) e.liquidator_latency_s = *v;
  if (auto v = f.integer("liquidations_per_step", 1, INT32_MAX)) e.liquidations_per_step = *v;
  if (auto v = model_number(f, "dry_sensitivity", 0, 1e6, false)) e.dry_sensitivity = *v;
  if (auto v = f.integer("vol_window", 2, 100'000)) e.vol_window = static_cast<int>(*v);
  if (auto v = model_number(f, "vol_reference", 1e-9, 10, false)) e.vol_reference = *v;
  if (auto v = model_number(f, "min_depth", 1e-6, 1, false)) e.min_depth = *v;
}

void parse_cascade(Ctx& c, const toml::table* t) {
  if (t == nullptr) return;
  const Fields f(c.diag, *t, "cascade", {"enabled", "max_waves", "min_move"});
  if (auto v = f.boolean("enabled")) c.out.cascade.enabled = *v;
  if (auto v = f.integer("max_waves", 0, 10'000)) c.out.cascade.max_waves = static_cast<int>(*v);
  if (auto v = f.bounded("min_move", 9, 1, 1'000'000'000, "in (0, 1]")) {
    c.out.cascade.min_move = Ratio::from_raw(*v);
  }
}

std::optional<std::size_t> population_ref(Ctx& c, const Fields& f, std::string_view key) {
  const std::optional<std::string> prefix = f.str(key, true);
  if (!prefix) return std::nullopt;
  for (std::size_t i = 0; i < c.out.populations.size(); ++i) {
    if (c.out.populations[i].prefix == *prefix) return i;
  }
  f.error(key, fmt::format("no [[population]] has prefix '{}'", *prefix));
  return std::nullopt;
}

void parse_analysis(Ctx& c, const toml::table* t) {
  if (t == nullptr) return;
  const Fields f(c.diag, *t, "analysis", {"liquidation_curve", "insurance_sizing", "debt_ceiling"});
  SimConfig& o = c.out;
  if (const toml::table* lc = f.subtable("liquidation_curve")) {
    const Fields g(c.diag, *lc, "analysis.liquidation_curve", {"enabled", "from", "to", "step"});
    if (auto v = g.boolean("enabled")) o.curve.enabled = *v;
    const int64_t lim = 10'000'000'000;
    if (auto v = g.bounded("from", 9, -999'999'999, lim, "in (-1, 10]")) o.curve.from = *v;
    if (auto v = g.bounded("to", 9, -999'999'999, lim, "in (-1, 10]")) o.curve.to = *v;
    if (auto v = g.bounded("step", 9, 1, lim, "in (0, 10]")) o.curve.step = *v;
    const int64_t span =
        o.curve.to > o.curve.from ? o.curve.to - o.curve.from : o.curve.from - o.curve.to;
    if (span / o.curve.step > 1000) g.error("step", "more than 1000 points: use a larger step");
  }
  if (const toml::table* sz = f.subtable("insurance_sizing")) {
    const Fields g(c.diag, *sz, "analysis.insurance_sizing", {"target", "asset", "verify"});
    o.sizing.enabled = true;
    if (auto v = g.bounded("target", 9, 0, 999'999'999, "in [0, 1)", true)) {
      o.sizing.target = Ratio::from_raw(*v);
    }
    if (const std::optional<std::string> sym = g.str("asset", true)) {
      if (auto a = o.scenario.initial.find_asset(*sym)) {
        o.sizing.asset = *a;
        const bool has_fund =
            o.scenario.resolution && o.scenario.resolution->insurance.contains(*a);
        if (!has_fund) {
          g.error("asset", fmt::format("'{}' has no insurance fund: add one under "
                                       "[resolution.insurance]",
                                       *sym));
        }
      } else {
        g.error("asset", fmt::format("unknown asset '{}'", *sym));
      }
    }
    if (auto v = g.boolean("verify")) o.sizing.verify = *v;
  }
  if (const toml::table* dc = f.subtable("debt_ceiling")) {
    const Fields g(c.diag, *dc, "analysis.debt_ceiling",
                   {"population", "budget", "level", "metric", "lo", "hi", "resolution", "paths"});
    CeilingConfig& cc = o.ceiling;
    cc.enabled = true;
    if (auto p = population_ref(c, g, "population")) cc.population = *p;
    if (auto v = g.decimal("budget", 6, true)) cc.budget = Value::from_raw(*v);
    if (auto v = g.bounded("level", 9, 1, 999'999'999, "in (0, 1)")) cc.level = Ratio::from_raw(*v);
    const std::string metric = g.str("metric").value_or("es");
    if (metric == "es") {
      cc.expected_shortfall = true;
    } else if (metric == "var") {
      cc.expected_shortfall = false;
    } else {
      g.error("metric", fmt::format("unknown tail metric '{}': use es or var", metric));
    }
    if (auto v = g.positive("lo", 6, true)) cc.lo = Value::from_raw(*v);
    if (auto v = g.positive("hi", 6, true)) cc.hi = Value::from_raw(*v);
    if (cc.hi <= cc.lo && g.has("hi")) g.error("hi", "must be greater than lo");
    cc.resolution = Value::from_raw(std::max<int64_t>(1, (cc.hi.raw() - cc.lo.raw()) / 64));
    if (auto v = g.positive("resolution", 6)) cc.resolution = Value::from_raw(*v);
    if (auto v = g.integer("paths", 1, 10'000'000)) cc.paths = *v;
  }
}

void parse_sweep(Ctx& c, const toml::table* t) {
  if (t == nullptr) return;
  const Fields f(c.diag, *t, "sweep", {"metric", "paths", "axis"});
  SweepConfig sw;
  if (auto v = f.str("metric")) sw.metric = *v;
  if (!is_sweep_metric(sw.metric)) {
    f.error("metric",
            fmt::format("unknown metric '{}': use one of {}", sw.metric, sweep_metric_list()));
  }
  if (auto v = f.integer("paths", 1, 10'000'000)) sw.paths = *v;
  const toml::array* axes = f.array("axis", true);
  if (axes != nullptr) {
    std::size_t i = 0;
    for (const toml::node& el : *axes) {
      const std::string path = fmt::format("sweep.axis[{}]", i++);
      const toml::table* at = el.as_table();
      if (at == nullptr) {
        c.diag.error(el.source(), path, "expected a table: write [[sweep.axis]]");
        continue;
      }
      const Fields g(c.diag, *at, path, {"key", "values"});
      SweepAxis ax;
      ax.key = g.str("key", true).value_or("");
      if (const toml::array* vals = g.array("values", true)) {
        for (const toml::node& v : *vals) {
          std::ostringstream os;
          if (v.is_string()) {
            os << toml::value<std::string>(*v.value<std::string>());
          } else if (v.is_integer()) {
            os << *v.value<int64_t>();
          } else if (v.is_boolean()) {
            os << (*v.value<bool>() ? "true" : "false");
          } else {
            g.error("values", "values must be strings, integers or booleans");
            continue;
          }
          ax.values.push_back(os.str());
        }
        if (ax.values.empty()) g.error("values", "needs at least one value");
      }
      if (!ax.key.empty() && (ax.key.starts_with("sweep") || ax.key.starts_with("version"))) {
        g.error("key", "cannot sweep the sweep table or the version");
      }
      sw.axes.push_back(std::move(ax));
    }
    if (sw.axes.empty() || sw.axes.size() > 2) f.error("axis", "a sweep has one or two axes");
  }
  c.out.sweep = std::move(sw);
}

const std::vector<std::string_view>& sim_keys() {
  static const std::vector<std::string_view> k = {"simulation",  "population", "driver",   "source",
                                                  "environment", "cascade",    "analysis", "sweep"};
  return k;
}

}  // namespace

ConfigResult parse_sim_config(std::string_view text, const std::string& file,
                              const std::vector<std::pair<std::string, std::string>>& overrides) {
  Diagnostics d(file);
  ConfigResult result;
  std::optional<toml::table> parsed = scenario_detail::parse_toml(d, text, file);
  if (!parsed) {
    result.errors = d.take();
    return result;
  }
  toml::table& root = *parsed;
  for (const auto& [key, literal] : overrides) {
    if (std::string err = config_detail::apply_override(root, key, literal); !err.empty()) {
      d.error(1, 1, key, fmt::format("sweep value {}: {}", literal, err));
    }
  }
  if (!d.ok()) {
    result.errors = d.take();
    return result;
  }
  std::optional<Scenario> sc = scenario_detail::parse_scenario_root(d, root, file, sim_keys());
  if (!sc) {
    result.errors = d.take();
    return result;
  }
  if (!sc->expectations.empty()) {
    d.error(1, 1, "expect",
            "[[expect]] blocks are not used by backstop simulate (run the book with backstop run)");
  }
  SimConfig cfg;
  cfg.file = file;
  cfg.text = std::string(text);
  cfg.name = sc->name;
  cfg.description = sc->description;
  cfg.scenario = std::move(*sc);
  Ctx c{d, cfg, std::filesystem::path(file).parent_path()};
  parse_simulation(c, root["simulation"].as_table());
  if (const toml::node* pops = root.get("population")) {
    if (const toml::array* arr = pops->as_array()) {
      std::size_t i = 0;
      for (const toml::node& el : *arr) {
        const std::string path = fmt::format("population[{}]", i++);
        if (const toml::table* t = el.as_table()) {
          parse_population(c, *t, path);
        } else {
          d.error(el.source(), path, "expected a table: write [[population]]");
        }
      }
    } else {
      d.error(pops->source(), "population", "expected [[population]] tables");
    }
  }
  parse_drivers(c, root.get("driver"));
  config_detail::parse_source(c, root["source"].as_table(), root.get("source") != nullptr);
  parse_environment(c, root["environment"].as_table());
  parse_cascade(c, root["cascade"].as_table());
  parse_analysis(c, root["analysis"].as_table());
  parse_sweep(c, root["sweep"].as_table());
  if (cfg.source.kind != SourceKind::MonteCarlo) {
    if (cfg.ceiling.paths) {
      d.error(1, 1, "analysis.debt_ceiling.paths", "paths applies to Monte Carlo sources only");
    }
    if (cfg.sweep && cfg.sweep->paths) {
      d.error(1, 1, "sweep.paths", "paths applies to Monte Carlo sources only");
    }
  }
  for (const char* key : {"simulation", "environment", "cascade", "analysis", "sweep"}) {
    if (const toml::node* n = root.get(key); n != nullptr && !n->is_table()) {
      d.error(n->source(), key, fmt::format("expected a table: write [{}]", key));
    }
  }
  if (!d.ok()) {
    result.errors = d.take();
    return result;
  }
  result.config = std::move(cfg);
  return result;
}

ConfigResult parse_sim_config_file(
    const std::string& path, const std::vector<std::pair<std::string, std::string>>& overrides) {
  std::string error;
  const std::optional<std::string> text = scenario_detail::read_input_file(path, &error);
  if (!text) {
    ConfigResult r;
    r.errors.push_back(error);
    return r;
  }
  return parse_sim_config(*text, path, overrides);
}

}  // namespace backstop::sim
