#include "targets.h"

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "backstop/engine/engine.h"
#include "backstop/money/fixed.h"
#include "backstop/report/json.h"
#include "backstop/report/simulation.h"
#include "backstop/scenario/runner.h"
#include "backstop/scenario/scenario.h"
#include "backstop/sim/simulate.h"
#include "resolution_invariants.h"

namespace backstop::fuzz {
namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

class Bytes {
 public:
  Bytes(const uint8_t* d, std::size_t n) : d_(d), n_(n) {}
  [[nodiscard]] bool empty() const { return i_ >= n_; }
  uint8_t u8() { return i_ < n_ ? d_[i_++] : 0; }
  int64_t i64() {
    uint64_t v = 0;
    for (int k = 0; k < 8; ++k) v = (v << 8) | u8();
    return static_cast<int64_t>(v);
  }

 private:
  const uint8_t* d_;
  std::size_t n_;
  std::size_t i_ = 0;
};

State fuzz_venue() {
  State s;
  AssetParams usdc;
  usdc.symbol = "USDC";
  usdc.decimals = 6;
  usdc.weight_initial = Ratio::from_raw(900'000'000);
  usdc.weight_maint = Ratio::from_raw(950'000'000);
  usdc.borrowable = true;
  usdc.rates = {Ratio{}, Ratio::from_raw(40'000'000), Ratio::from_raw(750'000'000),
                Ratio::from_raw(800'000'000)};
  AssetState us;
  us.price = Price::from_raw(1'000'000'000);
  s.add_asset(usdc, us);
  AssetParams eth = usdc;
  eth.symbol = "ETH";
  eth.decimals = 9;
  eth.weight_initial = Ratio::from_raw(800'000'000);
  eth.weight_maint = Ratio::from_raw(850'000'000);
  eth.max_price_move = Ratio::from_raw(900'000'000);
  AssetState es;
  es.price = Price::from_raw(2'000'000'000'000);
  s.add_asset(eth, es);
  PerpParams p;
  p.symbol = "BTC-PERP";
  p.base_decimals = 8;
  p.quote = 0;
  p.tiers = {{Quantity{}, Ratio::from_raw(100'000'000), Ratio::from_raw(50'000'000)},
             {Quantity::from_raw(1'000'000'000'000), Ratio::from_raw(200'000'000),
              Ratio::from_raw(100'000'000)}};
  PerpState ps;
  ps.mark = ps.oracle = Price::from_raw(50'000'000'000'000);
  s.add_market(p, ps);
  for (const char* n : {"a", "b", "c"}) s.add_owner(n);
  s.add_isolated(0, 0);
  return s;
}

void check_totals(const State& s) {
  for (std::size_t i = 0; i < s.assets.size(); ++i) {
    int64_t sup = 0, bor = 0;
    for (const MarginAccount& a : s.accounts) {
      for (const TokenBalance& b : a.balances) {
        if (b.asset != static_cast<AssetId>(i)) continue;
        if (b.scaled > 0) sup += b.scaled;
        if (b.scaled < 0) bor -= b.scaled;
      }
    }
    check(sup == s.assets[i].total_supply_scaled);
    check(bor == s.assets[i].total_borrow_scaled);
  }
  for (std::size_t m = 0; m < s.perps.size(); ++m) {
    int64_t lo = 0, sh = 0;
    for (const MarginAccount& a : s.accounts) {
      for (const PerpPosition& p : a.positions) {
        if (p.market != static_cast<MarketId>(m)) continue;
        if (p.size.raw() > 0) lo += p.size.raw();
        if (p.size.raw() < 0) sh -= p.size.raw();
      }
    }
    check(lo == s.perps[m].long_oi.raw());
    check(sh == s.perps[m].short_oi.raw());
  }
}

}  // namespace

void decimal(const uint8_t* data, std::size_t size) {
  if (size == 0) return;
  const int decimals = data[0] % 19;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  std::string err;
  const auto v = parse_decimal(text, decimals, &err);
  if (!v) {
    check(!err.empty());
    return;
  }
  const std::string back = format_decimal(*v, decimals);
  check(parse_decimal(back, decimals, &err) == v);
}

std::size_t engine_events(const uint8_t* data, std::size_t size) {
  Engine e(fuzz_venue());
  std::size_t applied = 0;
  Bytes b(data, size);
  Timestamp t = 0;
  int n = 0;
  while (!b.empty() && n++ < 256) {
    t += b.u8();
    const auto acct = static_cast<AccountId>(b.u8() % 4);
    const auto asset = static_cast<AssetId>(b.u8() % 2);
    // amounts span tiny to absurd so overflow paths are exercised
    const int64_t raw = b.i64() >> (b.u8() % 64);
    EventBody body;
    switch (b.u8() % 9) {
      case 0:
        body = Deposit{acct, asset, Quantity::from_raw(raw)};
        break;
      case 1:
        body = Withdraw{acct, asset, Quantity::from_raw(raw)};
        break;
      case 2:
        body = Borrow{acct, asset, Quantity::from_raw(raw)};
        break;
      case 3:
        body = Repay{acct, asset, Quantity::from_raw(raw)};
        break;
      case 4:
        body = SetAssetPrice{asset, Price::from_raw(raw)};
        break;
      case 5:
        body = SetMarkPrice{0, Price::from_raw(raw), std::nullopt};
        break;
      case 6: {
        const auto cp = static_cast<AccountId>(b.u8() % 4);
        body = Trade{acct, 0, Quantity::from_raw(raw), Price::from_raw(b.i64() >> 20),
                     cp == acct ? std::nullopt : std::optional<AccountId>(cp)};
        break;
      }
      case 7:
        body = Funding{0, Price::from_raw(raw >> 20), std::nullopt};
        break;
      default:
        body = Tick{};
        break;
    }
    const uint64_t before = e.state_hash();
    const Outcome o = e.apply(Event{t, body, "fuzz"});
    if (!o.ok()) check(e.state_hash() == before);
    if (o.ok()) ++applied;
    check_totals(e.state());
    for (AccountId id = 0; id < e.state().accounts.size(); ++id) {
      try {
        (void)e.risk(id);
      } catch (const OverflowError&) {
        // an account too large to value is reported as an overflow, never a crash
      }
    }
  }
  return applied;
}

bool sim_config_text(const uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  sim::ConfigResult p = sim::parse_sim_config(text, "fuzz.toml");
  if (!p.config) {
    check(!p.errors.empty());
    for (const std::string& e : p.errors) check(e.rfind("fuzz.toml", 0) == 0);
    return false;
  }
  sim::SimConfig cfg = std::move(*p.config);
  int64_t generated = 0;
  for (const sim::Population& pop : cfg.populations) generated += pop.count;
  if (generated > 200 || cfg.scenario.initial.accounts.size() > 200) return false;
  if (cfg.scenario.events.size() > 2000) return false;
  const sim::Source& src = cfg.source;
  if (src.kind == sim::SourceKind::Replay)
    return false;  // files: covered by the price-series tests
  if (src.shock_steps + src.hold_steps > 40) return false;
  if (src.kind == sim::SourceKind::Grid && src.grid_step > 0 &&
      (src.grid_to > src.grid_from ? src.grid_to - src.grid_from : src.grid_from - src.grid_to) /
              src.grid_step >
          8) {
    return false;
  }
  cfg.paths = std::min<int64_t>(cfg.paths, 4);
  cfg.steps = std::min<int64_t>(cfg.steps, 40);
  sim::SimOptions one;
  one.threads = 1;
  one.analyses = false;
  sim::SimOptions two = one;
  two.threads = 2;
  try {
    const sim::SimResult a = sim::simulate(cfg, one);
    const sim::SimResult b = sim::simulate(cfg, two);
    check(a.digest == b.digest);
    check(simulation_json_text(a) == simulation_json_text(b));
    return true;
  } catch (const std::invalid_argument&) {
    // a book the configuration cannot build (a setup event rejected, a name clash)
  } catch (const OverflowError&) {
    // generated sizes beyond 64 bits
  }
  return false;
}

void scenario_text(const uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  ParseResult p = parse_scenario(text, "fuzz.toml");
  if (!p.scenario) {
    check(!p.errors.empty());
    for (const std::string& e : p.errors) check(e.rfind("fuzz.toml", 0) == 0);
    return;
  }
  // Bound the work a fuzzed file may ask for (events are replayed in full).
  if (p.scenario->events.size() > 2000 || p.scenario->initial.accounts.size() > 200) return;
  Scenario copy = *p.scenario;
  try {
    const std::string a = run_to_json_text(run_scenario(std::move(*p.scenario)));
    const std::string b = run_to_json_text(run_scenario(std::move(copy)));
    check(a == b);
  } catch (const OverflowError&) {
    // amounts beyond 64 bits while reporting: the CLI reports this as an error naming the file
  }
}

}  // namespace backstop::fuzz

