// html_sample: writes the sample report of html_sample.h (one of each chart and table) to the
// path given as the only argument. Test-only; feeds tests/screenshot_test.py.
#include <cstdio>
#include <fstream>

#include "backstop/report/html.h"
#include "html_sample.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: html_sample OUT.html\n");
    return 2;
  }
  std::ofstream out(argv[1], std::ios::binary);
  out << backstop::html::render_html(backstop::testing_util::sample_report());
  out.close();
  if (!out) {
    std::fprintf(stderr, "html_sample: cannot write %s\n", argv[1]);
    return 1;
  }
  return 0;
}
