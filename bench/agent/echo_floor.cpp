// The kernel's own floor for a closed-loop echo on this machine: bare TCP, no
// WebSocket, no protocol, nothing recorded. A client keeps N connections each
// in a send, wait for the reply, send again loop against an echo peer, and
// reports round trips per client CPU-second. The agent's closed-loop figure
// is read against it: what no client could beat here, with each way of
// talking to the kernel the agent could use.
//
//   echo_floor serve --port 9941                       (pin it to one core)
//   echo_floor client --port 9941 --users 100 --mode syscalls|batched|uring
//
// Modes of the client:
//   syscalls  epoll_wait per loop turn, then recv and send per round trip;
//   batched   the same reads, the turn's sends in one io_uring submission
//             (how throng-agent talks to the kernel);
//   uring     everything through one ring: a multishot receive per connection
//             into provided buffers, the turn's sends and the wait in one call.
//
// With --rate R the client runs an open loop instead, as the agent's
// fixed-rate sends do: R requests a second over all connections, each due at
// its own instant whatever the replies do, the loop waking as the agent's
// timer does: at the next due time, at most once per 50 µs. It reports its CPU and, per reply, what the agent counts as its
// own part of an ack's latency: from the due time to the end of the write
// that carried the request, plus from the kernel's receipt of the reply to
// its read. The agent's overhead figures are read against it.
//
//   echo_floor client --port 9941 --users 1000 --rate 100000 --mode batched [--spin]
#include <CLI/CLI.hpp>
#include <liburing.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "../bare_tcp.hpp"
#include "throng/common/receive_stamps.hpp"

namespace {

using namespace bare_tcp;

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

double now_s() { return static_cast<double>(mono_ns()) / 1e9; }  // the clock the open loop times with

// Echo peer: for every `request` bytes read on a connection, `reply` bytes back, in one send per read.
int serve(int port, std::size_t request, std::size_t reply) {
  const int listener = listen_on(port, SOCK_NONBLOCK);
  const int ep = epoll_create1(0);
  epoll_event ev{EPOLLIN, {.fd = listener}};
  epoll_ctl(ep, EPOLL_CTL_ADD, listener, &ev);
  std::vector<std::size_t> pending(65536, 0);  // request bytes short of a whole request, per descriptor
  std::vector<char> buffer(64 * 1024), answer(64 * 1024, 'r');
  epoll_event events[256];
  for (;;) {
    const int n = epoll_wait(ep, events, 256, -1);
    for (int i = 0; i < n; ++i) {
      const int fd = events[i].data.fd;
      if (fd == listener) {
        for (int c; (c = accept4(listener, nullptr, nullptr, SOCK_NONBLOCK)) >= 0;) {
          no_delay(c);
          epoll_event cev{EPOLLIN, {.fd = c}};
          epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev);
        }
        continue;
      }
      const ssize_t got = recv(fd, buffer.data(), buffer.size(), 0);
      if (got <= 0) {
        close(fd);
        continue;
      }
      pending[fd] += static_cast<std::size_t>(got);
      const std::size_t whole = pending[fd] / request;
      pending[fd] %= request;
      if (whole) send(fd, answer.data(), std::min(answer.size(), whole * reply), MSG_NOSIGNAL);
    }
  }
}

struct client_result {
  std::uint64_t round_trips = 0;
  std::uint64_t calls = 0;
  std::uint64_t sent = 0;          // the open loop's requests
  std::uint64_t failed_sends = 0;  // requests the kernel did not take whole: their replies never come
};

std::vector<int> connect_all(int port, unsigned users) {
  std::vector<int> fds;
  for (unsigned i = 0; i < users; ++i) fds.push_back(connect_to(port));
  return fds;
}

// A connection of the loop ended (0: the peer closed it): the figure would be wrong, so the run stops.
std::string connection_ended(int error) {
  return std::string("the echo peer's connection ended (") + (error ? std::strerror(error) : "closed by the peer") +
         "); is `echo_floor serve` still running?";
}

// Counts whole replies in `got` more bytes on a connection; what is short of one waits in `partial`.
std::size_t whole_replies(std::size_t& partial, std::size_t got, std::size_t reply) {
  partial += got;
  const std::size_t whole = partial / reply;
  partial %= reply;
  return whole;
}

