// ngx.semaphore: counted resources that coroutines of one worker (requests' handlers,
// timers) wait for and hand to each other.
#pragma once
#include "ngx.hpp"

#include "core/scheduler.hpp"

namespace nlf::api::semaphore {

class Semaphore;

// What wait() did: took a resource at once, found none with no time to wait, or
// queued the thread (it resumes when granted or when `ms` have passed).
enum class WaitOutcome { taken, timed_out, queued };

WaitOutcome wait(Semaphore &sem, core::Thread &thread, ngx_msec_t ms) noexcept;

}  // namespace nlf::api::semaphore
