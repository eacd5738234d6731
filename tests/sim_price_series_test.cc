// Price series input (sim/price_series.h): exact parsing of Binance klines and plain CSVs, every
// error path naming file/line/field, gap policies, excess-digit rounding, and the bad-print
// filter (the ETH 13 Mar 2020 02:39 bar with a 323.00 high while trading near 117, described in
// ../shared/data/README.md and ../shared/data/prices/SOURCES.md). The real files are read from
// ../shared/data when present and the tests skip cleanly otherwise.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <random>

#include "backstop/sim/price_series.h"
#include "test_util.h"

namespace backstop::sim {
namespace {
using testing_util::px;
using testing_util::rt;

const char* kKlineHeader =
    "open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,"
    "taker_buy_quote_volume,ignore\n";

// One kline row: t is the open_time in ms; volume fields are filler.
std::string bar(int64_t t, const std::string& o, const std::string& h, const std::string& l,
                const std::string& c) {
  return std::to_string(t) + "," + o + "," + h + "," + l + "," + c + ",1.0," +
         std::to_string(t + 59'999) + ",100.0,1,0.5,50.0,0\n";
}

constexpr int64_t kT0 = 1'584'066'000'000;  // 2020-03-13 02:20 UTC
constexpr int64_t kMin = 60'000;

// Expects parse to throw SeriesError with this line and field, and the message to name the file.
void expect_error(const std::string& csv, int line, const std::string& field,
                  const std::string& fragment, const SeriesOptions& opt = {}) {
  try {
    (void)parse_price_series(csv, "bad.csv", opt);
    ADD_FAILURE() << "no error for:\n" << csv;
  } catch (const SeriesError& e) {
    EXPECT_EQ(e.file(), "bad.csv");
    EXPECT_EQ(e.line(), line) << e.what();
    EXPECT_EQ(e.field(), field) << e.what();
    const std::string what = e.what();
    EXPECT_NE(what.find("bad.csv:" + std::to_string(line) + ":"), std::string::npos) << what;
    EXPECT_NE(what.find(fragment), std::string::npos) << what;
  }
}

TEST(SimPriceSeries, KlineCloseByDefaultExact) {
  const std::string csv = std::string(kKlineHeader) +
                          bar(kT0, "109.00", "110.50", "108.80", "109.25") +
                          bar(kT0 + kMin, "109.25", "111", "109.1", "110.123456789");
  const PriceSeries s = parse_price_series(csv, "k.csv");
  EXPECT_EQ(s.format, PriceFormat::BinanceKline);
  EXPECT_EQ(s.interval_ms, kMin);  // close_time - open_time + 1
  ASSERT_EQ(s.points.size(), 2U);
  EXPECT_EQ(s.points[0], (PricePoint{kT0, px("109.25")}));
  EXPECT_EQ(s.points[1].price.raw(), 110'123'456'789);  // all 9 decimals, exact
  EXPECT_TRUE(s.gaps.empty());
  EXPECT_TRUE(s.filtered.empty());

  SeriesOptions low;
  low.field = KlineField::Low;
  EXPECT_EQ(parse_price_series(csv, "k.csv", low).points[1].price, px("109.1"));
  SeriesOptions high;
  high.field = KlineField::High;
  EXPECT_EQ(parse_price_series(csv, "k.csv", high).points[0].price, px("110.5"));
  SeriesOptions open;
  open.field = KlineField::Open;
  EXPECT_EQ(parse_price_series(csv, "k.csv", open).points[1].price, px("109.25"));
}

TEST(SimPriceSeries, HeaderlessKlineAndPlainFormats) {
  // Binance raw downloads have no header: detected from the 12 fields.
  const PriceSeries k = parse_price_series(bar(kT0, "1", "2", "0.5", "1.5"), "raw.csv");
  EXPECT_EQ(k.format, PriceFormat::BinanceKline);
  EXPECT_EQ(k.points[0].price, px("1.5"));

  const PriceSeries tp =
      parse_price_series("timestamp,price\n1600000000000,2.5\n1600000060000,3\n", "tp.csv");
  EXPECT_EQ(tp.format, PriceFormat::TimePrice);
  ASSERT_EQ(tp.points.size(), 2U);
  EXPECT_EQ(tp.points[1], (PricePoint{1'600'000'060'000, px("3")}));
  EXPECT_EQ(tp.interval_ms, 0);

  const PriceSeries sp = parse_price_series(
      "symbol,timestamp,USD_price\r\nUST,1638414023130,1.004592499\r\nUST,1638417615567,1.0\r\n\n",
      "sp.csv");
  EXPECT_EQ(sp.format, PriceFormat::SymbolTimePrice);
  EXPECT_EQ(sp.symbol, "UST");
  EXPECT_EQ(sp.points[0].price.raw(), 1'004'592'499);

  const PriceSeries nh = parse_price_series("1600000000000,2.5\n", "nh.csv");
  EXPECT_EQ(nh.format, PriceFormat::TimePrice);
}

TEST(SimPriceSeries, TimeUnits) {
  SeriesOptions s;
  s.time_unit = TimeUnit::Seconds;
  EXPECT_EQ(parse_price_series("1600000000,1\n", "s.csv", s).points[0].time_ms, 1'600'000'000'000);
  SeriesOptions us;
  us.time_unit = TimeUnit::Microseconds;  // floor to ms
  EXPECT_EQ(parse_price_series("1609459200123999,1\n", "us.csv", us).points[0].time_ms,
            1'609'459'200'123);
  // The ms-vs-us trap of ../shared/data/README.md: microseconds read as ms are implausible.
  expect_error("timestamp,price\n1609459200123999,1\n", 2, "timestamp", "wrong time unit");
}

TEST(SimPriceSeries, ExcessDigitsRejectedOrRoundedAsNamed) {
  // The hourly CoinGecko files carry 16 decimals.
  expect_error("timestamp,price\n1600000000000,1.0045924994714848\n", 2, "price",
               "more than 9 decimal places");
  auto one = [](const std::string& v, Rounding r) {
    SeriesOptions o;
    o.excess_digits = r;
    o.filter.enabled = false;
    return parse_price_series("timestamp,price\n1600000000000," + v + "\n", "r.csv", o)
        .points[0]
        .price.raw();
  };
  EXPECT_EQ(one("1.0045924994714848", Rounding::Down), 1'004'592'499);
  EXPECT_EQ(one("1.0045924994714848", Rounding::Up), 1'004'592'500);
  EXPECT_EQ(one("1.0045924994714848", Rounding::HalfEven), 1'004'592'499);  // tail 4714848 < 5
  EXPECT_EQ(one("1.0000000005", Rounding::HalfEven), 1'000'000'000);        // tie -> even (0)
  EXPECT_EQ(one("1.0000000015", Rounding::HalfEven), 1'000'000'002);        // tie -> even (2)
  EXPECT_EQ(one("1.00000000050001", Rounding::HalfEven), 1'000'000'001);    // above the tie
  EXPECT_EQ(one("1.5000000000000", Rounding::Down), 1'500'000'000);         // zeros: exact
  // Rounded prices are counted; exact ones are not.
  SeriesOptions o;
  o.excess_digits = Rounding::Down;
  const PriceSeries s = parse_price_series(
      "timestamp,price\n1600000000000,1.0000000001\n1600000060000,1.5\n", "c.csv", o);
  EXPECT_EQ(s.rounded, 1);
  // Rounding a tiny price down to zero is still rejected as non-positive.
  expect_error("timestamp,price\n1600000000000,0.0000000001\n", 2, "price", "must be positive", o);
}

TEST(SimPriceSeries, EveryMalformedRowNamesFileLineField) {
  const std::string h = kKlineHeader;
  expect_error(h + bar(kT0, "1", "2", "0.5", "1.5") + "1584066060000,1,2,0.5\n", 3, "",
               "expected 12 fields, got 4");
  expect_error(h + "abc,1,2,0.5,1.5,1,1584066059999,1,1,1,1,0\n", 2, "open_time",
               "integer timestamp");
  expect_error(h + bar(kT0, "NaN", "2", "0.5", "1.5"), 2, "open", "NaN");
  expect_error(h + bar(kT0, "1", "inf", "0.5", "1.5"), 2, "high", "infinite");
  expect_error(h + bar(kT0, "1", "2", "-0.5", "1.5"), 2, "low", "must be positive");
  expect_error(h + bar(kT0, "1", "2", "0", "1.5"), 2, "low", "must be positive");
  expect_error(h + bar(kT0, "1", "2", "0.5", "1e3"), 2, "close", "exponent");
  expect_error(h + bar(kT0, "1", "2", "0.5", "1.5x"), 2, "close", "invalid character");
  expect_error(h + bar(kT0, "1", "2", "0.5", ""), 2, "close", "empty price");
  expect_error(h + bar(kT0, "1", "2", "1.2", "1.1"), 2, "low", "above open/close");
  expect_error(h + bar(kT0, "1", "1.4", "0.5", "1.5"), 2, "high", "below open/close");
  expect_error(h + bar(kT0, "1", "2", "0.5", "1.5") + bar(kT0, "1", "2", "0.5", "1.5"), 3,
               "open_time", "duplicate timestamp");
  expect_error(h + bar(kT0, "1", "2", "0.5", "1.5") + bar(kT0 - kMin, "1", "2", "0.5", "1.5"), 3,
               "open_time", "not increasing");
  expect_error(h + "1584066000000,1,2,0.5,1.5,1,1584066029999,1,1,1,1,0\n" +
                   "1584066060000,1,2,0.5,1.5,1,1584066119999,1,1,1,1,0\n",
               3, "close_time", "not open_time + 30000 - 1");
  expect_error("symbol,timestamp,price\nUST,1600000000000,1\nUSDC,1600000060000,1\n", 3, "symbol",
               "one symbol per file");
  expect_error("when,what,why,who\n1,2,3,4\n", 1, "", "unrecognised header");
  expect_error("1600000000000,1,2\n", 1, "", "cannot tell the format");
  expect_error("", 0, "", "no data rows");
  expect_error("timestamp,price\n", 0, "", "no data rows");
  expect_error("timestamp,price\n1600000000000,-1\n", 2, "price", "must be positive");
  expect_error("timestamp,price\n1600000000000,-nan\n", 2, "price", "NaN");
  expect_error("timestamp,price\n1600000000000,+Infinity\n", 2, "price", "infinite");
}

TEST(SimPriceSeries, ReadFileErrorsNameThePath) {
  try {
    (void)read_price_series("/nonexistent/dir/p.csv");
    ADD_FAILURE();
  } catch (const SeriesError& e) {
    EXPECT_EQ(e.file(), "/nonexistent/dir/p.csv");
    EXPECT_EQ(e.line(), 0);
  }
}

TEST(SimPriceSeries, GapsReportedFilledOrRejected) {
  // Bars at 0, 1, 4 minutes: bars 2 and 3 are missing.
  const std::string csv = std::string(kKlineHeader) + bar(kT0, "10", "10", "10", "10") +
                          bar(kT0 + kMin, "11", "11", "11", "11") +
                          bar(kT0 + 4 * kMin, "12", "12", "12", "12");
  SeriesOptions o;
  o.filter.enabled = false;
  const PriceSeries rep = parse_price_series(csv, "g.csv", o);
  ASSERT_EQ(rep.gaps.size(), 1U);
  EXPECT_EQ(rep.gaps[0].from_ms, kT0 + kMin);
  EXPECT_EQ(rep.gaps[0].to_ms, kT0 + 4 * kMin);
  EXPECT_EQ(rep.gaps[0].line, 4);
  EXPECT_EQ(rep.gaps[0].filled, 0);
  EXPECT_EQ(rep.points.size(), 3U);

  o.gaps = GapAction::FillForward;
  const PriceSeries fill = parse_price_series(csv, "g.csv", o);
  ASSERT_EQ(fill.points.size(), 5U);
  EXPECT_EQ(fill.gaps[0].filled, 2);
  EXPECT_EQ(fill.points[2], (PricePoint{kT0 + 2 * kMin, px("11")}));  // previous close carried
  EXPECT_EQ(fill.points[3], (PricePoint{kT0 + 3 * kMin, px("11")}));
  EXPECT_EQ(fill.points[4], (PricePoint{kT0 + 4 * kMin, px("12")}));

  o.gaps = GapAction::Reject;
  expect_error(csv, 4, "open_time", "gap of 180000 ms", o);

  // Plain series: gaps only with a max step; FillForward needs an interval.
  const std::string plain = "timestamp,price\n1600000000000,1\n1600007200001,2\n";
  EXPECT_TRUE(parse_price_series(plain, "p.csv").gaps.empty());
  SeriesOptions hourly;
  hourly.filter.enabled = false;
  hourly.max_step_ms = 7'200'000;  // two hours
  EXPECT_EQ(parse_price_series(plain, "p.csv", hourly).gaps.size(), 1U);
  hourly.gaps = GapAction::FillForward;
  expect_error(plain, 0, "", "needs SeriesOptions::interval_ms", hourly);
  hourly.interval_ms = 3'600'000;
  const PriceSeries pf = parse_price_series(plain, "p.csv", hourly);
  ASSERT_EQ(pf.points.size(), 4U);  // +1h and +2h inserted before 2h + 1 ms
  EXPECT_EQ(pf.points[2], (PricePoint{1'600'007'200'000, px("1")}));
}

// Synthetic bars around the ETHUSDT 13 Mar 2020 02:39 bad print (SOURCES.md: open 109.00,
// high 323.00, close 117.44, everything else trading 103..119).
std::string eth_bad_print_csv() {
  std::string csv = kKlineHeader;
  const char* closes[] = {"104.08", "104.29", "108.86", "117.44", "110.61",
                          "109.72", "113.47", "112.42", "118.40"};
  const char* highs[] = {"105.71", "104.71", "110.00", "323.00", "117.88",
                         "111.07", "114.64", "113.91", "119.22"};
  const char* lows[] = {"103.07", "103.12", "103.99", "108.80", "109.68",
                        "108.48", "108.82", "111.00", "111.86"};
  std::string prev = "103.99";
  for (int i = 0; i < 9; ++i) {
    const std::string open = i == 3 ? "109.00" : prev;
    csv += bar(kT0 + i * kMin, open, highs[i], lows[i], closes[i]);
    prev = closes[i];
  }
  return csv;
}

TEST(SimPriceSeries, BadPrint323AmidTrading117DoesNotReachTheSeries) {
  const std::string csv = eth_bad_print_csv();
  // A short opened near 110 with a liquidation price of 200 must survive the replay.
  const Price short_liquidation = px("200");
  auto max_price = [](const PriceSeries& s) {
    return std::max_element(
               s.points.begin(), s.points.end(),
               [](const PricePoint& a, const PricePoint& b) { return a.price < b.price; })
        ->price;
  };
  SeriesOptions high;
  high.field = KlineField::High;  // intrabar worst case for shorts
  const PriceSeries s = parse_price_series(csv, "eth.csv", high);
  ASSERT_EQ(s.filtered.size(), 1U);
  const FilteredPrint& f = s.filtered[0];
  EXPECT_EQ(f.time_ms, kT0 + 3 * kMin);
  EXPECT_EQ(f.line, 5);
  EXPECT_EQ(f.value, px("323"));
  // Median of the first 9 rows' closes other than row 3 (start of file, window 15):
  // sorted 104.08 104.29 108.86 109.72 110.61 112.42 113.47 118.40 -> lower middle 109.72.
  EXPECT_EQ(f.median, px("109.72"));
  EXPECT_EQ(f.replaced_by, px("110"));  // the previous accepted high
  EXPECT_NE(f.reason.find("high deviates above the median"), std::string::npos) << f.reason;
  EXPECT_LT(max_price(s), short_liquidation);
  EXPECT_EQ(s.points[3].price, px("110"));

  // The filter is what removes it: disabled, the 323 print would liquidate the short.
  SeriesOptions raw = high;
  raw.filter.enabled = false;
  EXPECT_GE(max_price(parse_price_series(csv, "eth.csv", raw)), short_liquidation);
  // Driving by close (the default) never sees the wick and filters nothing.
  const PriceSeries c = parse_price_series(csv, "eth.csv");
  EXPECT_TRUE(c.filtered.empty());
  EXPECT_EQ(c.points[3].price, px("117.44"));
}

TEST(SimPriceSeries, ConfirmedMoveIsKeptUnconfirmedIsReplaced) {
  // 20 minutes at 100, then a real crash to 60 that stays: the first print at 60 is 40% below the
  // median and both following closes are nearer 60 than 100, so it is confirmed and kept.
  std::string csv = "timestamp,price\n";
  for (int i = 0; i < 20; ++i) csv += std::to_string(kT0 + i * kMin) + ",100\n";
  for (int i = 20; i < 30; ++i) csv += std::to_string(kT0 + i * kMin) + ",60\n";
  const PriceSeries s = parse_price_series(csv, "crash.csv");
  EXPECT_TRUE(s.filtered.empty());
  EXPECT_EQ(s.points[20].price, px("60"));
  // Two bad prints in a row (like the UST 0.094 pair of March 2022): each is confirmed only if
  // the next two closes are nearer to it than to the median, which the return to 100 denies.
  std::string two = "timestamp,price\n";
  for (int i = 0; i < 20; ++i) {
    two += std::to_string(kT0 + i * kMin) + (i == 10 || i == 11 ? ",9.4\n" : ",100\n");
  }
  const PriceSeries t = parse_price_series(two, "two.csv");
  ASSERT_EQ(t.filtered.size(), 2U);
  EXPECT_EQ(t.points[10].price, px("100"));
  EXPECT_EQ(t.points[11].price, px("100"));
  // confirm = 1: the first 9.4 is confirmed by the second, which is then rejected.
  SeriesOptions one;
  one.filter.confirm = 1;
  const PriceSeries u = parse_price_series(two, "two.csv", one);
  ASSERT_EQ(u.filtered.size(), 1U);
  EXPECT_EQ(u.filtered[0].line, 13);
  EXPECT_EQ(u.points[11].price, px("9.4"));  // carries the accepted 9.4 forward
  // A bad last print cannot be confirmed (no rows after it) and is replaced.
  const PriceSeries last = parse_price_series(
      "timestamp,price\n1600000000000,100\n1600000060000,100\n1600000120000,300\n", "l.csv");
  ASSERT_EQ(last.filtered.size(), 1U);
  EXPECT_EQ(last.points[2].price, px("100"));
  // A bad first print is replaced by the median of the following rows.
  const PriceSeries first = parse_price_series(
      "timestamp,price\n1600000000000,300\n1600000060000,100\n1600000120000,101\n", "f.csv");
  ASSERT_EQ(first.filtered.size(), 1U);
  EXPECT_EQ(first.points[0].price, px("100"));
}

TEST(SimPriceSeries, ThresholdIsExactAtTheBoundary) {
  // Median 100, X = 25%: 125 is not "more than 25%" (kept), 125.000000001 is (replaced).
  auto filtered = [](const std::string& v) {
    SeriesOptions o;
    o.filter.confirm = 0;
    std::string csv = "timestamp,price\n";
    for (int i = 0; i < 5; ++i) csv += std::to_string(kT0 + i * kMin) + ",100\n";
    csv += std::to_string(kT0 + 5 * kMin) + "," + v + "\n";
    return parse_price_series(csv, "x.csv", o).filtered.size();
  };
  EXPECT_EQ(filtered("125"), 0U);
  EXPECT_EQ(filtered("125.000000001"), 1U);
  EXPECT_EQ(filtered("75"), 0U);
  EXPECT_EQ(filtered("74.999999999"), 1U);
}

TEST(SimPriceSeries, FilterPropertyNeverChangesUnflaggedPoints) {
  // Random walks with injected spikes: every point is either the raw print or listed in
  // `filtered`, the output has the input's timestamps, and every injected isolated 5x spike
  // (unconfirmable) is caught.
  std::mt19937_64 rng(20260301);
  for (int iter = 0; iter < 300; ++iter) {
    std::string csv = "timestamp,price\n";
    std::vector<int64_t> raw;
    int64_t p = 1'000'000'000'000;  // 1000
    std::vector<std::size_t> spikes;
    for (int i = 0; i < 200; ++i) {
      p = p + static_cast<int64_t>(rng() % 20'000'000'001) - 10'000'000'000;  // +-10
      int64_t v = p;
      if (i > 20 && i < 195 && rng() % 25 == 0 &&
          (spikes.empty() || spikes.back() + 3 < static_cast<std::size_t>(i))) {
        v = p * 5;
        spikes.push_back(static_cast<std::size_t>(i));
      }
      raw.push_back(v);
      csv += std::to_string(kT0 + i * kMin) + "," + format(Price::from_raw(v)) + "\n";
    }
    const PriceSeries s = parse_price_series(csv, "prop.csv");
    ASSERT_EQ(s.points.size(), raw.size());
    std::vector<bool> flagged(raw.size(), false);
    for (const FilteredPrint& f : s.filtered) flagged[static_cast<std::size_t>(f.line - 2)] = true;
    for (std::size_t i = 0; i < raw.size(); ++i) {
      EXPECT_EQ(s.points[i].time_ms, kT0 + static_cast<int64_t>(i) * kMin);
      if (!flagged[i]) {
        EXPECT_EQ(s.points[i].price.raw(), raw[i]);
      }
    }
    for (std::size_t i : spikes) EXPECT_TRUE(flagged[i]) << "spike at " << i;
  }
}

// ---- Real files from ../shared/data (never copied into the repository) -----------------------

std::filesystem::path data_dir() {
  if (const char* env = std::getenv("BACKSTOP_SHARED_DATA")) return env;
  return std::filesystem::path(BACKSTOP_SOURCE_DIR) / ".." / "shared" / "data";
}

std::string price_file(const std::string& name) {
  return (data_dir() / "prices" / name).string();
}

#define SKIP_WITHOUT(path) \
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "no " << (path) << " (shared data absent)"

TEST(SimPriceSeriesData, EthMarch2020KlinesAndThe323HighPrint) {
  const std::string f = price_file("ETHUSDT_perp_1m_2020-03-12_crash.csv");
  SKIP_WITHOUT(f);
  const PriceSeries close = read_price_series(f);
  EXPECT_EQ(close.points.size(), 2161U);  // SOURCES.md row count, gap-free
  EXPECT_EQ(close.points.front().time_ms, 1'583'971'200'000);
  EXPECT_EQ(close.points.back().time_ms, 1'584'100'800'000);
  EXPECT_TRUE(close.gaps.empty());
  EXPECT_TRUE(close.filtered.empty());
  EXPECT_EQ(close.points[0].price, px("195.28"));  // first row's close

  SeriesOptions high;
  high.field = KlineField::High;
  const PriceSeries h = read_price_series(f, high);
  ASSERT_EQ(h.filtered.size(), 1U);  // exactly the known bad print
  EXPECT_EQ(h.filtered[0].time_ms, 1'584'067'140'000);
  EXPECT_EQ(h.filtered[0].value, px("323"));
  for (const PricePoint& p : h.points) EXPECT_LE(p.price, px("195.81"));  // next-highest high
  SeriesOptions low;
  low.field = KlineField::Low;  // the genuine crash lows are all kept
  const PriceSeries l = read_price_series(f, low);
  EXPECT_TRUE(l.filtered.empty());
  EXPECT_EQ(
      std::min_element(l.points.begin(), l.points.end(),
                       [](const PricePoint& a, const PricePoint& b) { return a.price < b.price; })
          ->price,
      px("84.23"));
}

TEST(SimPriceSeriesData, AllPerpKlineFilesParseGapFree) {
  const std::pair<const char*, std::size_t> files[] = {
      {"BTCUSDT_perp_1m_2025-10-10_crash.csv", 421},
      {"BTCUSDT_perp_1m_2020-03-12_crash.csv", 2161},
      {"BTCUSDT_perp_1m_2022-11-08_ftx.csv", 2161},
      {"ETHUSDT_perp_1m_2021-05-19_crash.csv", 1440}};
  SKIP_WITHOUT(price_file(files[0].first));
  for (const auto& [name, rows] : files) {
    const PriceSeries s = read_price_series(price_file(name));
    EXPECT_EQ(s.points.size(), rows) << name;
    EXPECT_TRUE(s.gaps.empty()) << name;
    EXPECT_EQ(s.interval_ms, 60'000) << name;
    if (std::string(name).starts_with("BTC")) {
      EXPECT_TRUE(s.filtered.empty()) << name;
    }
  }
  // ETH 19 May 2021: the deep 13:09-13:11 wicks (lows 1550, 1400.73, 1450) are single-bar
  // excursions the default policy replaces when driving by low; each is reported.
  SeriesOptions low;
  low.field = KlineField::Low;
  const PriceSeries eth =
      read_price_series(price_file("ETHUSDT_perp_1m_2021-05-19_crash.csv"), low);
  ASSERT_EQ(eth.filtered.size(), 3U);
  EXPECT_EQ(eth.filtered[0].time_ms, 1'621'429'740'000);
  EXPECT_EQ(eth.filtered[1].value, px("1400.73"));
}

TEST(SimPriceSeriesData, HourlyFilesParseWithNamedRounding) {
  SKIP_WITHOUT(price_file("UST_usd_hourly_2021_2023.csv"));
  SeriesOptions o;
  o.excess_digits = Rounding::HalfEven;
  const PriceSeries ust = read_price_series(price_file("UST_usd_hourly_2021_2023.csv"), o);
  EXPECT_EQ(ust.symbol, "UST");
  EXPECT_EQ(ust.points.size(), 10'808U);
  EXPECT_EQ(ust.points[0].price.raw(), 1'004'592'499);  // 1.0045924994714848 half-even
  EXPECT_GT(ust.rounded, 10'000);
  // The two 0.094 prints of 25-26 Mar 2022 amid a 1.00 peg are caught.
  auto caught = [&](int64_t t) {
    return std::any_of(ust.filtered.begin(), ust.filtered.end(),
                       [&](const FilteredPrint& f) { return f.time_ms == t; });
  };
  EXPECT_TRUE(caught(1'648'245'849'687));
  EXPECT_TRUE(caught(1'648'249'451'357));
  // The May 2022 collapse itself is mostly kept: by 13 May 2022 the series is below 0.3.
  const auto may13 = std::find_if(ust.points.begin(), ust.points.end(), [](const PricePoint& p) {
    return p.time_ms >= 1'652'400'000'000;
  });
  ASSERT_NE(may13, ust.points.end());
  EXPECT_LT(may13->price, px("0.6"));

  const char* assets[] = {"AAVE", "CRV",  "DAI",  "FRAX", "LINK", "LUSD",
                          "MKR",  "USDC", "USDT", "WBTC", "WETH", "stETH"};
  for (const char* a : assets) {
    const PriceSeries s =
        read_price_series(price_file(std::string(a) + "_usd_hourly_2021_2023.csv"), o);
    EXPECT_EQ(s.symbol, a);
    EXPECT_GT(s.points.size(), 16'000U) << a;
    EXPECT_TRUE(std::is_sorted(s.points.begin(), s.points.end()));
  }
  const PriceSeries weth = read_price_series(price_file("WETH_usd_hourly_2021_2023.csv"), o);
  ASSERT_EQ(weth.filtered.size(), 1U);  // the 1067.63 print of 13 Jun 2022 amid ~1350
  EXPECT_EQ(weth.filtered[0].time_ms, 1'655'092'942'430);
}

}  // namespace
}  // namespace backstop::sim
