// lua_capture_error_log: the worker's error-log lines kept for ngx.errlog.get_logs.
// Stock nginx has no capture hook, but an ngx_log_t may have a writer instead of a
// file: one such log appended to the end of each error_log chain sees every line that
// passes the error_log levels before it.
#pragma once
#include "ngx.hpp"

namespace nlf::api::errlog {

class Capture;

// A capture of `size` bytes from `pool`; null without memory.
Capture *create(ngx_pool_t *pool, std::size_t size) noexcept;

// Appends the capture to the error_log chain starting at `chain` (once).
void attach(Capture &capture, ngx_log_t *chain) noexcept;

// The capture the ngx.errlog functions read (null: lua_capture_error_log is not set);
// it keeps only the lines logged from the calling thread (the event loop's).
void set_active(Capture *capture) noexcept;

}  // namespace nlf::api::errlog
