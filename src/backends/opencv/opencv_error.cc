#include "backends/opencv/opencv_error.h"

#include <sstream>

namespace nnd::backends::opencv {

std::string one_line(const cv::Exception& error) {
  std::istringstream lines(error.err.empty() ? error.msg : error.err);
  std::string line, joined;
  while (std::getline(lines, line)) {
    size_t start = line.find_first_not_of("> \t\r");
    if (start == std::string::npos) continue;
    size_t end = line.find_last_not_of(" \t\r");
    if (!joined.empty()) joined += ' ';
    joined += line.substr(start, end - start + 1);
  }
  return joined;
}

}  // namespace nnd::backends::opencv
