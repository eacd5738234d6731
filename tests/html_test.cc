// HTML report renderer (report/html.h, report/svg.h): escaping, "nice" ticks (1/2/5 x 10^k,
// table-driven with the arithmetic written out, plus a seeded property test), deterministic number
// formatting, edge cases that must not leak non-finite numbers or break the markup, byte-identical
// output for identical input, and a structural check (balanced tags) of a full sample report.
// The browser-rendered check of the same sample is tests/screenshot_test.py.
#include "backstop/report/html.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <regex>
#include <string>
#include <vector>

#include "backstop/report/svg.h"
#include "html_sample.h"

namespace backstop::html {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// ---- structural helpers ----

// Checks that every non-void element is closed in order. Skips <!DOCTYPE>, comments and the body
// of <style>. Returns "" when balanced, else a description of the first problem.
std::string tag_balance(const std::string& s) {
  static const std::vector<std::string> kVoid = {"meta", "br", "img", "input", "hr", "link"};
  std::vector<std::string> stack;
  std::size_t i = 0;
  while ((i = s.find('<', i)) != std::string::npos) {
    if (s.compare(i, 2, "<!") == 0) {
      i = s.find('>', i);
      if (i == std::string::npos) return "unterminated <!";
      continue;
    }
    const std::size_t end = s.find('>', i);
    if (end == std::string::npos) return "unterminated tag at " + std::to_string(i);
    const bool closing = s[i + 1] == '/';
    std::size_t n0 = i + (closing ? 2 : 1), n1 = n0;
    while (n1 < end && (std::isalnum(static_cast<unsigned char>(s[n1])) != 0)) ++n1;
    const std::string name = s.substr(n0, n1 - n0);
    if (name.empty()) return "empty tag name at " + std::to_string(i);
    if (closing) {
      if (stack.empty() || stack.back() != name) {
        return "unexpected </" + name + "> at " + std::to_string(i) +
               (stack.empty() ? "" : " (open: " + stack.back() + ")");
      }
      stack.pop_back();
      i = end + 1;
      continue;
    }
    const bool self_closing = s[end - 1] == '/';
    const bool is_void = std::find(kVoid.begin(), kVoid.end(), name) != kVoid.end();
    i = end + 1;
    if (name == "style") {  // raw text up to </style>
      i = s.find("</style>", i);
      if (i == std::string::npos) return "unterminated <style>";
      i += 8;
      continue;
    }
    if (!self_closing && !is_void) stack.push_back(name);
  }
  return stack.empty() ? "" : "unclosed <" + stack.back() + ">";
}

// A non-finite number written out: "nan", "inf", "-inf", "infinity" as a word (case-insensitive).
bool has_non_finite(const std::string& s) {
  static const std::regex re("(^|[^a-z])-?(nan|inf|infinity)([^a-z]|$)", std::regex::icase);
  return std::regex_search(s, re);
}

std::size_t count(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t i = s.find(what); i != std::string::npos; i = s.find(what, i + 1)) ++n;
  return n;
}

Report one_item(Item item) {
  Report r;
  r.title = "t";
  r.sections.push_back({"s", "", {std::move(item)}});
  return r;
}

// ---- escaping ----

TEST(Html, EscapeTable) {
  struct Case {
    std::string in, out;
  };
  const std::vector<Case> cases = {
      {"plain", "plain"},
      {"a&b", "a&amp;b"},
      {"<script>x</script>", "&lt;script&gt;x&lt;/script&gt;"},
      {"say \"hi\" & 'bye'", "say &quot;hi&quot; &amp; &#39;bye&#39;"},
      {"&amp;", "&amp;amp;"},  // already-escaped text is escaped again (text, not markup)
      {std::string("a\x01"
                   "b\x7f"
                   "c\td\ne"),
       "abc\td\ne"},  // controls dropped, tab/LF kept
      {"\xe2\x82\xac 5 \xe2\x80\x94 ok", "\xe2\x82\xac 5 \xe2\x80\x94 ok"},  // UTF-8 untouched
      {"", ""},
  };
  for (const Case& c : cases) EXPECT_EQ(escape(c.in), c.out) << c.in;
}

