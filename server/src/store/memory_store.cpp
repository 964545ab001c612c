// Memory store: for pure fan-out measurements. Messages live only in the
// rooms' in-memory history; users and settings in a map.

#include <map>
#include <mutex>

#include "message_store.hpp"

namespace throng::server {
namespace {

class memory_store final : public message_store {
 public:
  std::vector<stored_room> load_rooms(std::size_t) override { return {}; }
  std::uint64_t seq_gap_after_crash() const override { return 0; }

  bool append(std::vector<fanout_ptr>, committed_fn committed) override {
    committed(true);
    return true;
  }

  std::vector<chat::ChatMessage> read_after(const std::string&, std::uint64_t, std::size_t) override { return {}; }

  bool create_user(const std::string& name, const std::string& hash) override {
    std::lock_guard lock(mutex_);
    return users_.emplace(name, hash).second;
  }

  std::optional<std::string> password_hash(const std::string& name) override {
    std::lock_guard lock(mutex_);
    auto it = users_.find(name);
    if (it == users_.end()) return std::nullopt;
    return it->second;
  }

  std::string setting(const std::string& key, const std::function<std::string()>& make) override {
    std::lock_guard lock(mutex_);
    auto [it, created] = settings_.try_emplace(key);
    if (created) it->second = make();
    return it->second;
  }

  void close() override {}
  store_figures figures() const override { return {}; }

 private:
  std::mutex mutex_;
  std::map<std::string, std::string> users_;
  std::map<std::string, std::string> settings_;
};

}  // namespace

std::unique_ptr<message_store> open_memory_store() { return std::make_unique<memory_store>(); }

}  // namespace throng::server
