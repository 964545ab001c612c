// The kernel's own floor for one room's fan-out on this machine: bare TCP, no
// WebSocket, no protocol, no store. A "room" process keeps N member sockets
// and, like the server's fan-out, writes every message that came since its
// last sweep to each member in one write per member, the next sweep starting
// as soon as one ends; "members" reads them on the other core. Each message
// is timed from when it was due to the end of each member's write (what the
// server's own histogram measures) and to its reader. The server's
// 1,000-member latency figures are read against it.
//
//   fanout_floor room --port 9951 --members 1000 --rate 2000 --seconds 6 [--uring]
//   fanout_floor members --port 9951 --members 1000 [--spin]
#include <CLI/CLI.hpp>
#include <liburing.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "../bare_tcp.hpp"

namespace {

using namespace bare_tcp;

// Every write whole: what a non-blocking send leaves is finished blocking (and counted).
struct writer {
  io_uring ring{};
  bool uring = false;
  std::uint64_t short_writes = 0;
  // From each message's due time to the end of the write that carried it to a
  // member, as the server's own histogram measures (received -> written).
  latency_histogram written{10'000, 100'000};  // 10 µs steps up to 1 s
  const std::vector<std::int64_t>* due = nullptr;  // the due times of the batch being written

  void record_written(std::int64_t end) {
    for (std::int64_t t : *due) written.record(end - t);
  }

  void finish(int fd, const char* data, std::size_t size, std::size_t done) {
    ++short_writes;
    while (done < size) {
      const ssize_t n = send(fd, data + done, size - done, MSG_NOSIGNAL);
      if (n <= 0 && errno != EINTR) fail("send to a member");
      if (n > 0) done += static_cast<std::size_t>(n);
    }
  }