TEST(Html, EveryTextIsEscaped) {
  const std::string evil = "<b onclick='x'>\"&</b>";
  const std::string esc = "&lt;b onclick=&#39;x&#39;&gt;&quot;&amp;&lt;/b&gt;";
  Report r;
  r.title = r.subtitle = r.footer = evil;
  r.summary = {{evil, evil}};
  LineChart lc{evil,  evil,  evil, {{evil, {0, 1}, {0, 1}}, {evil, {0, 1}, {1, 0}}},
               false, false, false};
  Histogram h{evil, evil, evil, {0, 1, 2}, {1, 2}, {{evil, 1.5}}, false};
  Heatmap hm{evil, evil, evil, evil, {evil, "b"}, {evil}, {1, 2}, false};
  Table t{evil, {evil}, {{evil}}};
  r.sections.push_back({evil, evil, {lc, h, hm, t}});
  const std::string out = render_html(r);
  EXPECT_EQ(out.find("<b "), std::string::npos);  // (<body> is ours)
  EXPECT_EQ(out.find("</b>"), std::string::npos);
  EXPECT_EQ(out.find("'x'"), std::string::npos);
  EXPECT_GE(count(out, esc), 20U);  // each text field above, most of them more than once
  EXPECT_EQ(tag_balance(out), "");
}

// ---- ticks ----

TEST(HtmlTicks, NiceStepTable) {
  // step = m x 10^k with m the smallest of 1, 2, 5, 10 such that m x 10^k >= raw.
  struct Case {
    double raw, step;
  };
  const std::vector<Case> cases = {
      {1, 1}, {0.7, 1},  {1.2, 2},   {2, 2},        {2.1, 5},   {4.9, 5},
      {5, 5}, {5.1, 10}, {9.99, 10}, {0.013, 0.02}, {3e7, 5e7}, {1.5e-8, 2e-8},
      {0, 1}, {-3, 1},   {kNaN, 1},  {kInf, 1},
  };
  for (const Case& c : cases) {
    EXPECT_DOUBLE_EQ(nice_step(c.raw), c.step) << c.raw;
  }
}

TEST(HtmlTicks, NiceTicksTable) {
  struct Case {
    double lo, hi;
    int max_ticks;
    double t_lo, t_hi, step;
    int decimals;
    std::size_t n;  // number of tick values
  };
  const std::vector<Case> cases = {
      // span 10 / 5 = 2 -> step 2; [0, 10] already multiples -> 0, 2, ..., 10.
      {0, 10, 5, 0, 10, 2, 0, 6},
      // 1 / 5 = 0.2 -> step 0.2 (1 decimal); 0, 0.2, ..., 1.
      {0, 1, 5, 0, 1, 0.2, 1, 6},
      // 11.9 / 6 = 1.98 -> step 2 widens to [-4, 10] = 7 intervals > 6, so the next nice step 5:
      // floor(-3.7 / 5) = -1, ceil(8.2 / 5) = 2 -> [-5, 10], ticks -5, 0, 5, 10.
      {-3.7, 8.2, 6, -5, 10, 5, 0, 4},
      // 0.0085 / 5 = 0.0017 -> 0.002; [0, 0.01] (3 decimals).
      {0.001, 0.0095, 5, 0, 0.01, 0.002, 3, 6},
      // 6e5 / 6 = 1e5 -> step 1e5, [1.0e6, 1.6e6].
      {1e6, 1.6e6, 6, 1e6, 1.6e6, 1e5, 0, 7},
      // all equal 5: widened to 5 +- 0.5 = [4.5, 5.5]; 1 / 6 = 0.167 -> 0.2;
      // floor(22.5) = 22 -> 4.4, ceil(27.5) = 28 -> 5.6.
      {5, 5, 6, 4.4, 5.6, 0.2, 1, 7},
      // all equal -20: [-22, -18]; 4 / 6 = 0.67 -> 1.
      {-20, -20, 6, -22, -18, 1, 0, 5},
      // all zero: [0, 1], step 0.2.
      {0, 0, 6, 0, 1, 0.2, 1, 6},
      // reversed bounds are swapped.
      {10, 0, 5, 0, 10, 2, 0, 6},
      // non-finite bound: [0, 1].
      {kNaN, 3, 6, 0, 1, 0.2, 1, 6},
      {0, kInf, 6, 0, 1, 0.2, 1, 6},
      // huge: clamped to +-1e300; 2e300 / 6 = 3.3e299 -> 5e299; -1e300 / 5e299 = -2 -> [-1e300,
      // 1e300], 4 intervals.
      {-1e308, 1e308, 6, -1e300, 1e300, 5e299, 0, 5},
      // tiny span: 1e-12 / 4 = 2.5e-13 -> 5e-13; decimals capped at 12.
      {0, 1e-12, 4, 0, 1e-12, 5e-13, 12, 3},
      // a single interval allowed: 7 / 1 -> 10.
      {0, 7, 1, 0, 10, 10, 0, 2},
  };
  for (const Case& c : cases) {
    const Ticks t = nice_ticks(c.lo, c.hi, c.max_ticks);
    SCOPED_TRACE(testing::Message() << c.lo << " .. " << c.hi << " max " << c.max_ticks);
    EXPECT_NEAR(t.lo, c.t_lo, std::fabs(c.step) * 1e-9);
    EXPECT_NEAR(t.hi, c.t_hi, std::fabs(c.step) * 1e-9);
    EXPECT_DOUBLE_EQ(t.step, c.step);
    EXPECT_EQ(t.decimals, c.decimals);
    EXPECT_EQ(t.values.size(), c.n);
  }
}

