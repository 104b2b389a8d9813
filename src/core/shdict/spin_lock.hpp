// The lock of a shared dictionary: one word in shared memory, taken by several
// processes. Pure (no nginx headers) so that unit tests can run it with threads.
#pragma once

#include <sched.h>

namespace nlf::shdict {

// The word holds 0 when free and the owner's id (its pid, in nginx) when taken. Using
// the pid is what lets nginx's master release the lock of a worker that died holding
// it: it does that for the lock word at the head of every shared zone.
class SpinLock {
public:
    using Word = unsigned long;

    SpinLock(Word &word, Word owner) noexcept : word_(&word), owner_(owner) {}

    void lock() noexcept {
        Word expected = 0;
        if (__atomic_compare_exchange_n(word_, &expected, owner_, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
            return;
        }
        lock_contended();
    }

    void unlock() noexcept { __atomic_store_n(word_, Word{0}, __ATOMIC_RELEASE); }

private:
    static void pause() noexcept {
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#elif defined(__aarch64__)
        __asm__ __volatile__("yield");
#endif
    }

    // Critical sections are a few hundred nanoseconds: spin with a growing back-off
    // first; once that fails the owner is probably descheduled, so give it the CPU.
    void lock_contended() noexcept {
        constexpr unsigned max_backoff = 1024;
        unsigned backoff = 1;
        for (;;) {
            if (__atomic_load_n(word_, __ATOMIC_RELAXED) == 0) {
                Word expected = 0;
                if (__atomic_compare_exchange_n(word_, &expected, owner_, false, __ATOMIC_ACQUIRE,
                                                __ATOMIC_RELAXED)) {
                    return;
                }
            }
            if (backoff < max_backoff) {
                for (unsigned i = 0; i < backoff; ++i) pause();
                backoff *= 2;
            } else {
                sched_yield();
            }
        }
    }

    Word *word_;
    Word owner_;
};

// RAII holder of a SpinLock.
class SpinGuard {
public:
    explicit SpinGuard(SpinLock &lock) noexcept : lock_(lock) { lock_.lock(); }
    ~SpinGuard() { lock_.unlock(); }
    SpinGuard(const SpinGuard &) = delete;
    SpinGuard &operator=(const SpinGuard &) = delete;

private:
    SpinLock &lock_;
};

}  // namespace nlf::shdict
