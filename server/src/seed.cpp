#include "throng/server/seed.hpp"

#include <cmath>
#include <future>
#include <random>
#include <stdexcept>
#include <unordered_map>

#include "fanout.hpp"
#include "store/message_store.hpp"
#include "throng/common/clock.hpp"

namespace throng::server {
namespace {

constexpr const char* words[] = {"hello", "anyone", "around", "lunch", "deploy", "green", "again", "nice",
                                 "thanks", "see", "you", "tomorrow", "ship", "it", "lol", "what", "about",
                                 "the", "load", "test", "numbers", "look", "good", "brb"};

std::string body_of(std::mt19937_64& rng, std::uint32_t bytes) {
  std::string body;
  std::uniform_int_distribution<std::size_t> pick(0, std::size(words) - 1);
  while (body.size() < bytes) {
    if (!body.empty()) body.push_back(' ');
    body.append(words[pick(rng)]);
  }
  body.resize(bytes);
  return body;
}

}  // namespace

std::uint64_t seed_store(const seed_options& o, const std::function<void(std::uint64_t, std::uint64_t)>& progress) {
  // Named by their flags: this is what `throng-server seed` tells the user.
  if (o.rooms == 0) throw std::invalid_argument("--rooms must be at least 1");
  if (o.users == 0) throw std::invalid_argument("--users must be at least 1");
  if (!(o.rate_per_s > 0)) throw std::invalid_argument("--rate must be above 0 messages per second");
  if (!(o.months > 0)) throw std::invalid_argument("--months must be above 0 (fractions such as 0.5 are fine)");
  store_options options;
  options.path = o.store_path;
  options.durable = false;  // one fsync at the end is enough for a fill
  options.commit_max_messages = 20'000;
  auto store = o.postgres_urls.empty() ? open_sqlite_store(options) : open_postgres_store(o.postgres_urls, options);

  std::unordered_map<std::string, std::uint64_t> next_seq;
  for (auto& room : store->load_rooms(0)) next_seq[room.name] = room.last_seq + 1;

  // Zipf weights: room k gets 1 / (k+1)^skew of the traffic.
  std::vector<double> weights(o.rooms);
  for (std::uint32_t k = 0; k < o.rooms; ++k) weights[k] = 1.0 / std::pow(k + 1.0, o.zipf_skew);
  std::discrete_distribution<std::uint32_t> pick_room(weights.begin(), weights.end());
  std::uniform_int_distribution<std::uint32_t> pick_user(0, o.users - 1);
  std::exponential_distribution<double> gap_s(o.rate_per_s);
  std::mt19937_64 rng(o.seed);

  const double span_s = o.months * 30.44 * 86400;
  const auto total = static_cast<std::uint64_t>(span_s * o.rate_per_s);
  const std::int64_t end_ns = wall_ns();
  double t = end_ns * 1e-9 - span_s;
  store->prepare_history_since(static_cast<std::int64_t>(t * 1e9));

  std::uint64_t written = 0;
  std::vector<std::future<bool>> commits;
  while (written < total) {
    std::vector<fanout_ptr> batch;
    const std::uint64_t n = std::min<std::uint64_t>(20'000, total - written);
    batch.reserve(n);
    for (std::uint64_t i = 0; i < n; ++i) {
      t += gap_s(rng);
      auto f = std::make_shared<fanout_message>();
      auto* m = f->frame.mutable_message();
      m->set_room(o.room_prefix + std::to_string(pick_room(rng)));
      m->set_seq(next_seq.try_emplace(m->room(), 1).first->second++);
      m->set_sender("user-" + std::to_string(pick_user(rng)));
      m->set_body(body_of(rng, o.message_bytes));
      m->set_server_ts_ns(std::min(static_cast<std::int64_t>(t * 1e9), end_ns));
      m->set_sent_at_ns(m->server_ts_ns());
      batch.push_back(std::move(f));
    }
    auto done = std::make_shared<std::promise<bool>>();
    commits.push_back(done->get_future());
    if (!store->append(std::move(batch), [done](bool ok) { done->set_value(ok); }))
      throw std::runtime_error("the store writer fell behind");
    written += n;
    if (progress) progress(written, total);
    while (commits.size() > 4) {
      if (!commits.front().get()) throw std::runtime_error("the store refused a batch; see the log above");
      commits.erase(commits.begin());
    }
  }
  for (auto& c : commits)
    if (!c.get()) throw std::runtime_error("the store refused a batch; see the log above");
  store->close();
  return written;
}

}  // namespace throng::server
