// ngx.semaphore: counted resources that coroutines of one worker (requests' handlers,
// timers) wait for and hand to each other.
#pragma once
#include "ngx.hpp"

#include "core/scheduler.hpp"

namespace nlf::api::semaphore {

class Semaphore;

// What wait() did: took a resource at once, found none with no time to wait, or
// queued the task (it resumes when granted or when `ms` have passed).
enum class WaitOutcome { taken, timed_out, queued };

WaitOutcome wait(Semaphore &sem, core::Task &task, ngx_msec_t ms, ngx_log_t *log) noexcept;

}  // namespace nlf::api::semaphore
