// The measuring harness of chain_throughput_bench: options, fixed-duration runs on N threads,
// percentiles and the one-line "result key=value ..." output scripts/bench.sh parses.
#pragma once

#include "host/store/ConnectionString.h"
#include "host/store/Dialect.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace orderhost::bench {

using SteadyClock = std::chrono::steady_clock;

struct Options {
    std::string backend = "sqlite";
    int threads = 1;
    double seconds = 10;
    std::string connection;
    std::string measure = "all";
    int steps = 10;
    int rounds = 1;
    int stepsPerCommit = 16;  // engine.steps_per_commit (the no-op step promises no external effect)
};

[[noreturn]] inline void usage(const std::string& problem) {
    std::cerr << "chain_throughput_bench: " << problem << "\n"
              << "usage: chain_throughput_bench --backend sqlite|postgresql --threads N --seconds S"
                 " --connection STR [--measure all|ceiling|store|lean|engine|phases] [--steps K] [--rounds R]\n";
    std::exit(64);
}

inline Options parseArgs(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) usage(arg + " needs a value");
            return argv[++i];
        };
        if (arg == "--backend")
            o.backend = value();
        else if (arg == "--threads")
            o.threads = std::stoi(value());
        else if (arg == "--seconds")
            o.seconds = std::stod(value());
        else if (arg == "--connection")
            o.connection = value();
        else if (arg == "--measure")
            o.measure = value();
        else if (arg == "--steps")
            o.steps = std::stoi(value());
        else if (arg == "--rounds")
            o.rounds = std::stoi(value());
        else if (arg == "--steps-per-commit")
            o.stepsPerCommit = std::stoi(value());
        else
            usage("unknown argument " + arg);
    }
    if (o.backend != "sqlite" && o.backend != "postgresql") usage("--backend must be sqlite or postgresql");
    if (o.connection.empty()) usage("--connection is required");
    if (o.threads < 1 || o.seconds <= 0 || o.steps < 1 || o.rounds < 1 || o.stepsPerCommit < 1)
        usage("--threads, --seconds, --steps, --rounds and --steps-per-commit must be positive");
    return o;
}

// The connection string as the store hands it to the driver (its defaults filled in), so the
// ceiling runs with exactly the store's settings.
inline std::string withStoreDefaults(const std::string& text) {
    store::ConnectionString cs(text);
    const auto driver = cs.get("Driver");
    const auto backend = driver ? store::Dialect::fromDriverName(*driver) : std::nullopt;
    if (!backend) throw std::runtime_error("connection string needs Driver=SQLite3 or a PostgreSQL driver");
    store::Dialect::applyDefaults(*backend, cs);
    return cs.str();
}

// Distinct per run, so that a database kept between runs (PostgreSQL) never sees a duplicate.
inline std::string runTag() {
    return std::to_string(::getpid()) + "-" +
           std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count() %
                          100000000);
}

struct Totals {
    long long count = 0;
    long long errors = 0;
    double seconds = 0;
    std::vector<double> latenciesUs;  // per operation
    long long submitted = 0;          // engine: orders run, warm-up included
    long long commits = 0;            // engine: transactions the store committed meanwhile
};

inline double percentile(std::vector<double>& v, double p) {
    if (v.empty()) return 0;
    const std::size_t k = std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())));
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
    return v[k];
}

// Unique across every run of a process (an engine measured in several slices never repeats an
// order_ref).
inline std::atomic<long long> gNextOperation{1};

inline void merge(Totals& into, Totals& from) {
    into.count += from.count;
    into.errors += from.errors;
    into.seconds += from.seconds;
    into.submitted += from.submitted;
    into.commits += from.commits;
    into.latenciesUs.insert(into.latenciesUs.end(), from.latenciesUs.begin(), from.latenciesUs.end());
}

// Runs `op(thread, n)` on `threads` threads for `seconds`: every thread first does
// `warmup` operations (not counted), then all start the clock together. n is unique per call.
inline Totals runFor(int threads, double seconds, int warmup,
                     const std::function<std::function<void(long long)>(int)>& makeWorker) {
    std::atomic<long long>& next = gNextOperation;
    std::atomic<int> ready{0};
    std::atomic<bool> go{false}, stop{false};
    std::vector<Totals> perThread(static_cast<std::size_t>(threads));
    std::mutex errorMutex;
    std::string firstError;
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
        pool.emplace_back([&, t] {
            Totals& mine = perThread[static_cast<std::size_t>(t)];
            auto fail = [&](const std::string& what) {
                ++mine.errors;
                std::lock_guard<std::mutex> lock(errorMutex);
                if (firstError.empty()) firstError = what;
            };
            std::function<void(long long)> op;
            try {
                op = makeWorker(t);
                for (int i = 0; i < warmup; ++i) op(next++);
            } catch (const std::exception& e) {
                fail(e.what());
            }
            ++ready;
            while (!go) std::this_thread::yield();
            if (!op) return;
            mine.latenciesUs.reserve(1 << 16);
            while (!stop) {
                const auto start = SteadyClock::now();
                try {
                    op(next++);
                    ++mine.count;
                } catch (const std::exception& e) {
                    fail(e.what());
                }
                mine.latenciesUs.push_back(
                    std::chrono::duration<double, std::micro>(SteadyClock::now() - start).count());
            }
        });
    }
    while (ready < threads) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    const auto start = SteadyClock::now();
    go = true;
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    stop = true;
    for (auto& th : pool) th.join();  // operations in flight finish and count
    Totals total;
    total.seconds = std::chrono::duration<double>(SteadyClock::now() - start).count();
    for (auto& t : perThread) {
        total.count += t.count;
        total.errors += t.errors;
        total.latenciesUs.insert(total.latenciesUs.end(), t.latenciesUs.begin(), t.latenciesUs.end());
    }
    if (!firstError.empty()) std::cerr << "chain_throughput_bench: first error: " << firstError << "\n";
    return total;
}

inline void printResult(const Options& o, const std::string& measure, Totals& t, const std::string& extra = "") {
    const double rate = t.seconds > 0 ? static_cast<double>(t.count) / t.seconds : 0;
    std::printf(
        "result backend=%s measure=%s threads=%d seconds=%.2f count=%lld per_s=%.1f p50_us=%.0f p99_us=%.0f "
        "errors=%lld%s%s\n",
        o.backend.c_str(), measure.c_str(), o.threads, t.seconds, t.count, rate, percentile(t.latenciesUs, 0.50),
        percentile(t.latenciesUs, 0.99), t.errors, extra.empty() ? "" : " ", extra.c_str());
    std::fflush(stdout);
}

}  // namespace orderhost::bench