client_result run_epoll(const std::vector<int>& fds, const std::string& request, std::size_t reply, double until, bool batched) {
  client_result r;
  const int ep = epoll_create1(0);
  std::vector<std::size_t> partial(65536, 0);
  for (int fd : fds) {
    epoll_event ev{EPOLLIN, {.fd = fd}};
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  }
  io_uring ring{};
  if (batched && io_uring_queue_init(1024, &ring, 0) < 0) fail("io_uring_queue_init");
  std::vector<char> buffer(64 * 1024);
  epoll_event events[256];
  while (now_s() < until) {
    const int n = epoll_wait(ep, events, 256, 100);
    ++r.calls;
    unsigned queued = 0;
    for (int i = 0; i < n; ++i) {
      const int fd = events[i].data.fd;
      const ssize_t got = recv(fd, buffer.data(), buffer.size(), MSG_DONTWAIT);
      ++r.calls;
      if (got == 0 || (got < 0 && errno != EAGAIN)) throw std::runtime_error(connection_ended(got == 0 ? 0 : errno));
      if (got < 0) continue;
      for (std::size_t k = whole_replies(partial[fd], static_cast<std::size_t>(got), reply); k; --k) {
        ++r.round_trips;
        if (!batched) {
          send(fd, request.data(), request.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
          ++r.calls;
          continue;
        }
        io_uring_sqe* sqe = io_uring_get_sqe(&ring);
        io_uring_prep_send(sqe, fd, request.data(), request.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        sqe->flags |= IOSQE_CQE_SKIP_SUCCESS;
        ++queued;
      }
    }
    if (queued) {
      io_uring_submit(&ring);
      ++r.calls;
      io_uring_cqe* cqe;
      while (io_uring_peek_cqe(&ring, &cqe) == 0) io_uring_cqe_seen(&ring, cqe);  // failures only
    }
  }
  if (batched) io_uring_queue_exit(&ring);
  close(ep);
  return r;
}

// The open loop (--rate): each turn writes every request due by now, then
// waits for replies until the next due time, but no sooner than 50 µs after
// the last timed wake-up, as the agent's deadline queue (with `spin`, polls
// for them instead of sleeping).
client_result run_open(const std::vector<int>& fds, const std::string& request, std::size_t reply, double seconds, double rate,
                       bool batched, bool spin, latency_histogram& added, latency_histogram& send_piece, std::uint64_t& unstamped) {
  client_result r;
  constexpr std::int64_t step_ns = 50'000;  // the agent's timer step
  std::int64_t last_timed_wake = 0;

  constexpr std::size_t max_in_flight = 512;  // 5 s of requests at 100 a second per connection
  struct in_flight {
    std::int64_t due = 0, written = 0;
  };
  struct connection {
    std::array<in_flight, max_in_flight> ring;
    std::size_t head = 0, size = 0, partial = 0;
  };
  std::vector<connection> conns(fds.size());
  const int ep = epoll_create1(0);
  for (std::size_t i = 0; i < fds.size(); ++i) {
    epoll_event ev{EPOLLIN, {.u64 = i}};
    epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev);
  }
  io_uring ring{};
  if (batched && io_uring_queue_init(1024, &ring, 0) < 0) fail("io_uring_queue_init");
  const double gap_ns = 1e9 / rate;
  const std::int64_t start = mono_ns(), stop = start + static_cast<std::int64_t>(seconds * 1e9);
  const auto due_of = [&](std::uint64_t n) { return start + static_cast<std::int64_t>(static_cast<double>(n) * gap_ns); };
  std::uint64_t next = 0, outstanding = 0;
  std::vector<in_flight*> this_turn;
  std::vector<char> buffer(64 * 1024);
  epoll_event events[256];
  // Every request due before `stop` is sent, late if the loop was (a stall
  // at the end must not drop them unmeasured); the replies still owed are
  // read for up to a second more.
  const auto unsent = [&] { return due_of(next) < stop; };
  for (std::int64_t now = mono_ns(); now < stop || unsent() || (outstanding && now < stop + 1'000'000'000); now = mono_ns()) {
    this_turn.clear();
    for (; unsent() && due_of(next) <= now; ++next) {
      const std::size_t c = next % fds.size();
      connection& conn = conns[c];
      if (conn.size == max_in_flight) throw std::runtime_error("more than 512 requests in flight on one connection: the echo peer is not keeping up");
      in_flight& slot = conn.ring[(conn.head + conn.size++) % max_in_flight];
      slot = {due_of(next), 0};
      this_turn.push_back(&slot);
      ++outstanding;
      if (!batched) {
        if (send(fds[c], request.data(), request.size(), MSG_NOSIGNAL | MSG_DONTWAIT) != static_cast<ssize_t>(request.size()))
          ++r.failed_sends;
        ++r.calls;
        slot.written = mono_ns();
        continue;
      }
      io_uring_sqe* sqe = io_uring_get_sqe(&ring);
      if (!sqe) {  // a full submission queue: hand it over and go on
        io_uring_submit(&ring);
        ++r.calls;
        sqe = io_uring_get_sqe(&ring);
      }
      io_uring_prep_send(sqe, fds[c], request.data(), request.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      sqe->flags |= IOSQE_CQE_SKIP_SUCCESS;
    }
    if (batched && !this_turn.empty()) {
      io_uring_submit(&ring);
      ++r.calls;
      io_uring_cqe* cqe;
      while (io_uring_peek_cqe(&ring, &cqe) == 0) {  // failures only
        ++r.failed_sends;
        io_uring_cqe_seen(&ring, cqe);
      }
      const std::int64_t written = mono_ns();
      for (in_flight* slot : this_turn) slot->written = written;
    }
    const std::int64_t wake = now < stop ? std::max(due_of(next), last_timed_wake + step_ns) : now + 1'000'000;
    const std::int64_t wait = spin ? 0 : std::max<std::int64_t>(0, wake - mono_ns());
    const timespec timeout{static_cast<time_t>(wait / 1'000'000'000), static_cast<long>(wait % 1'000'000'000)};
    const int n = epoll_pwait2(ep, events, 256, &timeout, nullptr);
    ++r.calls;
    if (const std::int64_t t = mono_ns(); t >= wake) last_timed_wake = t;
    for (int e = 0; e < n; ++e) {
      const std::size_t c = events[e].data.u64;
      std::int64_t arrival = 0;
      const ssize_t got = throng::recv_stamped(fds[c], buffer.data(), buffer.size(), arrival);
      ++r.calls;
      if (got == 0 || (got < 0 && errno != EAGAIN)) throw std::runtime_error(connection_ended(got == 0 ? 0 : errno));
      if (got < 0) continue;
      const std::int64_t read_mono = mono_ns(), read_wall = wall_ns();
      connection& conn = conns[c];
      for (std::size_t k = whole_replies(conn.partial, static_cast<std::size_t>(got), reply); k && conn.size; --k) {
        const in_flight& slot = conn.ring[conn.head];
        conn.head = (conn.head + 1) % max_in_flight;
        --conn.size;
        --outstanding;
        ++r.round_trips;
        // As the agent counts it: where the kernel gave no stamp, all of it.
        if (!arrival) ++unstamped;
        send_piece.record(slot.written - slot.due);
        added.record(arrival ? std::min(read_mono - slot.due, (slot.written - slot.due) + std::max<std::int64_t>(0, read_wall - arrival))
                             : read_mono - slot.due);
      }
    }
  }
  if (batched) io_uring_queue_exit(&ring);
  close(ep);
  r.sent = next;
  return r;
}

client_result run_uring(const std::vector<int>& fds, const std::string& request, std::size_t reply, double until) {
  client_result r;
  constexpr unsigned buffers = 1024, buffer_size = 2048;
  constexpr std::uint64_t recv_tag = 1ULL << 32;
  io_uring ring{};
  io_uring_params params{};
  params.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
  if (io_uring_queue_init_params(4096, &ring, &params) < 0) fail("io_uring_queue_init_params");
  // Provided buffers: the kernel picks one per arrival, the client hands it back once read.
  const std::size_t ring_bytes = buffers * sizeof(io_uring_buf);
  void* mem = mmap(nullptr, ring_bytes, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
  auto* br = static_cast<io_uring_buf_ring*>(mem);
  io_uring_buf_ring_init(br);
  io_uring_buf_reg reg{};
  reg.ring_addr = reinterpret_cast<std::uint64_t>(br);
  reg.ring_entries = buffers;
  reg.bgid = 0;
  if (int rc = io_uring_register_buf_ring(&ring, &reg, 0); rc < 0) {
    errno = -rc;
    fail("io_uring_register_buf_ring");
  }
  std::vector<char> storage(static_cast<std::size_t>(buffers) * buffer_size);
  const int mask = io_uring_buf_ring_mask(buffers);
  for (unsigned b = 0; b < buffers; ++b) io_uring_buf_ring_add(br, storage.data() + b * buffer_size, buffer_size, static_cast<unsigned short>(b), mask, static_cast<int>(b));
  io_uring_buf_ring_advance(br, buffers);
  const auto arm_receive = [&](int fd) {
    io_uring_sqe* sqe = io_uring_get_sqe(&ring);
    io_uring_prep_recv_multishot(sqe, fd, nullptr, 0, 0);
    sqe->flags |= IOSQE_BUFFER_SELECT;
    sqe->buf_group = 0;
    io_uring_sqe_set_data64(sqe, recv_tag | static_cast<std::uint32_t>(fd));
  };
  const auto queue_send = [&](int fd) {
    io_uring_sqe* sqe = io_uring_get_sqe(&ring);
    if (!sqe) {  // a full submission queue: hand it over and go on
      io_uring_submit(&ring);
      ++r.calls;
      sqe = io_uring_get_sqe(&ring);
    }
    io_uring_prep_send(sqe, fd, request.data(), request.size(), MSG_NOSIGNAL);
    sqe->flags |= IOSQE_CQE_SKIP_SUCCESS;
    io_uring_sqe_set_data64(sqe, static_cast<std::uint32_t>(fd));
  };
  std::vector<std::size_t> partial(65536, 0);
  for (int fd : fds) {
    arm_receive(fd);
    queue_send(fd);
  }
  __kernel_timespec wait{0, 100'000'000};
  while (now_s() < until) {
    io_uring_cqe* first = nullptr;
    io_uring_submit_and_wait_timeout(&ring, &first, 1, &wait, nullptr);
    ++r.calls;
    io_uring_cqe* cqe;
    unsigned head, seen = 0, returned = 0;
    io_uring_for_each_cqe(&ring, head, cqe) {
      ++seen;
      const std::uint64_t data = io_uring_cqe_get_data64(cqe);
      const int fd = static_cast<int>(data & 0xffffffffu);
      if (!(data & recv_tag)) continue;  // a failed send
      if (cqe->res > 0) {
        const unsigned short bid = static_cast<unsigned short>(cqe->flags >> IORING_CQE_BUFFER_SHIFT);
        for (std::size_t k = whole_replies(partial[fd], static_cast<std::size_t>(cqe->res), reply); k; --k) {
          ++r.round_trips;
          queue_send(fd);
        }
        io_uring_buf_ring_add(br, storage.data() + bid * buffer_size, buffer_size, bid, mask, static_cast<int>(returned++));
      }
      if (cqe->res == 0 || (cqe->res < 0 && cqe->res != -ENOBUFS)) throw std::runtime_error(connection_ended(-cqe->res));
      if (!(cqe->flags & IORING_CQE_F_MORE)) arm_receive(fd);  // out of buffers, or the kernel ended it: armed again
    }
    io_uring_buf_ring_advance(br, static_cast<int>(returned));
    io_uring_cq_advance(&ring, seen);
  }
  io_uring_queue_exit(&ring);
  munmap(mem, ring_bytes);
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Bare-TCP closed-loop echo: the kernel's floor per round trip on this machine"};
  app.require_subcommand(1);
  int port = 9941;
  std::size_t request = 100, reply = 32;
  auto* serve_cmd = app.add_subcommand("serve", "Echo peer: `--reply` bytes back for every `--size` bytes read");
  serve_cmd->add_option("--port", port, "Port on 127.0.0.1")->capture_default_str();
  serve_cmd->add_option("--size", request, "Request size in bytes")->capture_default_str()->check(CLI::Range(1, 65536));
  serve_cmd->add_option("--reply", reply, "Reply size in bytes")->capture_default_str()->check(CLI::Range(1, 65536));
  unsigned users = 100;
  double seconds = 5;
  std::string mode = "syscalls";
  auto* client_cmd = app.add_subcommand("client", "Closed-loop client; prints round trips per client CPU-second");
  client_cmd->add_option("--port", port, "Port of the echo peer on 127.0.0.1")->capture_default_str();
  client_cmd->add_option("--users", users, "Connections, each with one request in flight")->capture_default_str()->check(CLI::Range(1, 16000));
  client_cmd->add_option("--seconds", seconds, "How long to measure")->capture_default_str()->check(CLI::Range(0.1, 600.0));
  client_cmd->add_option("--size", request, "Request size in bytes")->capture_default_str()->check(CLI::Range(1, 65536));
  client_cmd->add_option("--reply", reply, "Reply size in bytes (the peer's --reply)")->capture_default_str()->check(CLI::Range(1, 65536));
  double rate = 0;
  client_cmd->add_option("--rate", rate, "Requests a second over all connections, each at its due time (an open loop); 0: the closed loop")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 10'000'000.0));
  bool spin = false;
  client_cmd->add_flag("--spin", spin, "Open loop: poll for replies instead of sleeping until the next due time");
  client_cmd->add_option("--mode", mode, "syscalls, batched or uring")->capture_default_str()->check(CLI::IsMember({"syscalls", "batched", "uring"}));
  CLI11_PARSE(app, argc, argv);
  if (rate > 0 && mode == "uring") {
    std::fprintf(stderr, "echo_floor: --rate runs with --mode syscalls or batched\n");
    return 2;
  }
  if (spin && rate == 0) {
    std::fprintf(stderr, "echo_floor: --spin is for the open loop: give --rate too (the closed loop never sleeps while replies are due)\n");
    return 2;
  }
  try {
    if (*serve_cmd) return serve(port, request, reply);
    const auto fds = connect_all(port, users);
    if (rate > 0) {
      for (int fd : fds) throng::enable_receive_stamps(fd);
      sleep_until(mono_ns() + 50'000'000);  // the kernel turns receive stamps on a moment after the first ask
    }
    const std::string payload(request, 'q');
    const double cpu0 = cpu_seconds(), t0 = now_s();
    if (rate > 0) {
      latency_histogram added(1'000, 1'000'000);  // 1 µs steps up to 1 s
      latency_histogram send_piece(1'000, 1'000'000);
      std::uint64_t unstamped = 0;
      const client_result r = run_open(fds, payload, reply, seconds, rate, mode == "batched", spin, added, send_piece, unstamped);
      const double cpu = cpu_seconds() - cpu0, wall = now_s() - t0;
      std::printf("open loop, mode %s%s, %u connections, %.0f requests/s offered, %zu-byte requests, %zu-byte replies: %llu of %.0f due requests sent, %llu replies in %.2f s, client cpu %.2f s (%.0f %%)\n",
                  mode.c_str(), spin ? " (polling)" : "", users, rate, request, reply, static_cast<unsigned long long>(r.sent), rate * seconds,
                  static_cast<unsigned long long>(r.round_trips), wall, cpu, 100 * cpu / wall);
      std::printf("round trips per client CPU-s: %.0f   system calls per round trip: %.3f   replies without a kernel stamp: %llu   failed sends: %llu\n",
                  r.round_trips / cpu, r.round_trips ? static_cast<double>(r.calls) / r.round_trips : 0.0,
                  static_cast<unsigned long long>(unstamped), static_cast<unsigned long long>(r.failed_sends));
      std::printf("the client's own part (due -> written, kernel receipt -> read): %s\n", added.describe(0.2).c_str());
      std::printf("  of which the send piece (due -> written): %s\n", send_piece.describe(0.2).c_str());
      for (int fd : fds) close(fd);
      return r.round_trips == r.sent && r.sent && !r.failed_sends ? 0 : 1;
    }
    const client_result r = mode == "uring" ? run_uring(fds, payload, reply, t0 + seconds)
                                            : run_epoll(fds, payload, reply, t0 + seconds, mode == "batched");
    const double cpu = cpu_seconds() - cpu0, wall = now_s() - t0;
    std::printf("mode %s, %u connections, %zu-byte requests, %zu-byte replies: %llu round trips in %.2f s, client cpu %.2f s (%.0f %%)\n",
                mode.c_str(), users, request, reply, static_cast<unsigned long long>(r.round_trips), wall, cpu, 100 * cpu / wall);
    std::printf("round trips per client CPU-s: %.0f   system calls per round trip: %.3f\n", r.round_trips / cpu,
                r.round_trips ? static_cast<double>(r.calls) / r.round_trips : 0.0);
    for (int fd : fds) close(fd);
    return r.round_trips ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "echo_floor: %s\n", e.what());
    return 1;
  }
}