// Property: for random ranges over many magnitudes, the ticks cover the range, there are at most
// max_ticks intervals, the step is 1, 2 or 5 x 10^k, the values are evenly spaced multiples of
// the step and all finite.
TEST(HtmlTicks, NiceTicksProperty) {
  std::mt19937_64 rng(20240611);
  std::uniform_real_distribution<double> unit(-1, 1);
  std::uniform_int_distribution<int> exp10(-12, 15);
  std::uniform_int_distribution<int> ticks(2, 10);
  for (int i = 0; i < 5000; ++i) {
    const double scale = std::pow(10.0, exp10(rng));
    const double a = unit(rng) * scale;
    const double b = (i % 3 == 0) ? a + std::fabs(unit(rng)) * scale * 1e-3 : unit(rng) * scale;
    const int max_ticks = ticks(rng);
    const Ticks t = nice_ticks(a, b, max_ticks);
    SCOPED_TRACE(testing::Message() << a << " " << b << " " << max_ticks);
    ASSERT_GE(t.values.size(), 2U);
    ASSERT_LE(t.values.size(), static_cast<std::size_t>(max_ticks) + 1);
    EXPECT_LE(t.lo, std::min(a, b));
    EXPECT_GE(t.hi, std::max(a, b));
    const double mant = t.step / std::pow(10.0, std::floor(std::log10(t.step) + 1e-12));
    EXPECT_TRUE(std::fabs(mant - 1) < 1e-9 || std::fabs(mant - 2) < 1e-9 ||
                std::fabs(mant - 5) < 1e-9)
        << t.step;
    for (std::size_t k = 0; k < t.values.size(); ++k) {
      ASSERT_TRUE(std::isfinite(t.values[k]));
      const double q = t.values[k] / t.step;
      EXPECT_NEAR(q, std::round(q), 1e-6);
      if (k > 0) {
        EXPECT_NEAR(t.values[k] - t.values[k - 1], t.step, t.step * 1e-6);
      }
    }
  }
}

TEST(HtmlTicks, TickLabels) {
  auto labels = [](double lo, double hi, int n, bool pct = false) {
    const Ticks t = nice_ticks(lo, hi, n);
    std::vector<std::string> out;
    for (double v : t.values) out.push_back(tick_label(v, t, pct));
    return out;
  };
  using V = std::vector<std::string>;
  // step 50,000, axis reaches 2.5e5 >= 1e4 -> "k" units with 0 decimals.
  EXPECT_EQ(labels(0, 250000, 5), (V{"0", "50k", "100k", "150k", "200k", "250k"}));
  // step 1e5 on a 1.6e6 axis -> "M" units, step 0.1M -> 1 decimal.
  EXPECT_EQ(labels(1e6, 1.6e6, 6), (V{"1.0M", "1.1M", "1.2M", "1.3M", "1.4M", "1.5M", "1.6M"}));
  // step 0.05 as percent = 5 -> "5%".
  EXPECT_EQ(labels(0, 0.25, 5, true), (V{"0%", "5%", "10%", "15%", "20%", "25%"}));
  // step 0.005 as percent = 0.5 -> one decimal.
  EXPECT_EQ(labels(0, 0.02, 4, true), (V{"0%", "0.5%", "1.0%", "1.5%", "2.0%"}));
  EXPECT_EQ(labels(-3.7, 8.2, 6), (V{"-5", "0", "5", "10"}));
  EXPECT_EQ(labels(0, 1, 5), (V{"0", "0.2", "0.4", "0.6", "0.8", "1.0"}));
  // below 1e4 no unit suffix: 0 .. 8000 step 2000.
  EXPECT_EQ(labels(0, 8000, 4), (V{"0", "2000", "4000", "6000", "8000"}));
  // 3e9 / 6 = 5e8 -> "B" units with 1 decimal.
  EXPECT_EQ(labels(0, 3e9, 6), (V{"0", "0.5B", "1.0B", "1.5B", "2.0B", "2.5B", "3.0B"}));
  // axis beyond 1e15: scientific, step 1e18 on a 4e18 axis -> 0 mantissa decimals.
  EXPECT_EQ(labels(0, 4e18, 4), (V{"0", "1e+18", "2e+18", "3e+18", "4e+18"}));
  // step below 1e-6: scientific with enough digits (step 2e-7 on a 1e-6 axis: 1 decimal).
  EXPECT_EQ(labels(0, 1e-6, 5), (V{"0", "2.0e-07", "4.0e-07", "6.0e-07", "8.0e-07", "1.0e-06"}));
}

