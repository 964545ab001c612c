#pragma once
// A token bucket: `rate` tokens a second, holding at most `burst`. A rate of 0
// means unlimited. Single-threaded: each bucket belongs to one shard.

#include <algorithm>
#include <cstdint>

namespace throng::server {

class token_bucket {
 public:
  token_bucket() = default;
  token_bucket(double rate, double burst, std::int64_t now_ns) : rate_(rate), burst_(burst), tokens_(burst), at_ns_(now_ns) {}

  // Takes one token if there is one.
  bool try_take(std::int64_t now_ns) {
    if (rate_ <= 0) return true;
    refill(now_ns);
    if (tokens_ < 1) return false;
    tokens_ -= 1;
    return true;
  }

  // Seconds until a token will be there (for the retry hint).
  double seconds_until_next(std::int64_t now_ns) {
    if (rate_ <= 0) return 0;
    refill(now_ns);
    return tokens_ >= 1 ? 0 : (1 - tokens_) / rate_;
  }

 private:
  void refill(std::int64_t now_ns) {
    if (now_ns > at_ns_) tokens_ = std::min(burst_, tokens_ + rate_ * static_cast<double>(now_ns - at_ns_) * 1e-9);
    at_ns_ = now_ns;
  }

  double rate_ = 0;
  double burst_ = 0;
  double tokens_ = 0;
  std::int64_t at_ns_ = 0;
};

}  // namespace throng::server
