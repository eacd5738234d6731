// libFuzzer target: cmake --preset fuzz && cmake --build --preset fuzz &&
//   build/fuzz/fuzz/scenario_fuzz -dict=fuzz/scenario.dict examples/
#include "targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  backstop::fuzz::scenario_text(data, size);
  return 0;
}