TEST(HtmlNumbers, ShortNumberTable) {
  struct Case {
    double v;
    bool pct;
    std::string out;
  };
  const std::vector<Case> cases = {
      {0, false, "0"},           {0.0123, false, "0.0123"}, {12.34, false, "12.3"},
      {123.4, false, "123"},     {4560, false, "4.56k"},    {7.891e6, false, "7.89M"},
      {-1.2e9, false, "-1.20B"}, {3.5e12, false, "3.50T"},  {999960, false, "1.00M"},
      {123456, false, "123k"},   {1e-5, false, "1.00e-05"}, {2.5e18, false, "2.50e+18"},
      {0.05, true, "5.00%"},     {-0.25, true, "-25.0%"},   {kNaN, false, "-"},
      {-kInf, false, "-"},       {-0.0, false, "0"},
  };
  for (const Case& c : cases) EXPECT_EQ(short_number(c.v, c.pct), c.out) << c.v;
}

TEST(HtmlNumbers, Coordinates) {
  EXPECT_EQ(coord(12.5), "12.50");
  EXPECT_EQ(coord(-0.001), "0.00");  // no "-0.00"
  EXPECT_EQ(coord(-3.25), "-3.25");
  EXPECT_EQ(coord(kNaN), "0");
  EXPECT_EQ(coord(kInf), "0");
  EXPECT_EQ(coord(1e12), "10000000.00");  // clamped
}

TEST(HtmlNumbers, ScaleColours) {
  EXPECT_EQ(scale_colour(0), "#440154");
  EXPECT_EQ(scale_colour(1), "#fde725");
  EXPECT_EQ(scale_colour(0.5), "#21918c");  // the middle stop of 9
  EXPECT_EQ(scale_colour(-3), "#440154");
  EXPECT_EQ(scale_colour(kNaN), "#440154");
  // halfway between stop 0 (#440154) and stop 1 (#472d7b): (0x44+0x47)/2 = 69.5 -> 70 = 0x46,
  // (0x01+0x2d)/2 = 23 = 0x17, (0x54+0x7b)/2 = 103.5 -> 104 = 0x68.
  EXPECT_EQ(scale_colour(1.0 / 16), "#461768");
}

// ---- charts ----

TEST(HtmlCharts, LineMapsDataToThePlotArea) {
  // x: 0..10 with 8 ticks -> 10 / 8 = 1.25 -> step 2, [0, 10]; y: 10 / 6 -> 2, [0, 10].
  // Plot area x 76..836 (860 - 24), y 18 (top) .. 322 (380 - 58): (0,0) -> (76, 322), (10,10) ->
  // (836, 18).
  LineChart c{"c", "x", "y", {{"a", {0, 10}, {0, 10}}}, false, false, false};
  const std::string svg = svg_line_chart(c);
  EXPECT_NE(svg.find("d=\"M76.00 322.00L836.00 18.00\""), std::string::npos) << svg;
  EXPECT_EQ(svg.find("class=\"legend\""), std::string::npos);  // one series: no legend
  // Step: (0,0) (5,10) (10,5): y 5 -> 322 - 152 = 170; x 5 -> 456.
  c.step = true;
  c.series[0] = {"a", {0, 5, 10}, {0, 10, 5}};
  EXPECT_NE(svg_line_chart(c).find("d=\"M76.00 322.00H456.00V18.00H836.00V170.00\""),
            std::string::npos);
}

