// Seeded draws with statistical bounds: with 200,000 draws the sample mean
// of these distributions is within well under 1% of the true mean, so the
// bounds below only fail when the sampler is wrong.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "model/distribution.hpp"

namespace throng::agent {
namespace {

control::Distribution make(control::Distribution::Kind kind, double a, double b = 0) {
  control::Distribution d;
  d.set_kind(kind);
  d.set_a(a);
  d.set_b(b);
  return d;
}

struct moments {
  double mean = 0, stddev = 0, median = 0, min = 0, max = 0;
};

moments draw(const control::Distribution& d, std::uint64_t seed = 42, int n = 200'000) {
  rng random(seed);
  std::vector<double> v(static_cast<std::size_t>(n));
  for (auto& x : v) x = sample(d, random);
  moments m;
  for (double x : v) m.mean += x;
  m.mean /= n;
  for (double x : v) m.stddev += (x - m.mean) * (x - m.mean);
  m.stddev = std::sqrt(m.stddev / (n - 1));
  std::sort(v.begin(), v.end());
  m.median = v[v.size() / 2];
  m.min = v.front();
  m.max = v.back();
  return m;
}

TEST(Distribution, ConstantAlwaysGivesItsValue) {
  const auto m = draw(make(control::Distribution::CONSTANT, 2.5), 1, 1000);
  EXPECT_EQ(m.min, 2.5);
  EXPECT_EQ(m.max, 2.5);
}

TEST(Distribution, UniformStaysInItsRangeWithTheRightMoments) {
  const auto m = draw(make(control::Distribution::UNIFORM, 1, 3));
  EXPECT_GE(m.min, 1.0);
  EXPECT_LT(m.max, 3.0);
  EXPECT_NEAR(m.mean, 2.0, 0.01);
  EXPECT_NEAR(m.stddev, 2 / std::sqrt(12.0), 0.01);  // (b - a) / sqrt(12)
}

TEST(Distribution, ExponentialHasMeanAndStddevEqualToItsMean) {
  const auto m = draw(make(control::Distribution::EXPONENTIAL, 0.5));
  EXPECT_NEAR(m.mean, 0.5, 0.005);
  EXPECT_NEAR(m.stddev, 0.5, 0.01);
  EXPECT_NEAR(m.median, 0.5 * std::log(2.0), 0.01);
  EXPECT_GE(m.min, 0.0);
}

TEST(Distribution, NormalHasItsMeanAndStddev) {
  const auto m = draw(make(control::Distribution::NORMAL, 10, 2));
  EXPECT_NEAR(m.mean, 10.0, 0.02);
  EXPECT_NEAR(m.stddev, 2.0, 0.02);
}

TEST(Distribution, NormalIsCutAtZeroNeverNegative) {
  const auto m = draw(make(control::Distribution::NORMAL, 0.1, 1), 7, 10'000);
  EXPECT_GE(m.min, 0.0);
}

TEST(Distribution, LogNormalHasItsMedianAndMean) {
  const auto d = make(control::Distribution::LOG_NORMAL, 2, 0.5);
  const auto m = draw(d);
  EXPECT_NEAR(m.median, 2.0, 0.02);                         // the median is the scale
  EXPECT_NEAR(m.mean, distribution_mean(d), 0.01 * distribution_mean(d));             // scale * exp(sigma^2 / 2)
  EXPECT_NEAR(distribution_mean(d), 2 * std::exp(0.125), 1e-12);
}

TEST(Distribution, TheSameSeedGivesTheSameDraws) {
  const auto d = make(control::Distribution::EXPONENTIAL, 1);
  rng a(99, 5, stream::sends), b(99, 5, stream::sends), other(99, 6, stream::sends);
  bool differs = false;
  for (int i = 0; i < 100; ++i) {
    const double x = sample(d, a);
    EXPECT_EQ(x, sample(d, b));
    differs |= x != sample(d, other);
  }
  EXPECT_TRUE(differs) << "another key must give another stream";
}

TEST(Distribution, UnsetMeansConstantZero) {
  EXPECT_FALSE(distribution_is_set(control::Distribution{}));
  EXPECT_TRUE(distribution_is_set(make(control::Distribution::CONSTANT, 1)));
  EXPECT_TRUE(distribution_is_set(make(control::Distribution::EXPONENTIAL, 0)));
}

TEST(Distribution, BadParametersAreExplained) {
  EXPECT_EQ(distribution_problem(make(control::Distribution::UNIFORM, 1, 2), "think_time"), "");
  EXPECT_NE(distribution_problem(make(control::Distribution::UNIFORM, 3, 2), "think_time").find("min <= max"), std::string::npos);
  EXPECT_NE(distribution_problem(make(control::Distribution::CONSTANT, -1), "think_time").find("negative"), std::string::npos);
  EXPECT_NE(distribution_problem(make(control::Distribution::NORMAL, 1, -1), "think_time").find("spread"), std::string::npos);
  EXPECT_NE(distribution_problem(make(control::Distribution::NORMAL, NAN, 1), "think_time").find("finite"), std::string::npos);
}

TEST(Zipf, RanksFollowThePowerLaw) {
  const zipf_table zipf(100, 1.0);
  double harmonic = 0;
  for (int k = 1; k <= 100; ++k) harmonic += 1.0 / k;
  EXPECT_NEAR(zipf.probability(0), 1 / harmonic, 1e-12);
  EXPECT_NEAR(zipf.probability(9), 0.1 / harmonic, 1e-12);

  rng random(3);
  std::vector<int> counts(100);
  const int n = 200'000;
  for (int i = 0; i < n; ++i) ++counts[zipf.draw(random)];
  // Binomial standard error of the top rank is about 0.1%; allow 5 of them.
  EXPECT_NEAR(counts[0] / double(n), zipf.probability(0), 0.005);
  EXPECT_NEAR(counts[1] / double(n), zipf.probability(1), 0.005);
  EXPECT_GT(counts[0], counts[1]);
  EXPECT_GT(counts[1], counts[10]);
}

TEST(Zipf, ExponentZeroIsUniform) {
  const zipf_table zipf(4, 0.0);
  for (std::uint32_t k = 0; k < 4; ++k) EXPECT_NEAR(zipf.probability(k), 0.25, 1e-12);
}

TEST(Random, BelowStaysBelowAndCoversTheRange) {
  rng random(11);
  std::vector<int> seen(7);
  for (int i = 0; i < 10'000; ++i) {
    const auto v = random.below(7);
    ASSERT_LT(v, 7u);
    ++seen[v];
  }
  for (int c : seen) EXPECT_NEAR(c, 10'000 / 7.0, 200);
  EXPECT_EQ(random.below(0), 0u);
}

}  // namespace
}  // namespace throng::agent
