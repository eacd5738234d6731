// Money math: table-driven rounding vectors and property tests over every sign combination.
#include <gtest/gtest.h>

#include <random>

#include "backstop/money/fixed.h"
#include "backstop/money/wide.h"

namespace backstop {
namespace {

struct DivCase {
  int64_t a, b;
  int64_t down, up, toward_zero, half_even;
};

// Hand-derived: floor/ceil of a/b for all four sign combinations, exact and inexact.
TEST(Rounding, DivisionTable) {
  const DivCase cases[] = {
      {7, 2, 3, 4, 3, 4},   {-7, 2, -4, -3, -3, -4}, {7, -2, -4, -3, -3, -4},
      {-7, -2, 3, 4, 3, 4}, {6, 3, 2, 2, 2, 2},      {-6, 3, -2, -2, -2, -2},
      {5, 2, 2, 3, 2, 2},   {-5, 2, -3, -2, -2, -2}, {1, 3, 0, 1, 0, 0},
      {-1, 3, -1, 0, 0, 0}, {2, 3, 0, 1, 0, 1},      {0, 5, 0, 0, 0, 0},
      {0, -5, 0, 0, 0, 0},  {15, 10, 1, 2, 1, 2},    {25, 10, 2, 3, 2, 2},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(testing::Message() << c.a << "/" << c.b);
    EXPECT_EQ(div_round(c.a, c.b, Rounding::Down), c.down);
    EXPECT_EQ(div_round(c.a, c.b, Rounding::Up), c.up);
    EXPECT_EQ(div_round(c.a, c.b, Rounding::TowardZero), c.toward_zero);
    EXPECT_EQ(div_round(c.a, c.b, Rounding::HalfEven), c.half_even);
  }
}

// The table of powers of ten: 10^38 is the last that fits int128 (~1.7e38); its decimal digits are
// a one and 38 zeros.
TEST(Rounding, PowersOfTenTable) {
  int128 want = 1;
  for (int n = 0; n <= 38; ++n) {
    ASSERT_EQ(pow10_128(n), want) << n;
    if (n < 38) want *= 10;
  }
  EXPECT_EQ(to_string(pow10_128(38)), "1" + std::string(38, '0'));
  EXPECT_THROW((void)pow10_128(39), OverflowError);
  EXPECT_THROW((void)pow10_128(-1), OverflowError);
}

TEST(Rounding, DivisionByZeroAndOverflowThrow) {
  EXPECT_THROW((void)div_round(1, 0, Rounding::Down), OverflowError);
  EXPECT_THROW((void)div_round(kInt128Min, -1, Rounding::Down), OverflowError);
  EXPECT_THROW((void)mul_div64(INT64_MAX, 4, 2, Rounding::Down), OverflowError);
  EXPECT_THROW((void)(Value::from_raw(INT64_MAX) + Value::from_raw(1)), OverflowError);
  EXPECT_THROW((void)(-Value::from_raw(INT64_MIN)), OverflowError);
}

// Property: floor(a/b)*b <= a < (floor(a/b)+1)*b for b>0 (mirrored for b<0); ceil >= floor, equal
// exactly when b divides a. Random over all sign combinations, including products beyond 2^127.
TEST(Rounding, FloorCeilProperties) {
  std::mt19937_64 rng(12345);
  std::uniform_int_distribution<int64_t> any(INT64_MIN / 2, INT64_MAX / 2);
  std::uniform_int_distribution<int64_t> small(-1000, 1000);
  for (int i = 0; i < 20000; ++i) {
    const int128 a = (i % 3 == 0) ? small(rng) : any(rng);
    int128 b = (i % 2 == 0) ? small(rng) : any(rng);
    if (b == 0) b = 7;
    const int128 f = div_round(a, b, Rounding::Down);
    const int128 c = div_round(a, b, Rounding::Up);
    const int128 t = div_round(a, b, Rounding::TowardZero);
    ASSERT_GE(c, f);
    ASSERT_EQ(c == f, a % b == 0);
    ASSERT_LE(c - f, 1);
    // floor definition: f <= a/b < f+1  <=>  f*b <= a < (f+1)*b when b > 0
    if (b > 0) {
      ASSERT_LE(f * b, a);
      ASSERT_GT((f + 1) * b, a);
    } else {
      ASSERT_GE(f * b, a);
      ASSERT_LT((f + 1) * b, a);
    }
    ASSERT_TRUE(t == f || t == c);
    ASSERT_EQ(t, a / b);
  }
}

// The inline hardware-divide fast path must agree with the general path everywhere, including
// 128-bit dividends whose quotient does or does not fit 64 bits.
TEST(Rounding, FastDivisionMatchesGeneralPath) {
  std::mt19937_64 rng(4242);
  for (int i = 0; i < 50000; ++i) {
    const int128 hi = static_cast<int64_t>(rng()) >> (rng() % 64);
    const int128 a = hi * (int128{1} << 64) + static_cast<int128>(rng());
    int128 b = static_cast<int128>(rng() >> (rng() % 64));
    if (i % 5 == 0) b = -b;
    if (b == 0) b = 10;
    for (Rounding r : {Rounding::Down, Rounding::Up, Rounding::TowardZero}) {
      ASSERT_EQ(div_round(a, b, r), detail::div_round_slow(a, b, r));
    }
  }
}

TEST(Rounding, MulDivMatchesWideArithmetic) {
  std::mt19937_64 rng(99);
  std::uniform_int_distribution<int64_t> any(INT64_MIN, INT64_MAX);
  for (int i = 0; i < 5000; ++i) {
    const int64_t a = any(rng), b = any(rng);
    int64_t d = any(rng);
    if (d == 0) d = 3;
    for (Rounding r : {Rounding::Down, Rounding::Up}) {
      const Int256 exact_num = to256(a) * to256(b);
      Int256 q = exact_num / to256(d);
      if (q * to256(d) != exact_num) {
        const bool neg = (exact_num < 0) != (d < 0);
        if (r == Rounding::Down && neg) q -= 1;
        if (r == Rounding::Up && !neg) q += 1;
      }
      ASSERT_EQ(to256(mul_div(a, b, d, r)), q);
    }
  }
}

// A factor equal to the divisor cancels (mul_div's shortcut): the same as the general path, for
// any rounding, whether the product fits 128 bits or not, and division by zero still throws.
TEST(Rounding, MulDivFactorEqualToTheDivisorCancels) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 20000; ++i) {
    const auto a = static_cast<int128>(static_cast<int64_t>(rng())) << (rng() % 64);
    int128 d = static_cast<int128>(static_cast<int64_t>(rng()) >> (rng() % 63));
    if (d == 0) d = -7;
    for (Rounding r : {Rounding::Down, Rounding::Up, Rounding::TowardZero}) {
      ASSERT_EQ(mul_div(a, d, d, r), a);
      ASSERT_EQ(mul_div(d, a, d, r), a);
      ASSERT_EQ(detail::mul_div_slow(a, d, d, r), a);
    }
  }
  EXPECT_EQ(mul_div(kRatioOne, 5, kRatioOne, Rounding::Up), 5);
  EXPECT_THROW((void)mul_div(0, 0, 0, Rounding::Down), OverflowError);
  EXPECT_THROW((void)mul_div(3, 0, 0, Rounding::Down), OverflowError);
}

