// File: model/ids.h
// Dense integer ids for assets, perp markets and margin accounts. Ids are indexes into the State's
// vectors, assigned in definition order, so iteration order is deterministic.
#pragma once

#include <cstdint>

namespace backstop {

using AssetId = uint16_t;
using MarketId = uint16_t;
using AccountId = uint32_t;  // a margin account (a cross or isolated sub-account of an owner)
using OwnerId = uint32_t;    // a user; owns one cross sub-account and any isolated ones
using Timestamp =
    int64_t;  // seconds since the Unix epoch (or since scenario start); passed in, never read

inline constexpr int64_t kSecondsPerYear = int64_t{365} * 24 * 3600;

}  // namespace backstop
