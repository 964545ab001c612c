#include "sequence_tracker.hpp"

#include <algorithm>

namespace throng::agent {

void sequence_tracker::set_baseline(std::uint64_t last_seen_seq) {
  highest_ = last_seen_seq;
  has_baseline_ = true;
}

void sequence_tracker::on_seq(std::uint64_t seq, std::int64_t now, std::int64_t grace_ns, sequence_counts& out,
                              bool replay) {
  if (!has_baseline_) {
    set_baseline(seq);
    return;
  }
  if (seq > highest_) {
    if (seq > highest_ + 1) gaps_.push_back({highest_ + 1, seq, now + grace_ns});
    highest_ = seq;
    return;
  }
  // At or below the highest: either it fills a gap or we had it already.
  const auto it = std::find_if(gaps_.begin(), gaps_.end(), [seq](const gap& g) { return seq >= g.from && seq < g.to; });
  if (it == gaps_.end()) {
    if (!replay) ++out.duplicated;
    return;
  }
  if (!replay) ++out.out_of_order;
  if (seq == it->from) {
    ++it->from;
  } else if (seq + 1 == it->to) {
    --it->to;
  } else {
    const gap tail{seq + 1, it->to, it->deadline};
    it->to = seq;
    gaps_.insert(it + 1, tail);
    return;
  }
  if (it->from == it->to) gaps_.erase(it);
}

void sequence_tracker::expire(std::int64_t now, sequence_counts& out) {
  std::erase_if(gaps_, [&](const gap& g) {
    if (g.deadline > now) return false;
    out.lost += g.to - g.from;
    return true;
  });
}

void sequence_tracker::close(sequence_counts& out) {
  for (const auto& g : gaps_) out.lost += g.to - g.from;
  gaps_.clear();
}

std::uint64_t sequence_tracker::resume_from() const { return gaps_.empty() ? highest_ : gaps_.front().from - 1; }

std::uint64_t sequence_tracker::open_gaps() const {
  std::uint64_t n = 0;
  for (const auto& g : gaps_) n += g.to - g.from;
  return n;
}

}  // namespace throng::agent