  void write_all(const std::vector<int>& fds, const std::string& batch) {
    if (!uring) {
      for (int fd : fds) {
        const ssize_t n = send(fd, batch.data(), batch.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n != static_cast<ssize_t>(batch.size())) finish(fd, batch.data(), batch.size(), n > 0 ? static_cast<std::size_t>(n) : 0);
        record_written(mono_ns());
      }
      return;
    }
    // One submission for every member, as the server's flush does.
    for (std::size_t i = 0; i < fds.size(); ++i) {
      io_uring_sqe* sqe = io_uring_get_sqe(&ring);
      io_uring_prep_send(sqe, fds[i], batch.data(), batch.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      io_uring_sqe_set_data64(sqe, i);
    }
    io_uring_submit_and_wait(&ring, static_cast<unsigned>(fds.size()));
    io_uring_cqe* cqe;
    unsigned head, seen = 0;
    io_uring_for_each_cqe(&ring, head, cqe) {
      ++seen;
      if (cqe->res != static_cast<int>(batch.size()))
        finish(fds[io_uring_cqe_get_data64(cqe)], batch.data(), batch.size(), cqe->res > 0 ? static_cast<std::size_t>(cqe->res) : 0);
    }
    io_uring_cq_advance(&ring, seen);
    const std::int64_t end = mono_ns();  // every member's write ended within the one call
    for (std::size_t i = 0; i < fds.size(); ++i) record_written(end);
  }
};

int room(int port, unsigned members, double rate, double seconds, std::size_t record, bool uring) {
  const int listener = listen_on(port);
  // Bounded: members that never come end the run instead of hanging it.
  const timeval wait_for_members{10, 0};
  setsockopt(listener, SOL_SOCKET, SO_RCVTIMEO, &wait_for_members, sizeof wait_for_members);
  std::vector<int> fds;
  while (fds.size() < members) {
    const int fd = accept(listener, nullptr, nullptr);
    if (fd < 0) fail(std::to_string(fds.size()) + " of " + std::to_string(members) + " members connected within 10 s");
    no_delay(fd);
    fds.push_back(fd);
  }
  writer out;
  out.uring = uring;
  if (uring && io_uring_queue_init(4096, &out.ring, 0) < 0) fail("io_uring_queue_init");
  const std::int64_t start = mono_ns() + 200'000'000, end = start + static_cast<std::int64_t>(seconds * 1e9);
  const double gap_ns = 1e9 / rate;
  std::uint64_t next = 0, sweeps = 0;
  std::vector<std::int64_t> sweep_ns;
  std::string batch;
  std::vector<std::int64_t> due;
  out.due = &due;
  for (;;) {
    const std::int64_t due_at = start + static_cast<std::int64_t>(static_cast<double>(next) * gap_ns);
    if (due_at >= end) break;
    if (due_at > mono_ns()) sleep_until(due_at);
    // Every message due by now goes in this sweep, each stamped with when it was due.
    batch.clear();
    due.clear();
    const std::int64_t now = mono_ns();
    for (;;) {
      const std::int64_t t = start + static_cast<std::int64_t>(static_cast<double>(next) * gap_ns);
      if (t > now || t >= end) break;
      const std::size_t at_byte = batch.size();
      batch.resize(at_byte + record, 'x');
      std::memcpy(batch.data() + at_byte, &t, sizeof t);
      due.push_back(t);
      ++next;
    }
    out.write_all(fds, batch);
    sweep_ns.push_back(mono_ns() - now);
    ++sweeps;
  }
  for (int fd : fds) close(fd);
  std::sort(sweep_ns.begin(), sweep_ns.end());
  const auto q = [&](double p) { return sweep_ns.empty() ? 0.0 : sweep_ns[static_cast<std::size_t>(p * static_cast<double>(sweep_ns.size() - 1))] / 1e6; };
  std::printf("room: %u members, %.0f messages/s of %zu bytes for %.0f s, %s: %llu messages in %llu sweeps (%.1f each); sweep p50 %.2f ms, p99 %.2f ms, max %.2f ms (%.2f us per member write at p50); %llu writes finished blocking\nroom: from the due time to the end of the member's write: %s\n",
              members, rate, record, seconds, uring ? "one io_uring submission per sweep" : "one send per member", static_cast<unsigned long long>(next),
              static_cast<unsigned long long>(sweeps), sweeps ? static_cast<double>(next) / static_cast<double>(sweeps) : 0.0, q(0.5), q(0.99), q(1.0),
              q(0.5) * 1000 / members, static_cast<unsigned long long>(out.short_writes), out.written.describe(10).c_str());
  if (uring) io_uring_queue_exit(&out.ring);
  return 0;
}

int read_members(int port, unsigned members, std::size_t record, bool spin) {
  const int ep = epoll_create1(0);
  std::vector<int> fds;
  std::vector<std::string> partial(members);
  for (unsigned i = 0; i < members; ++i) {
    // The room may still be starting (a probe connection would take a member's place).
    const int fd = connect_to(port, i == 0 ? 5000 : 0);
    epoll_event ev{EPOLLIN, {.u32 = i}};
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    fds.push_back(fd);
  }
  latency_histogram latency{10'000, 100'000};
  std::vector<char> buffer(256 * 1024);
  unsigned open = members;
  epoll_event events[512];
  while (open) {
    const int n = epoll_wait(ep, events, 512, spin ? 0 : -1);
    for (int e = 0; e < n; ++e) {
      const unsigned i = events[e].data.u32;
      const ssize_t got = recv(fds[i], buffer.data(), buffer.size(), MSG_DONTWAIT);
      if (got == 0 || (got < 0 && errno != EAGAIN)) {
        epoll_ctl(ep, EPOLL_CTL_DEL, fds[i], nullptr);
        close(fds[i]);
        --open;
        continue;
      }
      if (got < 0) continue;
      const std::int64_t now = mono_ns();
      std::string& p = partial[i];
      p.append(buffer.data(), static_cast<std::size_t>(got));
      std::size_t pos = 0;
      for (; p.size() - pos >= record; pos += record) {
        std::int64_t due;
        std::memcpy(&due, p.data() + pos, sizeof due);
        latency.record(now - due);
      }
      p.erase(0, pos);
    }
  }
  std::printf("members: %u%s: %llu deliveries; from the due time to the member's read: %s\n", members, spin ? " (polling)" : "",
              static_cast<unsigned long long>(latency.total), latency.describe(10).c_str());
  return latency.total ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Bare-TCP fan-out of one room: the kernel's floor for the server's big-room latency on this machine"};
  app.require_subcommand(1);
  int port = 9951;
  unsigned members = 1000;
  std::size_t record = 200;
  double rate = 2000, seconds = 6;
  bool uring = false, spin = false;
  auto* room_cmd = app.add_subcommand("room", "Accepts --members sockets, then fans --rate messages/s out to all of them");
  room_cmd->add_option("--port", port, "Port on 127.0.0.1")->capture_default_str();
  room_cmd->add_option("--members", members, "Member sockets to accept before starting")->capture_default_str()->check(CLI::Range(1, 16000));
  room_cmd->add_option("--rate", rate, "Messages into the room per second")->capture_default_str()->check(CLI::Range(1.0, 1e6));
  room_cmd->add_option("--seconds", seconds, "How long to fan out")->capture_default_str()->check(CLI::Range(0.1, 600.0));
  room_cmd->add_option("--size", record, "Bytes per delivered message")->capture_default_str()->check(CLI::Range(8, 65536));
  room_cmd->add_flag("--uring", uring, "Each sweep's writes in one io_uring submission instead of one send each");
  auto* members_cmd = app.add_subcommand("members", "Connects --members sockets and reports each message's latency");
  members_cmd->add_option("--port", port, "Port of the room on 127.0.0.1")->capture_default_str();
  members_cmd->add_option("--members", members, "Sockets (the room's --members)")->capture_default_str()->check(CLI::Range(1, 16000));
  members_cmd->add_option("--size", record, "Bytes per message (the room's --size)")->capture_default_str()->check(CLI::Range(8, 65536));
  members_cmd->add_flag("--spin", spin, "Poll instead of sleeping, so the room's writes need not wake the reader");
  CLI11_PARSE(app, argc, argv);
  try {
    return *room_cmd ? room(port, members, rate, seconds, record, uring) : read_members(port, members, record, spin);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fanout_floor: %s\n", e.what());
    return 1;
  }
}
