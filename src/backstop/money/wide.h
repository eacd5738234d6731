// File: money/wide.h
// 256-bit signed integers (Boost.Multiprecision) for the rare exact paths where an int128 product
// overflows. Conversions are exact or throw OverflowError. Pure, thread-safe.
#pragma once

#include <boost/multiprecision/cpp_int.hpp>

#include "backstop/money/int128.h"

namespace backstop {

using Int256 = boost::multiprecision::int256_t;

[[nodiscard]] Int256 to256(int128 v);
[[nodiscard]] int128 from256(const Int256& v);  // throws OverflowError if it does not fit

}  // namespace backstop