namespace backstop::fuzz {
namespace {

// USDC (6 decimals, $1, borrowable) and ETH (9 decimals, $2,000, LT 0.85, bonus 5%, borrowable);
// BTC-PERP (8 decimals, $50,000, IM 5% / MM 2.5%); five owners driven by the bytes and "lp", a
// $1B USDC supplier no event touches: a supplier haircut of (nearly) the whole supply leaves a
// supply index so small that later balances overflow 64 bits (reported, not a fuzz finding here).
State resolution_venue() {
  State s;
  AssetParams usdc;
  usdc.symbol = "USDC";
  usdc.decimals = 6;
  usdc.weight_initial = Ratio::from_raw(850'000'000);
  usdc.weight_maint = Ratio::from_raw(900'000'000);
  usdc.borrowable = true;
  usdc.rates = {Ratio{}, Ratio::from_raw(40'000'000), Ratio::from_raw(750'000'000),
                Ratio::from_raw(800'000'000)};
  AssetState us;
  us.price = Price::from_raw(1'000'000'000);
  s.add_asset(usdc, us);
  AssetParams eth = usdc;
  eth.symbol = "ETH";
  eth.decimals = 9;
  eth.weight_initial = Ratio::from_raw(800'000'000);
  eth.weight_maint = Ratio::from_raw(850'000'000);
  eth.liquidation_bonus = Ratio::from_raw(50'000'000);
  AssetState es;
  es.price = Price::from_raw(2'000'000'000'000);
  s.add_asset(eth, es);
  PerpParams p;
  p.symbol = "BTC-PERP";
  p.base_decimals = 8;
  p.quote = 0;
  p.tiers = {{Quantity{}, Ratio::from_raw(50'000'000), Ratio::from_raw(25'000'000)}};
  PerpState ps;
  ps.mark = ps.oracle = Price::from_raw(50'000'000'000'000);
  s.add_market(p, ps);
  for (const char* n : {"a", "b", "c", "d", "e", "lp"}) s.add_owner(n);
  return s;
}

ResolutionConfig resolution_config(uint8_t bits) {
  ResolutionConfig c;
  c.enabled = true;
  c.protocol_fee = Ratio::from_raw(100'000'000);
  c.perp = (bits & 1) != 0 ? PerpLiquidation::Full : PerpLiquidation::PartialToBuffer;
  c.toxic_guard = (bits & 2) != 0;
  c.liquidator.require_profit = (bits & 4) != 0;
  c.waterfall = {Layer::InsuranceFund, Layer::StakedTranche, Layer::Mutualization};
  if ((bits & 8) != 0) c.waterfall.push_back(Layer::RecapDebt);
  c.insurance[0] = InsuranceFund{
      Quantity::from_raw(5'000'000'000), Quantity::from_raw(1'000'000), {}, std::nullopt, {}};
  c.tranche[0] = StakedTranche{
      Quantity::from_raw(20'000'000'000), Ratio::from_raw(300'000'000), {}, std::nullopt};
  if ((bits & 16) != 0) {
    // ETH/USD pool with $2M a side; BTC-PERP book: 0.2 BTC per level, 1% apart.
    c.asset_liquidity.emplace(
        1, LiquidityModel(ConstantProduct(
               PoolParams{Pair{9, 6}, Quantity::from_raw(1'000'000'000'000),
                          Quantity::from_raw(2'000'000'000'000), Ratio::from_raw(3'000'000)})));
    LadderParams lp{Pair{8, 6}, {}, {}};
    for (int64_t i = 0; i < 4; ++i) {
      lp.bids.push_back(Level{Price::from_raw((49'750 - 500 * i) * 1'000'000'000),
                              Quantity::from_raw(20'000'000)});
      lp.asks.push_back(Level{Price::from_raw((50'250 + 500 * i) * 1'000'000'000),
                              Quantity::from_raw(20'000'000)});
    }
    c.market_liquidity.emplace(0, LiquidityModel(DepthLadder(lp)));
    c.impact_half_life_s = 600;
  }
  if ((bits & 32) != 0) c.liquidator.latency_s = 60;
  c.liquidator.present = (bits & 192) != 192;
  return c;
}

// The quantity worth `v` at price `p` (rounded down), or none when it does not fit a Quantity
// (a large value at a price crashed near its floor): the generator then sends a Tick instead.
std::optional<Quantity> sized(Value v, int decimals, Price p) {
  try {
    return quantity_of(v, decimals, p, Rounding::Down);
  } catch (const OverflowError&) {
    return std::nullopt;
  }
}

Price moved(Price p, int64_t bp) {
  const int128 next = mul_div(p.raw(), 10'000 + bp, 10'000, Rounding::Down);
  return Price::from_raw(std::max<int64_t>(static_cast<int64_t>(next), 1));
}

}  // namespace

ResolutionFuzzStats resolution_events(const uint8_t* data, std::size_t size) {
  Bytes b(data, size);
  Engine e(resolution_venue());
  Resolver r(e, resolution_config(b.u8()));
  ResolutionChecker checker(r);
  const State& s = e.state();
  constexpr AccountId kTraders = 5;
  if (!checker
           .apply(Event{0, Deposit{kTraders, 0, Quantity::from_raw(1'000'000'000'000'000)}, "fuzz"})
           .empty()) {
    std::abort();
  }
  Timestamp t = 0;
  int n = 0;
  const bool trace = std::getenv("BACKSTOP_FUZZ_TRACE") != nullptr;
  while (!b.empty() && n++ < 200) {
    t += b.u8() % 128;
    const auto acct = static_cast<AccountId>(b.u8() % kTraders);
    const auto asset = static_cast<AssetId>(b.u8() % 2);
    const uint8_t k = b.u8();
    const int64_t units = (int64_t{b.u8()} << 8) | b.u8();  // 0..65535
    const auto signed_byte = static_cast<int8_t>(b.u8());
    const int64_t one = asset == 0 ? 1'000'000 : 1'000'000;  // $1 of USDC, 0.001 ETH
    EventBody body;
    switch (k % 10) {
      case 0:
      case 1:
        body = Deposit{acct, asset, Quantity::from_raw((units + 1) * one)};
        break;
      case 2: {
        // Up to ~100% of the account's free collateral, so that books sit near their limits.
        const Value free = e.risk(acct).free_collateral;
        const Value part = Value::from_raw(static_cast<int64_t>(
            mul_div(std::max<int64_t>(free.raw(), 1), units + 1, 65'536, Rounding::Down)));
        const auto q = sized(part, s.asset_params[asset].decimals, s.assets[asset].price);
        body = q ? EventBody{Borrow{acct, asset, *q}} : EventBody{Tick{}};
        break;
      }
      case 3:
        body = Repay{acct, asset, Quantity::from_raw((units + 1) * one)};
        break;
      case 4: {
        // Trade against another owner at the mark: up to ~0.66 BTC either way.
        const auto cp = static_cast<AccountId>((acct + 1 + b.u8() % (kTraders - 1)) % kTraders);
        // Up to ~19x the account's free collateral, long or short.
        const Value free = e.risk(acct).free_collateral;
        const Value notional = Value::from_raw(static_cast<int64_t>(
            mul_div(std::max<int64_t>(free.raw(), 1), (units + 1) * 19, 65'536, Rounding::Down)));
        const auto q = sized(notional, 8, s.perps[0].mark);
        body = q ? EventBody{Trade{acct, 0, signed_byte < 0 ? -*q : *q, s.perps[0].mark, cp}}
                 : EventBody{Tick{}};
        break;
      }
      case 5:
      case 6: {
        // Price moves of up to +-76.8%, sign and size from the byte (crashes included).
        const int64_t bp = int64_t{signed_byte} * 60;
        if (k % 2 == 0) {
          body = SetAssetPrice{1, moved(s.assets[1].price, bp)};
        } else {
          body = SetMarkPrice{0, moved(s.perps[0].mark, bp), std::nullopt};
        }
        break;
      }
      case 7:
        body = Funding{0, std::nullopt, Ratio::from_raw(int64_t{signed_byte} * 10'000)};
        break;
      case 8:
        body = Withdraw{acct, asset, Quantity::from_raw((units + 1) * one)};
        break;
      default:
        body = Tick{};
        break;
    }
    const std::size_t records_before = r.records().size();
    const std::string err = checker.apply(Event{t, body, "fuzz"});
    if (trace) {  // BACKSTOP_FUZZ_TRACE=1: each event, its records, the unsafe set
      std::fprintf(stderr, "event %d t=%lld kind=%d acct=%u asset=%u units=%lld byte=%d\n", n,
                   static_cast<long long>(t), k % 10, acct, asset, static_cast<long long>(units),
                   signed_byte);
      for (std::size_t i = records_before; i < r.records().size(); ++i) {
        const ResolutionRecord& rec = r.records()[i];
        std::fprintf(stderr, "  record %.*s account %d:", static_cast<int>(rec.kind.size()),
                     rec.kind.data(), rec.account ? static_cast<int>(*rec.account) : -1);
        for (const auto& [key, v] : rec.fields)
          std::fprintf(stderr, " %.*s=%s", static_cast<int>(key.size()), key.data(),
                       v.str().c_str());
        std::fprintf(stderr, "\n");
      }
      for (AccountId id : r.monitor().unsafe()) {
        std::fprintf(stderr, "  unsafe %u excess %s\n", id,
                     format(maint_excess(e.cache(), s.accounts[id])).c_str());
      }
    }
    if (!err.empty()) {
      std::fprintf(stderr, "resolution invariant broken at event %d: %s\n", n, err.c_str());
      std::abort();
    }
  }
  const ResolutionCounts& c = checker.counts();
  return ResolutionFuzzStats{
      static_cast<std::size_t>(c.accepted), static_cast<std::size_t>(c.liquidations),
      static_cast<std::size_t>(c.bad_debts), static_cast<std::size_t>(c.waterfall_steps),
      static_cast<std::size_t>(c.adl_fills)};
}

}  // namespace backstop::fuzz
