#include "backstop/liquidation/auction.h"

#include "backstop/liquidation/wide_math.h"

namespace backstop::liquidation {
namespace {

Int256 pow10_256(int n) {
  Int256 r = 1;
  for (int i = 0; i < n; ++i) r *= 10;
  return r;
}

// dss `mul`: reverts on overflow. We keep every product below 2^254 (exactness of the signed
// 256-bit type); a product that could reach it throws OverflowError.
Int256 mul(const Int256& a, const Int256& b) {
  if (a == 0 || b == 0) return 0;
  if (a < 0 || b < 0) throw OverflowError("maker: negative operand");
  if (boost::multiprecision::msb(a) + boost::multiprecision::msb(b) >= 252) {
    throw OverflowError("maker: product overflow");
  }
  return a * b;
}
Int256 div(const Int256& a, const Int256& b) {  // uint256 floor division; b > 0
  return div_round256(a, b, Rounding::Down);
}
Int256 wmul(const Int256& x, const Int256& y) {
  return div(mul(x, y), maker_wad());
}
Int256 rmul(const Int256& x, const Int256& y) {
  return div(mul(x, y), maker_ray());
}
Int256 rdiv(const Int256& x, const Int256& y) {
  return div(mul(x, maker_ray()), y);
}
Int256 min(const Int256& a, const Int256& b) {
  return a < b ? a : b;
}

bool valid_params(const MakerClipParams& p) {
  return p.buf_ray >= 0 && p.cusp_ray >= 0 && p.chip_wad >= 0 && p.tip_rad >= 0 &&
         p.chost_rad >= 0 && p.curve.cut_ray >= 0 && p.curve.cut_ray <= maker_ray() &&
         (p.curve.kind != MakerCurveKind::kStairstepExponential || p.curve.step > 0);
}

Int256 incentive(const Int256& tab_rad, const MakerClipParams& p) {
  if (p.tip_rad > 0 || p.chip_wad > 0) return p.tip_rad + wmul(tab_rad, p.chip_wad);
  return 0;
}

}  // namespace

const Int256& maker_wad() {
  static const Int256 k = pow10_256(18);
  return k;
}
const Int256& maker_ray() {
  static const Int256 k = pow10_256(27);
  return k;
}
const Int256& maker_rad() {
  static const Int256 k = pow10_256(45);
  return k;
}

MakerBarkResult maker_bark(const MakerUrn& urn, const MakerIlk& ilk, const MakerDogGlobal& dog) {
  MakerBarkResult out;
  auto fail = [&](MakerError e) {
    out.error = e;
    return out;
  };
  if (urn.ink_wad < 0 || urn.art_wad < 0 || ilk.rate_ray <= 0 || ilk.spot_ray < 0 ||
      ilk.dust_rad < 0 || ilk.chop_wad < maker_wad() || ilk.hole_rad < 0 || ilk.dirt_rad < 0 ||
      dog.hole_rad < 0 || dog.dirt_rad < 0) {
    return fail(MakerError::kInvalidInput);
  }
  // require(spot > 0 && mul(ink, spot) < mul(art, rate), "Dog/not-unsafe")
  if (!(ilk.spot_ray > 0 && mul(urn.ink_wad, ilk.spot_ray) < mul(urn.art_wad, ilk.rate_ray))) {
    return fail(MakerError::kNotUnsafe);
  }
  // require(Hole > Dirt && milk.hole > milk.dirt, "Dog/liquidation-limit-hit")
  if (!(dog.hole_rad > dog.dirt_rad && ilk.hole_rad > ilk.dirt_rad)) {
    return fail(MakerError::kLiquidationLimitHit);
  }
  const Int256 room = min(dog.hole_rad - dog.dirt_rad, ilk.hole_rad - ilk.dirt_rad);
  // dart = min(art, mul(room, WAD) / rate / milk.chop)  -- two floors, in this order
  Int256 dart = min(urn.art_wad, div(div(mul(room, maker_wad()), ilk.rate_ray), ilk.chop_wad));
  if (urn.art_wad > dart) {
    if (mul(urn.art_wad - dart, ilk.rate_ray) < ilk.dust_rad) {
      dart = urn.art_wad;  // never leave a dusty vault behind (may exceed the room)
    } else if (mul(dart, ilk.rate_ray) < ilk.dust_rad) {
      return fail(MakerError::kDustyPartial);
    }
  }
  const Int256 dink = div(mul(urn.ink_wad, dart), urn.art_wad);
  if (!(dink > 0)) return fail(MakerError::kNullAuction);
  out.dart_wad = dart;
  out.dink_wad = dink;
  out.due_rad = mul(dart, ilk.rate_ray);
  out.tab_rad = div(mul(out.due_rad, ilk.chop_wad), maker_wad());
  out.ilk_dirt_rad = ilk.dirt_rad + out.tab_rad;
  out.dirt_rad = dog.dirt_rad + out.tab_rad;
  return out;
}

Int256 maker_rpow(const Int256& x_in, uint64_t n, const Int256& b) {
  if (x_in < 0 || b <= 0) throw OverflowError("maker rpow: negative input");
  if (n == 0) return b;
  if (x_in == 0) return 0;
  static const Int256 k2_128 = Int256(1) << 128;
  Int256 x = x_in;
  Int256 z = (n % 2 == 0) ? b : x;
  const Int256 half = div(b, 2);
  for (n /= 2; n != 0; n /= 2) {
    if (x >= k2_128) throw OverflowError("maker rpow: x >= 2^128");
    x = div(x * x + half, b);  // x < 2^128: the square fits
    if (n % 2 == 1) {
      z = div(mul(z, x) + half, b);
    }
  }
  return z;
}

Int256 maker_curve_price(const MakerCurve& c, const Int256& top_ray, uint64_t dur) {
  switch (c.kind) {
    case MakerCurveKind::kLinearDecrease:
      // if (dur >= tau) return 0; return rmul(top, mul(tau - dur, RAY) / tau);
      if (dur >= c.tau) return 0;
      return rmul(top_ray, div(mul(Int256(c.tau - dur), maker_ray()), Int256(c.tau)));
    case MakerCurveKind::kStairstepExponential:
      if (c.step == 0) throw OverflowError("maker stairstep: zero step");
      return rmul(top_ray, maker_rpow(c.cut_ray, dur / c.step, maker_ray()));
    case MakerCurveKind::kExponential:
      return rmul(top_ray, maker_rpow(c.cut_ray, dur, maker_ray()));
  }
  return 0;
}

Int256 maker_chost(const Int256& dust_rad, const Int256& chop_wad) {
  return wmul(dust_rad, chop_wad);
}

MakerKickResult maker_kick(const Int256& tab_rad, const Int256& lot_wad,
                           const Int256& feed_price_ray, uint64_t now, const MakerClipParams& p) {
  MakerKickResult out;
  if (!valid_params(p) || tab_rad < 0 || lot_wad < 0 || feed_price_ray < 0) {
    out.error = MakerError::kInvalidInput;
    return out;
  }
  if (tab_rad == 0) {
    out.error = MakerError::kZeroTab;
    return out;
  }
  if (lot_wad == 0) {
    out.error = MakerError::kZeroLot;
    return out;
  }
  const Int256 top = rmul(feed_price_ray, p.buf_ray);
  if (!(top > 0)) {
    out.error = MakerError::kZeroTopPrice;
    return out;
  }
  out.sale = MakerSale{tab_rad, lot_wad, now, top};
  out.coin_rad = incentive(tab_rad, p);
  return out;
}

MakerStatus maker_status(const MakerSale& s, uint64_t now, const MakerClipParams& p) {
  MakerStatus st;
  if (!s.running() || now < s.tic || s.top_ray <= 0) {
    st.needs_redo = true;
    return st;
  }
  const uint64_t dur = now - s.tic;
  st.price_ray = maker_curve_price(p.curve, s.top_ray, dur);
  st.needs_redo = dur > p.tail || rdiv(st.price_ray, s.top_ray) < p.cusp_ray;
  return st;
}

MakerKickResult maker_redo(const MakerSale& s, const Int256& feed_price_ray, uint64_t now,
                           const MakerClipParams& p) {
  MakerKickResult out;
  if (!valid_params(p) || feed_price_ray < 0) {
    out.error = MakerError::kInvalidInput;
    return out;
  }
  if (!s.running()) {
    out.error = MakerError::kNotRunning;
    return out;
  }
  if (!maker_status(s, now, p).needs_redo) {
    out.error = MakerError::kCannotReset;
    return out;
  }
  const Int256 top = rmul(feed_price_ray, p.buf_ray);
  if (!(top > 0)) {
    out.error = MakerError::kZeroTopPrice;
    return out;
  }
  out.sale = MakerSale{s.tab_rad, s.lot_wad, now, top};
  if ((p.tip_rad > 0 || p.chip_wad > 0) && s.tab_rad >= p.chost_rad &&
      mul(s.lot_wad, feed_price_ray) >= p.chost_rad) {
    out.coin_rad = incentive(s.tab_rad, p);
  }
  return out;
}

MakerTakeResult maker_take(const MakerSale& s, const Int256& amt_wad, const Int256& max_ray,
                           uint64_t now, const MakerClipParams& p) {
  MakerTakeResult out;
  auto fail = [&](MakerError e) {
    out.error = e;
    out.sale = s;
    return out;
  };
  if (!valid_params(p) || amt_wad < 0 || max_ray < 0 || s.tab_rad < 0) {
    return fail(MakerError::kInvalidInput);
  }
  if (!s.running()) return fail(MakerError::kNotRunning);
  const MakerStatus st = maker_status(s, now, p);
  if (st.needs_redo) return fail(MakerError::kNeedsReset);
  const Int256& price = st.price_ray;
  if (!(max_ray >= price)) return fail(MakerError::kTooExpensive);
  out.price_ray = price;

  Int256 lot = s.lot_wad;
  Int256 tab = s.tab_rad;
  Int256 slice = min(lot, amt_wad);
  Int256 owe = mul(slice, price);
  if (owe > tab) {
    // Do not collect more than tab of DAI.
    if (price == 0) return fail(MakerError::kZeroPrice);
    owe = tab;
    slice = div(owe, price);
  } else if (owe < tab && slice < lot) {
    // Do not leave a remainder below chost unless the whole lot goes.
    if (tab - owe < p.chost_rad) {
      if (!(tab > p.chost_rad)) return fail(MakerError::kNoPartialPurchase);
      if (price == 0) return fail(MakerError::kZeroPrice);
      owe = tab - p.chost_rad;
      slice = div(owe, price);
    }
  }
  tab -= owe;
  lot -= slice;
  out.slice_wad = slice;
  out.owe_rad = owe;
  out.dirt_released_rad = lot == 0 ? tab + owe : owe;
  if (lot == 0) {
    out.tab_dropped_rad = tab;  // the shortfall stays as Vow sin
    out.finished = true;
    out.sale = MakerSale{0, 0, s.tic, s.top_ray};
  } else if (tab == 0) {
    out.lot_returned_wad = lot;  // back to the vault owner
    out.finished = true;
    out.sale = MakerSale{0, 0, s.tic, s.top_ray};
  } else {
    out.sale = MakerSale{tab, lot, s.tic, s.top_ray};
  }
  return out;
}

Int256 maker_wad_from(Quantity q, int decimals) {
  if (decimals < 0 || decimals > 18) throw OverflowError("maker: decimals out of range");
  return to256(q.raw()) * pow10_256(18 - decimals);
}
Int256 maker_ray_from(Ratio r) {
  return to256(r.raw()) * pow10_256(27 - kRatioDecimals);
}
Int256 maker_ray_from(Price p) {
  return to256(p.raw()) * pow10_256(27 - kPriceDecimals);
}
Int256 maker_rad_from(Value v) {
  return to256(v.raw()) * pow10_256(45 - kValueDecimals);
}
Value maker_value_from_rad(const Int256& rad, Rounding r) {
  return Value::from_raw(
      narrow64(from256(div_round256(rad, pow10_256(45 - kValueDecimals), r)), "rad"));
}
Quantity maker_quantity_from_wad(const Int256& wad, int decimals, Rounding r) {
  if (decimals < 0 || decimals > 18) throw OverflowError("maker: decimals out of range");
  return Quantity::from_raw(
      narrow64(from256(div_round256(wad, pow10_256(18 - decimals), r)), "wad"));
}

const char* to_string(MakerError e) {
  switch (e) {
    case MakerError::kNone:
      return "none";
    case MakerError::kInvalidInput:
      return "invalid input";
    case MakerError::kNotUnsafe:
      return "Dog/not-unsafe";
    case MakerError::kLiquidationLimitHit:
      return "Dog/liquidation-limit-hit";
    case MakerError::kDustyPartial:
      return "Dog/dusty-auction-from-partial-liquidation";
    case MakerError::kNullAuction:
      return "Dog/null-auction";
    case MakerError::kZeroTab:
      return "Clipper/zero-tab";
    case MakerError::kZeroLot:
      return "Clipper/zero-lot";
    case MakerError::kZeroTopPrice:
      return "Clipper/zero-top-price";
    case MakerError::kNotRunning:
      return "Clipper/not-running-auction";
    case MakerError::kNeedsReset:
      return "Clipper/needs-reset";
    case MakerError::kCannotReset:
      return "Clipper/cannot-reset";
    case MakerError::kTooExpensive:
      return "Clipper/too-expensive";
    case MakerError::kNoPartialPurchase:
      return "Clipper/no-partial-purchase";
    case MakerError::kZeroPrice:
      return "division by zero price";
  }
  return "unknown";
}

}  // namespace backstop::liquidation
