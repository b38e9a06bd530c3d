// Running a campaign's independent units (programs, transitions, mutants) on several threads
// with results that do not depend on how many.
//
//   workers (jobs of them):  i = next++;  r[i] = work(i)          any order, any thread
//   the calling thread:      for i = 0, 1, 2, ...: wait for r[i]; if !consume(i, r[i]) stop
//
// Every unit is a function of its index alone (a program of (seed, i), a mutant of the list), and
// the caller sees the results in index order, one at a time, on its own thread: whatever it
// accumulates, and where it stops (the first failure), is what a sequential loop gives. Work done
// past the stopping index is discarded. Workers run at most `window` units ahead of the consumer,
// so memory stays bounded. With jobs == 1 the loop runs on the calling thread, no thread started.
#pragma once

#include <algorithm>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace lungfish::gen {

/// The machine's cores (std::thread::hardware_concurrency, at least 1): what `--jobs` defaults to.
unsigned machine_cores();

/// Runs work(i) for i in [0, n) on `jobs` threads and hands each result to consume(i, result) on
/// the calling thread in increasing i; consume returning false stops the loop (no later index is
/// consumed). An exception thrown by work(i) is rethrown here when index i is reached.
template <class T>
void ordered_parallel(uint64_t n, unsigned jobs, const std::function<T(uint64_t)> &work,
                      const std::function<bool(uint64_t, T &)> &consume, uint64_t window = 0) {
  if (jobs <= 1 || n <= 1) {
    for (uint64_t i = 0; i < n; ++i) {
      T r = work(i);
      if (!consume(i, r)) return;
    }
    return;
  }
  if (window == 0) window = 64 * static_cast<uint64_t>(jobs);
  struct Slot {
    std::optional<T> value;
    std::exception_ptr error;
  };
  std::mutex mu;
  std::condition_variable ready, room;
  std::map<uint64_t, Slot> done; // finished, not yet consumed
  uint64_t next = 0, want = 0;
  bool stop = false;
  auto worker = [&] {
    for (;;) {
      uint64_t i;
      {
        std::unique_lock lock(mu);
        room.wait(lock, [&] { return stop || next >= n || next < want + window; });
        if (stop || next >= n) return;
        i = next++;
      }
      Slot s;
      try {
        s.value.emplace(work(i));
      } catch (...) {
        s.error = std::current_exception();
      }
      std::lock_guard lock(mu);
      done.emplace(i, std::move(s));
      ready.notify_all();
    }
  };
  std::vector<std::thread> threads;
  unsigned count = static_cast<unsigned>(std::min<uint64_t>(jobs, n));
  for (unsigned t = 0; t < count; ++t)
    threads.emplace_back(worker);
  auto halt = [&] {
    {
      std::lock_guard lock(mu);
      stop = true;
    }
    room.notify_all();
    for (std::thread &t : threads)
      t.join();
  };
  try {
    for (; want < n; ++want) {
      Slot s;
      {
        std::unique_lock lock(mu);
        ready.wait(lock, [&] { return done.count(want) > 0; });
        auto it = done.find(want);
        s = std::move(it->second);
        done.erase(it);
      }
      room.notify_all();
      if (s.error) std::rethrow_exception(s.error);
      if (!consume(want, *s.value)) break;
    }
  } catch (...) {
    halt();
    throw;
  }
  halt();
}

/// Runs work(i) for i in [0, n) on `jobs` threads and returns the results in index order.
template <class T>
std::vector<T> parallel_map(uint64_t n, unsigned jobs, const std::function<T(uint64_t)> &work) {
  std::vector<T> out;
  out.reserve(n);
  ordered_parallel<T>(n, jobs, work, [&](uint64_t, T &r) {
    out.push_back(std::move(r));
    return true;
  });
  return out;
}

} // namespace lungfish::gen
