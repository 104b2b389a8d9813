// lua_capture_error_log and the ngx.errlog functions that read it.
#include "api/errlog.hpp"

#include "core/ffi_error.hpp"
#include "core/pure/log_ring.hpp"

#include <pthread.h>

#include <csignal>

#include <new>
#include <string_view>

namespace nlf::api::errlog {

class Capture {
public:
    Capture(void *memory, std::size_t size) noexcept : ring_(memory, size) {
        log_.log_level = NGX_LOG_DEBUG;  // every line that gets this far; filter_level_ decides
        log_.writer = write;
        log_.wdata = this;
    }

    // Marks the ring in use for a scope (see write).
    class Busy {
    public:
        explicit Busy(Capture &capture) noexcept : capture_(capture) { capture_.busy_ = 1; }
        ~Busy() { capture_.busy_ = 0; }
        Busy(const Busy &) = delete;
        Busy &operator=(const Busy &) = delete;

    private:
        Capture &capture_;
    };

    ngx_log_t &log() noexcept { return log_; }
    // The thread that may write: the one that configured it, then each worker's.
    void adopt_thread() noexcept { owner_ = pthread_self(); }
    core::LogRing &ring() noexcept { return ring_; }
    void set_filter_level(ngx_uint_t level) noexcept { filter_level_ = level; }

private:
    static void write(ngx_log_t *log, ngx_uint_t level, u_char *buf, size_t len) {
        auto *capture = static_cast<Capture *>(log->wdata);
        if (level > capture->filter_level_) return;
        // nginx's thread pools log (debug lines) from their own threads: the ring is
        // the event loop's alone.
        if (!pthread_equal(pthread_self(), capture->owner_)) return;
        // A signal handler logs too (nginx's "signal ... received"): a line logged while
        // the ring is in the middle of a change is dropped, not written over it.
        if (capture->busy_) return;
        const Busy busy(*capture);
        std::string_view line{reinterpret_cast<const char *>(buf), len};
        while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
        const ngx_time_t *now = ngx_timeofday();
        capture->ring_.push(static_cast<int>(level), static_cast<double>(now->sec) + now->msec / 1000.0, line);
    }

    ngx_log_t log_{};
    core::LogRing ring_;
    ngx_uint_t filter_level_ = NGX_LOG_DEBUG;
    pthread_t owner_ = pthread_self();
    volatile std::sig_atomic_t busy_ = 0;
};

namespace {

Capture *active = nullptr;

}  // namespace

Capture *create(ngx_pool_t *pool, std::size_t size) noexcept {
    void *memory = ngx_palloc(pool, size);
    void *object = ngx_palloc(pool, sizeof(Capture));
    if (memory == nullptr || object == nullptr) return nullptr;
    return new (object) Capture(memory, size);
}

void attach(Capture &capture, ngx_log_t *chain) noexcept {
    ngx_log_t *own = &capture.log();
    ngx_log_t *last = chain;
    for (;;) {
        if (last == own) return;
        if (last->next == nullptr) break;
        last = last->next;
    }
    last->next = own;
}

void set_active(Capture *capture) noexcept {
    active = capture;
    if (capture != nullptr) capture->adopt_thread();
}

}  // namespace nlf::api::errlog

using nlf::api::errlog::active;

namespace {

constexpr const char *not_set = "directive \"lua_capture_error_log\" is not set";

}  // namespace

NLF_API int ngx_http_lua_ffi_errlog_set_filter_level(int level, unsigned char *err, size_t *errlen) noexcept {
    if (active == nullptr) return nlf::core::set_ffi_error(err, errlen, not_set);
    if (level < NGX_LOG_STDERR || level > NGX_LOG_DEBUG) return nlf::core::set_ffi_error(err, errlen, "bad log level");
    active->set_filter_level(static_cast<ngx_uint_t>(level));
    return NGX_OK;
}

// The oldest captured line, taken out: its length, with the text (valid until the next
// line is captured), level and time; NGX_DONE when there is none.
NLF_API int ngx_http_lua_ffi_errlog_get_msg(char **log, int *loglevel, unsigned char *err, size_t *errlen,
                                            double *log_time) noexcept {
    if (active == nullptr) return nlf::core::set_ffi_error(err, errlen, not_set);
    nlf::core::LogRing::Entry entry{};
    const nlf::api::errlog::Capture::Busy busy(*active);
    if (!active->ring().pop(entry)) return NGX_DONE;
    *log = const_cast<char *>(entry.text.data());
    *loglevel = entry.level;
    if (log_time != nullptr) *log_time = entry.time;
    return static_cast<int>(entry.text.size());
}
