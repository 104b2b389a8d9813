// ngx.now, ngx.time, ngx.update_time, ngx.today, ngx.localtime, ngx.utctime,
// ngx.http_time, ngx.cookie_time, ngx.parse_http_time, resty.core.time.monotonic_*.
// All but update_time read nginx's cached clock, as OpenResty's do.
#include "ngx.hpp"

#include "core/pure/http_time.hpp"

#include <algorithm>
#include <cstddef>
#include <cstring>

namespace ht = nlf::core::http_time;

namespace {

// OpenResty's callers give 29-byte buffers for HTTP and cookie dates: a date of a year
// past 9999 is cut to that.
constexpr size_t abi_date_length = 29;

std::int64_t local_now() noexcept {
    const ngx_time_t *tp = ngx_timeofday();
    return static_cast<std::int64_t>(tp->sec) + static_cast<std::int64_t>(tp->gmtoff) * 60;
}

template <typename Format>
size_t format_into(unsigned char *dst, size_t cap, std::int64_t t, Format format) noexcept {
    char buf[ht::max_length];
    const size_t n = std::min(format(t, buf), cap);
    std::memcpy(dst, buf, n);
    return n;
}

}  // namespace

NLF_API double ngx_http_lua_ffi_now(void) noexcept {
    const ngx_time_t *tp = ngx_timeofday();
    return static_cast<double>(tp->sec) + static_cast<double>(tp->msec) / 1000.0;
}

NLF_API long ngx_http_lua_ffi_time(void) noexcept {
    return static_cast<long>(ngx_time());
}

// Where nginx keeps the pointer to its current cached time, for ngx.now and ngx.time to
// read without a call (what ngx_timeofday() reads). The Lua side declares the leading
// fields of ngx_time_t as { long sec; uintptr_t msec; }: checked here.
static_assert(offsetof(ngx_time_t, sec) == 0 && sizeof(time_t) == sizeof(long));
static_assert(offsetof(ngx_time_t, msec) == sizeof(long) && sizeof(ngx_uint_t) == sizeof(uintptr_t));
NLF_API volatile ngx_time_t **nlf_ffi_cached_time(void) noexcept {
    return &ngx_cached_time;
}

NLF_API long ngx_http_lua_ffi_monotonic_msec(void) noexcept {
    return static_cast<long>(ngx_current_msec);
}

NLF_API void ngx_http_lua_ffi_update_time(void) noexcept {
    ngx_time_update();
}

NLF_API void ngx_http_lua_ffi_today(unsigned char *buf) noexcept {
    format_into(buf, 10, local_now(), ht::format_date);
}

NLF_API void ngx_http_lua_ffi_localtime(unsigned char *buf) noexcept {
    format_into(buf, 19, local_now(), ht::format_date_time);
}

NLF_API void ngx_http_lua_ffi_utctime(unsigned char *buf) noexcept {
    format_into(buf, 19, static_cast<std::int64_t>(ngx_time()), ht::format_date_time);
}

// Our own: `buf` has room for http_time::max_length bytes, whatever the year.
NLF_API size_t nlf_ffi_http_time(unsigned char *buf, long t) noexcept {
    static ht::DayCachedFormatter formatter(ht::format_http);
    return formatter.format(t, reinterpret_cast<char *>(buf));
}

NLF_API size_t nlf_ffi_cookie_time(unsigned char *buf, long t) noexcept {
    static ht::DayCachedFormatter formatter(ht::format_cookie);
    return formatter.format(t, reinterpret_cast<char *>(buf));
}

NLF_API void ngx_http_lua_ffi_http_time(unsigned char *buf, long t) noexcept {
    format_into(buf, abi_date_length, t, ht::format_http);
}

NLF_API int ngx_http_lua_ffi_cookie_time(unsigned char *buf, long t) noexcept {
    return static_cast<int>(format_into(buf, abi_date_length, t, ht::format_cookie));
}

NLF_API void ngx_http_lua_ffi_parse_http_time(const unsigned char *str, size_t len, long *time) noexcept {
    std::int64_t t;
    *time = ht::parse_http({reinterpret_cast<const char *>(str), len}, t) ? static_cast<long>(t) : NGX_ERROR;
}

// The time as the Lua number ngx.parse_http_time returns, or -1 for a malformed date
// (OpenResty returns nil for both). A double needs no out-parameter and no int64 box.
NLF_API double nlf_ffi_parse_http_time(const unsigned char *str, size_t len) noexcept {
    std::int64_t t;
    return ht::parse_http({reinterpret_cast<const char *>(str), len}, t) ? static_cast<double>(t) : -1.0;
}
