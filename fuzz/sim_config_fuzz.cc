// libFuzzer target: cmake --preset fuzz && cmake --build --preset fuzz &&
//   build/fuzz/fuzz/sim_config_fuzz -dict=fuzz/scenario.dict examples/simulate tests/data/sim
#include "targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  (void)backstop::fuzz::sim_config_text(data, size);
  return 0;
}
