#pragma once
// Per room and receiver: which `seq`s arrived. A gap is not lost at once: it
// may still be filled (a replay after a reconnect, or a late frame); only a
// gap still open after the grace period counts as lost.

#include <cstdint>
#include <vector>

namespace throng::agent {

struct sequence_counts {
  std::uint64_t lost = 0, duplicated = 0, out_of_order = 0;
};

class sequence_tracker {
 public:
  // Before a baseline, the first message sets it (nothing before it is expected).
  void set_baseline(std::uint64_t last_seen_seq);
  bool has_baseline() const { return has_baseline_; }

  // A live message. `replay` marks history after a rejoin: seqs already seen are
  // then expected and not counted as duplicates.
  void on_seq(std::uint64_t seq, std::int64_t now, std::int64_t grace_ns, sequence_counts& out, bool replay = false);
  // Counts the gaps whose grace period is over as lost.
  void expire(std::int64_t now, sequence_counts& out);
  // Counts every open gap as lost (the receiver leaves for good).
  void close(sequence_counts& out);

  // For a rejoin: replay everything after this to fill the open gaps.
  std::uint64_t resume_from() const;
  std::uint64_t highest() const { return highest_; }
  std::uint64_t open_gaps() const;

 private:
  struct gap {
    std::uint64_t from, to;   // missing [from, to)
    std::int64_t deadline;
  };
  std::vector<gap> gaps_;     // few at a time; kept in seq order
  std::uint64_t highest_ = 0;
  bool has_baseline_ = false;
};

}  // namespace throng::agent
