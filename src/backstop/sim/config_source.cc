// The [source] table of a simulation configuration (docs/simulate-config.md "Sources") and the
// sweep's override mechanism.
#include <fmt/format.h>

#include <charconv>

#include "backstop/sim/config_internal.h"

namespace backstop::sim::config_detail {

using scenario_detail::Fields;

namespace {

std::optional<std::vector<double>> read_matrix(const Fields& f, std::string_view key,
                                               std::size_t n) {
  const toml::array* rows = f.array(key);
  if (rows == nullptr) return std::nullopt;
  std::vector<double> out;
  if (rows->size() != n) {
    f.error(key,
            fmt::format("expected {} rows (one per [[source.asset]]), got {}", n, rows->size()));
    return std::nullopt;
  }
  for (const toml::node& r : *rows) {
    const toml::array* row = r.as_array();
    if (row == nullptr || row->size() != n) {
      f.error(key, fmt::format("every row must be a list of {} decimal strings", n));
      return std::nullopt;
    }
    for (const toml::node& el : *row) {
      const std::optional<int64_t> raw =
          scenario_detail::read_decimal(f.diag(), el, f.field(key), 9);
      if (!raw) return std::nullopt;
      out.push_back(static_cast<double>(*raw) / 1e9);  // model boundary
    }
  }
  return out;
}

void parse_replay_file(Ctx& c, const toml::table& t, const std::string& path) {
  const Fields f(c.diag, t, path,
                 {"driver", "path", "format", "field", "time_unit", "excess_digits", "interval_ms",
                  "max_step_ms", "gaps", "filter"});
  ReplayFile rf;
  const std::optional<std::size_t> d = driver_ref(c, f, "driver");
  const std::optional<std::string> file = f.str("path", true);
  SeriesOptions& o = rf.options;
  const std::string format = f.str("format").value_or("auto");
  if (format == "auto") {
    o.format = PriceFormat::Auto;
  } else if (format == "binance_kline") {
    o.format = PriceFormat::BinanceKline;
  } else if (format == "time_price") {
    o.format = PriceFormat::TimePrice;
  } else if (format == "symbol_time_price") {
    o.format = PriceFormat::SymbolTimePrice;
  } else {
    f.error("format", fmt::format("unknown format '{}': use auto, binance_kline, time_price or "
                                  "symbol_time_price",
                                  format));
  }
  const std::string field = f.str("field").value_or("close");
  if (field == "close") {
    o.field = KlineField::Close;
  } else if (field == "low") {
    o.field = KlineField::Low;
  } else if (field == "high") {
    o.field = KlineField::High;
  } else if (field == "open") {
    o.field = KlineField::Open;
  } else {
    f.error("field", fmt::format("unknown kline field '{}': use open, high, low or close", field));
  }
  const std::string unit = f.str("time_unit").value_or("ms");
  if (unit == "s") {
    o.time_unit = TimeUnit::Seconds;
  } else if (unit == "ms") {
    o.time_unit = TimeUnit::Milliseconds;
  } else if (unit == "us") {
    o.time_unit = TimeUnit::Microseconds;
  } else {
    f.error("time_unit", fmt::format("unknown time unit '{}': use s, ms or us", unit));
  }
  if (const std::optional<std::string> ex = f.str("excess_digits")) {
    if (*ex == "down") {
      o.excess_digits = Rounding::Down;
    } else if (*ex == "up") {
      o.excess_digits = Rounding::Up;
    } else if (*ex == "half_even") {
      o.excess_digits = Rounding::HalfEven;
    } else if (*ex == "reject") {
      o.excess_digits.reset();
    } else {
      f.error("excess_digits", fmt::format("unknown rounding '{}': use reject, down, up or "
                                           "half_even",
                                           *ex));
    }
  }
  if (auto v = f.integer("interval_ms", 1, INT64_MAX)) o.interval_ms = *v;
  if (auto v = f.integer("max_step_ms", 1, INT64_MAX)) o.max_step_ms = *v;
  const std::string gaps = f.str("gaps").value_or("report");
  if (gaps == "report") {
    o.gaps = GapAction::Report;
  } else if (gaps == "fill_forward") {
    o.gaps = GapAction::FillForward;
  } else if (gaps == "reject") {
    o.gaps = GapAction::Reject;
  } else {
    f.error("gaps",
            fmt::format("unknown gap action '{}': use report, fill_forward or reject", gaps));
  }
  if (const toml::table* ft = f.subtable("filter")) {
    const Fields g(c.diag, *ft, f.field("filter"),
                   {"enabled", "window", "max_deviation", "confirm"});
    if (auto v = g.boolean("enabled")) o.filter.enabled = *v;
    if (auto v = g.integer("window", 1, 10'000)) o.filter.window = static_cast<int>(*v);
    if (auto v = g.bounded("max_deviation", 9, 1, INT64_MAX, "> 0")) {
      o.filter.max_deviation = Ratio::from_raw(*v);
    }
    if (auto v = g.integer("confirm", 0, 10'000)) o.filter.confirm = static_cast<int>(*v);
  }
  if (!d || !file || !c.diag.ok()) return;
  rf.driver = *d;
  const std::filesystem::path p(*file);
  rf.path = p.is_absolute() ? p.string() : (c.dir / p).lexically_normal().string();
  for (const ReplayFile& other : c.out.source.files) {
    if (other.driver == rf.driver) {
      f.error("driver", fmt::format("'{}' already has a price file", c.out.drivers[*d].symbol));
      return;
    }
  }
  try {
    c.out.source.series.push_back(read_price_series(rf.path, rf.options));
  } catch (const SeriesError& e) {
    f.error("path", e.what());
    return;
  }
  if (c.out.source.series.back().points.size() < 2) {
    f.error("path", fmt::format("{}: needs at least 2 prices", rf.path));
    c.out.source.series.pop_back();
    return;
  }
  c.out.source.files.push_back(std::move(rf));
}

void parse_mc(Ctx& c, const Fields& f) {
  Source& s = c.out.source;
  PathModel& m = s.model;
  std::vector<std::size_t> seen;
  if (const toml::array* arr = f.array("asset", true)) {
    std::size_t i = 0;
    for (const toml::node& el : *arr) {
      const std::string path = fmt::format("source.asset[{}]", i++);
      const toml::table* t = el.as_table();
      if (t == nullptr) {
        c.diag.error(el.source(), path, "expected a table: write [[source.asset]]");
        continue;
      }
      const Fields g(c.diag, *t, path, {"driver", "vol", "drift", "jumps", "garch"});
      AssetModel am;
      const std::optional<std::size_t> d = driver_ref(c, g, "driver");
      if (d) {
        for (std::size_t x : seen) {
          if (x == *d) g.error("driver", "this driver already has a model");
        }
        seen.push_back(*d);
        am.symbol = c.out.drivers[*d].symbol;
      }
      am.vol = model_number(g, "vol", 0, 10, true).value_or(0);
      am.drift = model_number(g, "drift", -10, 10, false).value_or(0);
      if (const toml::table* jt = g.subtable("jumps")) {
        const Fields h(c.diag, *jt, g.field("jumps"), {"intensity", "mean_log", "stdev_log"});
        am.jumps.intensity = model_number(h, "intensity", 0, 1e6, true).value_or(0);
        am.jumps.mean_log = model_number(h, "mean_log", -5, 5, false).value_or(0);
        am.jumps.stdev_log = model_number(h, "stdev_log", 0, 2, false).value_or(0);
      }
      if (const toml::table* gt = g.subtable("garch")) {
        const Fields h(c.diag, *gt, g.field("garch"), {"alpha", "beta"});
        am.garch.enabled = true;
        am.garch.alpha = model_number(h, "alpha", 0, 1, true).value_or(0);
        am.garch.beta = model_number(h, "beta", 0, 1, true).value_or(0);
        if (am.garch.alpha + am.garch.beta >= 1) h.error("beta", "alpha + beta must be < 1");
      }
      am.initial = Price::from_raw(1);  // set from the book before the run (sim/run.cc)
      m.assets.push_back(std::move(am));
    }
  }
  // Drivers of the model, in model-asset order (the model's column i is driver seen[i]).
  c.out.source.model_drivers = seen;
  const std::size_t n = m.assets.size();
  if (auto corr = read_matrix(f, "correlation", n)) m.correlation = std::move(*corr);
  const std::string scope = f.str("jump_scope").value_or("per_asset");
  if (scope == "per_asset") {
    m.jump_scope = JumpScope::PerAsset;
  } else if (scope == "common") {
    m.jump_scope = JumpScope::Common;
  } else {
    f.error("jump_scope", fmt::format("unknown jump scope '{}': use per_asset or common", scope));
  }
  m.common_intensity = model_number(f, "common_intensity", 0, 1e6, false).value_or(0);
  if (auto v = f.boolean("compensate_jumps")) m.compensate_jumps = *v;
  if (const toml::array* arr = f.array("depeg")) {
    std::size_t i = 0;
    for (const toml::node& el : *arr) {
      const std::string path = fmt::format("source.depeg[{}]", i++);
      const toml::table* t = el.as_table();
      if (t == nullptr) {
        c.diag.error(el.source(), path, "expected a table: write [[source.depeg]]");
        continue;
      }
      const Fields g(c.diag, *t, path,
                     {"driver", "start_step", "level", "probability", "recovery_probability",
                      "half_life_steps"});
      DepegScenario dp;
      if (const std::optional<std::size_t> d = driver_ref(c, g, "driver")) {
        bool found = false;
        for (std::size_t k = 0; k < seen.size(); ++k) {
          if (seen[k] == *d) {
            dp.asset = k;
            found = true;
          }
        }
        if (!found) g.error("driver", "a depeg needs a [[source.asset]] model for its driver");
      }
      if (auto v = g.integer("start_step", 1, INT32_MAX, true))
        dp.start_step = static_cast<int>(*v);
      dp.level = model_number(g, "level", 1e-9, 1e6, true).value_or(1);
      dp.probability = model_number(g, "probability", 0, 1, false).value_or(1);
      dp.recovery_probability = model_number(g, "recovery_probability", 0, 1, false).value_or(0);
      dp.half_life_steps = model_number(g, "half_life_steps", 0, 1e9, false).value_or(0);
      m.depegs.push_back(dp);
    }
  }
  if (const toml::table* cb = f.subtable("correlation_break")) {
    const Fields g(c.diag, *cb, "source.correlation_break", {"at_step", "stressed"});
    CorrelationBreak br;
    if (auto v = g.integer("at_step", 1, INT32_MAX, true)) br.at_step = static_cast<int>(*v);
    if (auto st = read_matrix(g, "stressed", n)) br.stressed = std::move(*st);
    if (!g.has("stressed")) g.missing("stressed");
    m.correlation_break = std::move(br);
  }
}

}  // namespace

void parse_source(Ctx& c, const toml::table* t, bool present) {
  if (t == nullptr) {
    c.diag.error(1, 1, "source",
                 present ? "expected a table: write [source]"
                         : "missing required table [source] (kind = \"replay\", \"shock\", "
                           "\"grid\" or \"monte_carlo\")");
    return;
  }
  const Fields f(c.diag, *t, "source",
                 {"kind", "file", "from_ms", "to_ms", "moves", "shock_steps", "hold_steps",
                  "drivers", "from", "to", "step", "asset", "correlation", "jump_scope",
                  "common_intensity", "compensate_jumps", "depeg", "correlation_break"});
  Source& s = c.out.source;
  const std::string kind = f.str("kind", true).value_or("");
  auto only = [&](std::initializer_list<std::string_view> keys) {
    for (const std::string_view k :
         {"file", "from_ms", "to_ms", "moves", "shock_steps", "hold_steps", "drivers", "from", "to",
          "step", "asset", "correlation", "jump_scope", "common_intensity", "compensate_jumps",
          "depeg", "correlation_break"}) {
      if (!f.has(k)) continue;
      bool ok = false;
      for (const std::string_view a : keys) ok = ok || a == k;
      if (!ok) f.error(k, fmt::format("not used by a {} source", kind));
    }
  };
  if (kind == "replay") {
    s.kind = SourceKind::Replay;
    only({"file", "from_ms", "to_ms"});
    if (auto v = f.integer("from_ms", INT64_MIN, INT64_MAX)) s.from_ms = *v;
    if (auto v = f.integer("to_ms", INT64_MIN, INT64_MAX)) s.to_ms = *v;
    if (const toml::array* arr = f.array("file", true)) {
      std::size_t i = 0;
      for (const toml::node& el : *arr) {
        const std::string path = fmt::format("source.file[{}]", i++);
        if (const toml::table* ft = el.as_table()) {
          parse_replay_file(c, *ft, path);
        } else {
          c.diag.error(el.source(), path, "expected a table: write [[source.file]]");
        }
      }
    }
  } else if (kind == "shock" || kind == "grid") {
    const bool grid = kind == "grid";
    s.kind = grid ? SourceKind::Grid : SourceKind::Shock;
    if (grid) {
      only({"drivers", "from", "to", "step", "shock_steps", "hold_steps"});
    } else {
      only({"moves", "shock_steps", "hold_steps"});
    }
    if (auto v = f.integer("shock_steps", 1, 1'000'000)) s.shock_steps = static_cast<int>(*v);
    if (auto v = f.integer("hold_steps", 0, 10'000'000)) s.hold_steps = static_cast<int>(*v);
    const int64_t lo = -999'999'999;  // a price cannot fall 100 % or more
    const int64_t hi = 100'000'000'000;
    if (!grid) {
      if (const toml::table* mv = f.subtable("moves", true)) {
        for (const auto& [k, v] : *mv) {
          const std::string sym(k.str());
          const std::string field = fmt::format("source.moves.{}", sym);
          const std::optional<int64_t> raw = scenario_detail::read_decimal(c.diag, v, field, 9);
          if (!raw) continue;
          if (*raw < lo || *raw > hi) {
            c.diag.error(v.source(), field, "a move must be in (-1, 100]");
            continue;
          }
          if (const std::optional<std::size_t> d = driver_for(c, f, "moves", sym)) {
            s.moves.push_back({*d, *raw});
          }
        }
        if (s.moves.empty() && c.diag.ok()) f.error("moves", "needs at least one move");
      }
    } else {
      if (const toml::array* arr = f.array("drivers", true)) {
        for (const toml::node& el : *arr) {
          const std::optional<std::string> sym = el.value<std::string>();
          if (!sym) {
            f.error("drivers", "expected a list of asset or market symbols");
            continue;
          }
          if (auto d = driver_for(c, f, "drivers", *sym)) s.grid_drivers.push_back(*d);
        }
      }
      if (auto v = f.bounded("from", 9, lo, hi, "in (-1, 100]", true)) s.grid_from = *v;
      if (auto v = f.bounded("to", 9, lo, hi, "in (-1, 100]", true)) s.grid_to = *v;
      if (auto v = f.bounded("step", 9, 1, hi, "> 0", true)) s.grid_step = *v;
      if (s.grid_step > 0) {
        const int64_t span =
            s.grid_to > s.grid_from ? s.grid_to - s.grid_from : s.grid_from - s.grid_to;
        if (span / s.grid_step >= 10'000) f.error("step", "more than 10,000 grid points");
      }
    }
  } else if (kind == "monte_carlo") {
    s.kind = SourceKind::MonteCarlo;
    only({"asset", "correlation", "jump_scope", "common_intensity", "compensate_jumps", "depeg",
          "correlation_break"});
    parse_mc(c, f);
  } else if (!kind.empty()) {
    f.error("kind",
            fmt::format("unknown source kind '{}': use replay, shock, grid or monte_carlo", kind));
  }
}

std::string apply_override(toml::table& root, std::string_view key, std::string_view literal) {
  toml::table parsed;
  try {
    parsed = toml::parse(fmt::format("v = {}", literal));
  } catch (const toml::parse_error& e) {
    return fmt::format("not a TOML value: {}", e.description());
  }
  toml::node* value = parsed.get("v");
  if (value == nullptr) return "not a TOML value";
  toml::node* cur = &root;
  std::string_view rest = key;
  while (true) {
    const std::size_t dot = rest.find('.');
    std::string_view part = rest.substr(0, dot);
    std::optional<std::size_t> index;
    if (const std::size_t br = part.find('['); br != std::string_view::npos) {
      if (part.back() != ']') return fmt::format("malformed index in '{}'", part);
      std::size_t i = 0;
      const std::string_view digits = part.substr(br + 1, part.size() - br - 2);
      const auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), i);
      if (ec != std::errc{} || p != digits.data() + digits.size()) {
        return fmt::format("malformed index in '{}'", part);
      }
      index = i;
      part = part.substr(0, br);
    }
    toml::table* tbl = cur->as_table();
    if (tbl == nullptr) return fmt::format("'{}' is not inside a table", part);
    const bool last = dot == std::string_view::npos;
    if (last && !index) {
      tbl->insert_or_assign(part, *value);
      return "";
    }
    toml::node* next = tbl->get(part);
    if (next == nullptr) return fmt::format("no '{}' in the document", part);
    if (index) {
      toml::array* arr = next->as_array();
      if (arr == nullptr || *index >= arr->size()) {
        return fmt::format("'{}' has no element {}", part, *index);
      }
      if (last) {
        arr->replace(arr->cbegin() + static_cast<std::ptrdiff_t>(*index), *value);
        return "";
      }
      next = arr->get(*index);
    }
    cur = next;
    rest = rest.substr(dot + 1);
  }
}

}  // namespace backstop::sim::config_detail
