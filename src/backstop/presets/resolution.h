// File: presets/resolution.h
// The liquidation and loss-waterfall defaults of each venue preset (docs/presets.md,
// "Resolution"), used as the starting point of a scenario's [resolution] table. Pure data.
#pragma once

#include <string_view>

#include "backstop/resolution/config.h"

namespace backstop {

// Defaults for `preset` (enabled = true); a plain ResolutionConfig for an unknown name.
[[nodiscard]] ResolutionConfig preset_resolution(std::string_view preset);

}  // namespace backstop
