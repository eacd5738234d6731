// Resolution records' field values (resolution/record.h): text, or an exact decimal formatted only
// when read. The formatted text must equal format_decimal's (money/fixed.h), which the JSON log
// documents (docs/json-output.md, "resolution").
#include "backstop/resolution/record.h"

#include <gtest/gtest.h>

#include <random>
#include <sstream>

namespace backstop {
namespace {

TEST(RecordValue, DecimalsReadAsFormatDecimal) {
  struct Case {
    int128 raw;
    int decimals;
    const char* text;
  };
  // Minimal exact decimals, as format_decimal writes them (the vectors of money_test).
  const Case cases[] = {
      {0, 0, "0"},
      {0, 9, "0"},
      {15, 1, "1.5"},
      {-1, 6, "-0.000001"},
      {3000, 0, "3000"},
      {3000000000000, 9, "3000"},
      {-123456789, 4, "-12345.6789"},
      {kInt128Min, 0, "-170141183460469231731687303715884105728"},
  };
  for (const Case& c : cases) {
    const RecordValue v = RecordValue::decimal(c.raw, c.decimals);
    EXPECT_EQ(v.str(), c.text) << c.text;
    EXPECT_EQ(v, c.text);
    EXPECT_EQ(static_cast<std::string>(v), c.text);
    ASSERT_TRUE(v.as_decimal().has_value());
    EXPECT_EQ(v.as_decimal()->first, c.raw);
    EXPECT_EQ(v.as_decimal()->second, c.decimals);
    std::ostringstream os;
    os << v;
    EXPECT_EQ(os.str(), c.text);
  }
}

TEST(RecordValue, TextIsKeptAsGiven) {
  const RecordValue v("partial_to_buffer");
  EXPECT_EQ(v.str(), "partial_to_buffer");
  EXPECT_FALSE(v.as_decimal().has_value());
  EXPECT_EQ(RecordValue(std::string("1.50")).str(), "1.50");  // text is not normalised
}

TEST(RecordValue, EqualExactlyWhenTheTextsAre) {
  // Same number, different decimals: same text, so equal.
  EXPECT_EQ(RecordValue::decimal(15, 1), RecordValue::decimal(1500, 3));
  EXPECT_EQ(RecordValue::decimal(15, 1), RecordValue("1.5"));
  EXPECT_EQ(RecordValue("1.5"), RecordValue::decimal(15, 1));
  EXPECT_FALSE(RecordValue::decimal(15, 1) == RecordValue("1.50"));
  EXPECT_FALSE(RecordValue::decimal(15, 1) == RecordValue::decimal(15, 2));
  EXPECT_FALSE(RecordValue("a") == RecordValue("b"));
  // Property: for random pairs, == agrees with comparing the texts.
  std::mt19937_64 rng(11);
  auto random_value = [&] {
    const int128 raw = static_cast<int128>(static_cast<int64_t>(rng() % 2001) - 1000) *
                       static_cast<int128>(rng() % 3 == 0 ? 10 : 1);
    const int decimals = static_cast<int>(rng() % 4);
    if (rng() % 4 == 0) return RecordValue(RecordValue::decimal(raw, decimals).str());
    return RecordValue::decimal(raw, decimals);
  };
  for (int i = 0; i < 5000; ++i) {
    const RecordValue a = random_value();
    const RecordValue b = random_value();
    EXPECT_EQ(a == b, a.str() == b.str()) << a << " vs " << b;
  }
}

TEST(RecordValue, NegativeDecimalsAreRejected) {
  EXPECT_THROW((void)RecordValue::decimal(1, -1), std::invalid_argument);
}

}  // namespace
}  // namespace backstop
