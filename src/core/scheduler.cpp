#include "core/scheduler.hpp"

namespace nlf::core {

void Task::on_wait_event(ngx_event_t *ev) {
    Task *task = static_cast<Task *>(ev->data);
    if (!task->granted_) task->leave_queue();  // a queued wait timed out
    task->queue_owner_ = nullptr;
    task->waiting_ = Wait::none;
    task->wake();
}

void Task::leave_queue() noexcept {
    if (queue_owner_ != nullptr) leave_(*this, queue_owner_);
    queue_owner_ = nullptr;
}

void Task::start_queued_wait(void *owner, void (*leave)(Task &, void *), ngx_msec_t ms, ngx_log_t *log) noexcept {
    cancel_wait();
    wait_event_.handler = on_wait_event;
    wait_event_.data = this;
    wait_event_.log = log;
    waiting_ = Wait::queue;
    granted_ = false;
    queue_owner_ = owner;
    leave_ = leave;
    ngx_add_timer(&wait_event_, ms);
}

void Task::grant() noexcept {
    granted_ = true;
    if (wait_event_.timer_set) {
        ngx_del_timer(&wait_event_);
    }
    ngx_post_event(&wait_event_, &ngx_posted_events);
}

void Task::start_sleep(ngx_msec_t ms, ngx_log_t *log) noexcept {
    cancel_wait();
    wait_event_.handler = on_wait_event;
    wait_event_.data = this;
    wait_event_.log = log;
    waiting_ = Wait::sleep;
    if (ms == 0) {
        ngx_post_event(&wait_event_, &ngx_posted_next_events);
    } else {
        ngx_add_timer(&wait_event_, ms);
    }
}

// Every wait starts by cancelling the one before: a wait whose yield failed (inside a
// C call such as a string.gsub callback) was started all the same and must not stay
// in a semaphore's queue when the task goes on.
void Task::cancel_wait() noexcept {
    leave_queue();
    // nginx's event macros are bare statement lists: always brace them.
    if (wait_event_.timer_set) {
        ngx_del_timer(&wait_event_);
    }
    if (wait_event_.posted) {
        ngx_delete_posted_event(&wait_event_);
    }
    waiting_ = Wait::none;
}

}  // namespace nlf::core
