#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace nlf::core::http_time {

// Room for any of the formats below, whatever the time (years far from now have more
// digits).
inline constexpr std::size_t max_length = 48;

struct CivilTime {
    std::int64_t year;
    int month;    // 1-12
    int day;      // 1-31
    int hour;
    int minute;
    int second;
    int weekday;  // 0 = Sunday
};

// Proleptic Gregorian calendar, UTC; any time_t, also before 1970.
CivilTime civil_from_unix(std::int64_t t) noexcept;

// RFC 1123, as nginx's ngx_http_time: "Thu, 18 Nov 2010 11:27:35 GMT". Returns the
// length written (29 for years 1000-9999).
std::size_t format_http(std::int64_t t, char *buf) noexcept;

// Cookie expiry, as nginx's ngx_http_cookie_time: "Thu, 18-Nov-10 11:27:35 GMT", with
// a four-digit year after 2037 ("Mon, 28-Sep-2038 06:00:00 GMT").
std::size_t format_cookie(std::int64_t t, char *buf) noexcept;

// format_http or format_cookie for a server that formats many times of the same day:
// the date part of the last day is kept, and the calendar arithmetic that makes it (most
// of the cost) is done once a day. (Both formats end in "hh:mm:ss GMT".)
class DayCachedFormatter {
public:
    using Format = std::size_t (*)(std::int64_t t, char *buf) noexcept;

    explicit DayCachedFormatter(Format format) noexcept : format_(format) {}
    std::size_t format(std::int64_t t, char *buf) noexcept;

private:
    Format format_;
    std::int64_t day_ = 0;
    std::size_t date_length_ = 0;  // 0: nothing kept yet
    char date_[max_length] = {};   // "Thu, 18 Nov 2010 " or "Thu, 18-Nov-10 "
};

// "2010-11-19" (10 bytes) and "2010-11-19 20:56:31" (19 bytes), for ngx.today,
// ngx.localtime and ngx.utctime (the caller applies the UTC offset).
std::size_t format_date(std::int64_t t, char *buf) noexcept;
std::size_t format_date_time(std::int64_t t, char *buf) noexcept;

// nginx's ngx_parse_http_time: RFC 1123 ("Sun, 06 Nov 1994 08:49:37 GMT"), RFC 850
// ("Sunday, 06-Nov-94 08:49:37 GMT") and asctime ("Sun Nov  6 08:49:37 1994") dates,
// as leniently as nginx reads them (the week day and zone are not checked). Returns false
// for anything else. (Not std::optional: returned through memory, its flag costs a
// store-forwarding stall per call, as much as a fifth of the parse.)
bool parse_http(std::string_view s, std::int64_t &t) noexcept;

}  // namespace nlf::core::http_time
