#include "distribution.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>

namespace throng::agent {

namespace {
// Standard normal by Box-Muller; one of the pair is enough here.
double standard_normal(rng& random) {
  const double u1 = 1.0 - random.uniform();  // (0, 1]
  const double u2 = random.uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}
}  // namespace

double sample(const control::Distribution& d, rng& random) {
  double v = 0;
  switch (d.kind()) {
    case control::Distribution::CONSTANT: v = d.a(); break;
    case control::Distribution::UNIFORM: v = d.a() + (d.b() - d.a()) * random.uniform(); break;
    case control::Distribution::EXPONENTIAL: v = -d.a() * std::log(1.0 - random.uniform()); break;
    case control::Distribution::NORMAL: v = d.a() + d.b() * standard_normal(random); break;
    case control::Distribution::LOG_NORMAL: v = d.a() * std::exp(d.b() * standard_normal(random)); break;
    default: break;
  }
  return std::max(0.0, v);
}

}  // namespace throng::agent