TEST(HtmlCharts, LegendsAndBreaks) {
  LineChart c{"c", "x", "y", {}, false, false, false};
  c.series.push_back({"first", {0, 1, 2, 3, 4}, {1, 2, kNaN, 4, 5}});
  c.series.push_back({"second", {0, 1}, {3, 1}});
  const std::string svg = svg_line_chart(c);
  EXPECT_EQ(count(svg, "class=\"key\""), 2U);
  EXPECT_NE(svg.find(">first</span>"), std::string::npos);
  // NaN breaks the first line into two sub-paths (two "M").
  const std::size_t p = svg.find("<path class=\"line\"");
  const std::size_t q = svg.find("\"><title>first", p);
  EXPECT_EQ(count(svg.substr(p, q - p), "M"), 2U);
  EXPECT_FALSE(has_non_finite(svg));
}

TEST(HtmlCharts, HeatmapValuesOnlyWhenSmall) {
  Heatmap small{"h", "x", "y", "z", {"a", "b", "c"}, {"r1", "r2"}, {1, 2, 3, 4, 5, kNaN}, false};
  const std::string s = svg_heatmap(small);
  EXPECT_EQ(count(s, "class=\"cellv"), 6U);
  EXPECT_NE(s.find("no value"), std::string::npos);
  EXPECT_NE(s.find(">c, r2: no value<"), std::string::npos);  // last cell = row 1, col 2
  EXPECT_NE(s.find(">a, r1: 1.00<"), std::string::npos);
  EXPECT_EQ(count(s, "class=\"scale\""), 1U);  // colour-scale legend
  Heatmap big{"h", "x", "y", "z", {}, {}, {}, false};
  for (int i = 0; i < 40; ++i) big.x_ticks.push_back(std::to_string(i));
  for (int i = 0; i < 30; ++i) big.y_ticks.push_back(std::to_string(i));
  for (int i = 0; i < 1200; ++i) big.z.push_back(i % 7 == 0 ? kNaN : i * 1e3);
  const std::string b = svg_heatmap(big);
  EXPECT_EQ(count(b, "class=\"cellv"), 0U);
  EXPECT_EQ(count(b, "<rect"), 1200U + 40U);  // cells + 40 colour-scale steps
}

TEST(HtmlCharts, HistogramBarsAndMarkers) {
  Histogram h{"h", "loss", "n", {0, 1, 2, 3}, {5, 0, 2}, {{"VaR 99%", 2.5}, {"bad", kNaN}}, false};
  const std::string s = svg_histogram(h);
  EXPECT_EQ(count(s, "<rect"), 3U);
  EXPECT_EQ(count(s, "class=\"marker\""), 1U);  // the NaN marker is skipped
  EXPECT_NE(s.find(">VaR 99% = 2.50</text>"), std::string::npos);
}