TEST(Rounding, MulMulDivExactBeyond128Bits) {
  // (2^62)^3 / 2^60 = 2^126: intermediates need 186 bits.
  const int128 x = int128{1} << 62;
  EXPECT_EQ(mul_mul_div(x, x, x, int128{1} << 60, Rounding::Down), int128{1} << 126);
  EXPECT_EQ(mul_mul_div(-x, x, x, (int128{1} << 60) * 3, Rounding::Down),
            div_round(-(int128{1} << 126), 3, Rounding::Down));
}

TEST(Rounding, CompareRatioCrossMultiplies) {
  EXPECT_EQ(compare_ratio(1, 3, 333333333, 1000000000), 1);
  EXPECT_EQ(compare_ratio(2, 4, 1, 2), 0);
  EXPECT_EQ(compare_ratio(-1, 2, 1, 2), -1);
  const int128 big = kInt128Max / 2;
  EXPECT_EQ(compare_ratio(big, big - 1, big - 1, big - 2), -1);  // 1+1/(n-1) < 1+1/(n-2)
}

TEST(Fixed, ValueOfRoundsBothWays) {
  // 2.5 ETH (9 decimals) at $3000.25 = $7500.625 exactly
  const Quantity q = Quantity::from_raw(2'500'000'000);
  const Price p = Price::from_raw(3'000'250'000'000);
  EXPECT_EQ(value_of(q, 9, p, Rounding::Down).raw(), 7'500'625'000);
  EXPECT_EQ(value_of(q, 9, p, Rounding::Up).raw(), 7'500'625'000);
  // 1 wei-like unit of an 18-decimal asset at $1: 1e-18 USD -> 0 down, 1e-6 up
  EXPECT_EQ(
      value_of(Quantity::from_raw(1), 18, Price::from_raw(1'000'000'000), Rounding::Down).raw(), 0);
  EXPECT_EQ(value_of(Quantity::from_raw(1), 18, Price::from_raw(1'000'000'000), Rounding::Up).raw(),
            1);
  // negative quantities: Down is toward -inf
  EXPECT_EQ(
      value_of(Quantity::from_raw(-1), 18, Price::from_raw(1'000'000'000), Rounding::Down).raw(),
      -1);
  EXPECT_EQ(
      quantity_of(Value::from_raw(1'000'000), 6, Price::from_raw(3'000'000'000), Rounding::Down)
          .raw(),
      333'333);
  EXPECT_EQ(quantity_of(Value::from_raw(1'000'000), 6, Price::from_raw(3'000'000'000), Rounding::Up)
                .raw(),
            333'334);
}

TEST(Fixed, AddSubRoundTripProperty) {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<int64_t> any(INT64_MIN / 2, INT64_MAX / 2);
  for (int i = 0; i < 10000; ++i) {
    const Value a = Value::from_raw(any(rng)), b = Value::from_raw(any(rng));
    ASSERT_EQ((a + b) - b, a);
    ASSERT_EQ(-(-a), a);
    ASSERT_EQ(a - a, Value{});
  }
}

TEST(Decimal, ParseAndFormat) {
  std::string err;
  EXPECT_EQ(parse_decimal("3000.25", 9, &err), 3'000'250'000'000);
  EXPECT_EQ(parse_decimal("-0.000001", 6, &err), -1);
  EXPECT_EQ(parse_decimal("1_000", 0, &err), 1000);
  EXPECT_EQ(parse_decimal("1.50000000000", 2, &err), 150);  // trailing zeros are exact
  EXPECT_FALSE(parse_decimal("1.005", 2, &err));
  EXPECT_NE(err.find("decimal places"), std::string::npos);
  EXPECT_FALSE(parse_decimal("abc", 2, &err));
  EXPECT_FALSE(parse_decimal("", 2, &err));
  EXPECT_FALSE(parse_decimal("1.2.3", 2, &err));
  EXPECT_FALSE(parse_decimal("99999999999999999999", 0, &err));
  EXPECT_FALSE(parse_decimal("9223372036854775808", 0, &err));
  EXPECT_EQ(parse_decimal("9223372036854775807", 0, &err), INT64_MAX);
  EXPECT_EQ(format_decimal(3'000'250'000'000, 9), "3000.25");
  EXPECT_EQ(format_decimal(-1, 6), "-0.000001");
  EXPECT_EQ(format_decimal(0, 6), "0");
  EXPECT_EQ(format_decimal(1000, 0), "1000");
  EXPECT_EQ(format_decimal(-1'500'000, 6), "-1.5");
  EXPECT_EQ(format_decimal(123, 2), "1.23");
  EXPECT_EQ(format_decimal(100, 2), "1");
  EXPECT_EQ(format_decimal(5, 3), "0.005");
  EXPECT_EQ(format_decimal(-50, 3), "-0.05");
  EXPECT_EQ(format_decimal(120, 3), "0.12");
  // The int128 extremes: the magnitude of the smallest value is formatted without overflow.
  const int128 min128 = -(int128{1} << 126) * 2;
  EXPECT_EQ(format_decimal(min128, 0), "-170141183460469231731687303715884105728");
  EXPECT_EQ(format_decimal(min128, 38), "-1.70141183460469231731687303715884105728");
  EXPECT_EQ(format_decimal(min128 + 1, 39), "-0.170141183460469231731687303715884105727");
  EXPECT_EQ(to_string(min128), "-170141183460469231731687303715884105728");
  EXPECT_EQ(to_string(-(min128 + 1)), "170141183460469231731687303715884105727");
  EXPECT_EQ(format_decimal((int128{1} << 64) - 1, 2), "184467440737095516.15");  // 64-bit path
  EXPECT_EQ(format_decimal(-(int128{1} << 64), 2), "-184467440737095516.16");    // 128-bit path
  EXPECT_EQ(to_string(int128{INT64_MIN}), "-9223372036854775808");
  EXPECT_EQ(to_string(int128{INT64_MAX} + 1), "9223372036854775808");
  EXPECT_EQ(to_string(int128{-42}), "-42");
  EXPECT_EQ(to_string(int128{0}), "0");
}

TEST(Decimal, FormatParseRoundTripProperty) {
  std::mt19937_64 rng(3);
  std::uniform_int_distribution<int64_t> any(INT64_MIN + 1, INT64_MAX);
  for (int i = 0; i < 5000; ++i) {
    const int64_t v = any(rng);
    const int d = static_cast<int>(rng() % 19);
    std::string err;
    ASSERT_EQ(parse_decimal(format_decimal(v, d), d, &err), v) << err;
  }
}

}  // namespace
}  // namespace backstop