// Edge cases: every combination below must give well-formed markup without non-finite numbers.
TEST(HtmlCharts, EdgeCasesNoNonFiniteAndBalanced) {
  std::vector<Item> items;
  auto line = [&](std::vector<Series> s, bool step = false) {
    items.emplace_back(LineChart{"line", "x", "y", std::move(s), step, false, false});
  };
  line({});                                                       // no series
  line({{"empty", {}, {}}});                                      // empty series
  line({{"one", {3}, {7}}});                                      // single point
  line({{"flat", {0, 1, 2}, {5, 5, 5}}}, true);                   // all equal
  line({{"zero", {1, 1, 1}, {0, 0, 0}}});                         // all x equal, all zero
  line({{"bad", {kNaN, kInf, -kInf}, {1, kNaN, 2}}});             // nothing finite
  line({{"mixed", {0, 1, kNaN, 3, 4}, {-5, kInf, 2, -1e9, 3}}});  // breaks and negatives
  line({{"huge", {-1e308, 1e308}, {-1e300, 1e300}}});             // huge range
  line({{"tiny", {0, 1e-300}, {1e-300, 2e-300}}});                // tiny range
  line({{"len", {0, 1, 2, 3}, {1, 2}}, {"b", {}, {1}}});          // length mismatch
  line({{"big", {1e15, 1e15 + 1}, {1, 2}}});                      // range negligible vs centre
  Histogram h{"h", "x", "n", {}, {}, {}, false};
  items.emplace_back(h);  // empty
  h.edges = {0, 1};
  h.counts = {3, 4, 5};  // too many counts
  items.emplace_back(h);
  h.edges = {0, kNaN, 2, 3};
  h.counts = {kInf, 1, -2};  // non-finite edges/counts, a negative count
  h.markers = {{"m", kNaN}, {"far", 1e12}};
  items.emplace_back(h);
  h.edges = {5, 5};
  h.counts = {0};  // zero-width, zero-count
  h.markers = {};
  items.emplace_back(h);
  Heatmap hm{"hm", "x", "y", "z", {}, {}, {}, false};
  items.emplace_back(hm);  // no ticks
  hm.x_ticks = {"a", "b"};
  hm.y_ticks = {"c"};
  items.emplace_back(hm);  // no z at all
  hm.z = {kNaN, kInf};
  items.emplace_back(hm);  // nothing finite
  hm.z = {4, 4};
  items.emplace_back(hm);     // all equal
  hm.z = {-1e300, 1e300, 7};  // huge, one extra value ignored
  items.emplace_back(hm);
  items.emplace_back(Table{"", {}, {}});
  items.emplace_back(Table{"ragged", {"a"}, {{"1", "2", "3"}, {}, {"x"}}});
  Report r;
  r.sections.push_back({"", "", items});
  r.sections.push_back({"empty section", "", {}});
  const std::string out = render_html(r);
  EXPECT_FALSE(has_non_finite(out));
  EXPECT_EQ(tag_balance(out), "");
  EXPECT_EQ(count(out, "<svg"), 20U);
  EXPECT_EQ(count(out, "<table>"), 2U);
  for (const Item& it : items) {
    const std::string one = render_html(one_item(it));
    EXPECT_FALSE(has_non_finite(one)) << one;
    EXPECT_EQ(tag_balance(one), "");
  }
}

TEST(Html, NonFiniteDetectorWorks) {  // the detector above is itself tested
  EXPECT_TRUE(has_non_finite("x=\"nan\""));
  EXPECT_TRUE(has_non_finite("M-inf 3"));
  EXPECT_TRUE(has_non_finite("NaN"));
  EXPECT_FALSE(has_non_finite("maintenance margin, info, finance"));
  EXPECT_EQ(tag_balance("<a><b></a></b>").substr(0, 14), "unexpected </a");
  EXPECT_EQ(tag_balance("<a><meta x><i/>"), "unclosed <a>");
}

// ---- whole documents ----

TEST(Html, SampleReportStructure) {
  const Report r = testing_util::sample_report();
  const std::string out = render_html(r);
  EXPECT_EQ(out.rfind("<!DOCTYPE html>", 0), 0U);
  EXPECT_EQ(tag_balance(out), "");
  EXPECT_FALSE(has_non_finite(out));
  EXPECT_EQ(count(out, "<svg"), 5U);  // curve, waves, histogram, fund, heatmap
  EXPECT_EQ(count(out, "<table>"), 2U);
  EXPECT_EQ(count(out, "class=\"card\""), r.summary.size());
  EXPECT_EQ(count(out, "<section id="), r.sections.size());
  // Self-contained: no scripts, no external references.
  EXPECT_EQ(out.find("<script"), std::string::npos);
  EXPECT_EQ(out.find("<link"), std::string::npos);
  EXPECT_EQ(out.find("src="), std::string::npos);
  EXPECT_EQ(count(out, "http"), count(out, "xmlns=\"http://www.w3.org/2000/svg\""));
  EXPECT_EQ(out.find("@import"), std::string::npos);
  // The insurance fund chart is drawn step-wise and has a legend of its 5 paths.
  EXPECT_NE(out.find(">path 5</span>"), std::string::npos);
}

TEST(Html, Deterministic) {
  const Report r = testing_util::sample_report();
  const std::string a = render_html(r);
  const Report copy = r;
  EXPECT_EQ(render_html(copy), a);
  EXPECT_EQ(render_html(r), a);
  Report changed = r;
  std::get<LineChart>(changed.sections[0].items[0]).series[0].y[3] += 1e8;
  EXPECT_NE(render_html(changed), a);
}

}  // namespace
}  // namespace backstop::html
