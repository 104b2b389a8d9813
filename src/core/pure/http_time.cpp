#include "core/pure/http_time.hpp"

#include <cstring>

namespace nlf::core::http_time {

namespace {

constexpr const char *week_days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr const char *month_names[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// Appends to a caller buffer of max_length bytes.
class Writer {
public:
    explicit Writer(char *buf) noexcept : start_(buf), p_(buf) {}

    Writer &text(const char *s) noexcept {
        std::size_t n = std::strlen(s);
        std::memcpy(p_, s, n);
        p_ += n;
        return *this;
    }
    Writer &ch(char c) noexcept {
        *p_++ = c;
        return *this;
    }
    Writer &two_digits(int v) noexcept {
        *p_++ = static_cast<char>('0' + v / 10);
        *p_++ = static_cast<char>('0' + v % 10);
        return *this;
    }
    // At least `width` characters, padded on the left with `pad`, as printf's "%4d"
    // (pad ' ') or "%04d" (pad '0').
    Writer &number(std::int64_t v, int width, char pad) noexcept {
        char digits[24];
        int n = 0;
        // Negating in unsigned arithmetic keeps INT64_MIN well defined.
        std::uint64_t u = v < 0 ? 0 - static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v);
        do {
            digits[n++] = static_cast<char>('0' + u % 10);
            u /= 10;
        } while (u != 0);
        int used = n + (v < 0 ? 1 : 0);
        if (v < 0 && pad == '0') *p_++ = '-';
        for (; used < width; ++used) *p_++ = pad;
        if (v < 0 && pad != '0') *p_++ = '-';
        while (n > 0) *p_++ = digits[--n];
        return *this;
    }
    std::size_t length() const noexcept { return static_cast<std::size_t>(p_ - start_); }

private:
    char *start_;
    char *p_;
};

Writer &clock_time(Writer &w, const CivilTime &tm) noexcept {
    return w.two_digits(tm.hour).ch(':').two_digits(tm.minute).ch(':').two_digits(tm.second);
}

// The parser reads the subject through this: bytes past the end read as 0, which no
// rule accepts, so bounds never need a second thought.
class Cursor {
public:
    explicit Cursor(std::string_view s) noexcept : s_(s) {}

    unsigned char at(std::size_t i) const noexcept {
        return i < s_.size() ? static_cast<unsigned char>(s_[i]) : 0;
    }
    bool digit(std::size_t i) const noexcept { return at(i) >= '0' && at(i) <= '9'; }
    bool digits(std::size_t i, std::size_t n) const noexcept {
        for (std::size_t k = 0; k < n; ++k) {
            if (!digit(i + k)) return false;
        }
        return true;
    }
    std::uint64_t number(std::size_t i, std::size_t n) const noexcept {
        std::uint64_t v = 0;
        for (std::size_t k = 0; k < n; ++k) v = v * 10 + (at(i + k) - '0');
        return v;
    }
    std::size_t size() const noexcept { return s_.size(); }

private:
    std::string_view s_;
};

// nginx tells months apart by as few letters as it can; so do we.
int month_of(const Cursor &c, std::size_t p) noexcept {
    switch (c.at(p)) {
    case 'J': return c.at(p + 1) == 'a' ? 0 : c.at(p + 2) == 'n' ? 5 : 6;
    case 'F': return 1;
    case 'M': return c.at(p + 2) == 'r' ? 2 : 4;
    case 'A': return c.at(p + 1) == 'p' ? 3 : 7;
    case 'S': return 8;
    case 'O': return 9;
    case 'N': return 10;
    case 'D': return 11;
    default: return -1;
    }
}

enum class Format { rfc1123, rfc850, asctime };

}  // namespace

CivilTime civil_from_unix(std::int64_t t) noexcept {
    std::int64_t days = t / 86400;
    std::int64_t secs = t % 86400;
    if (secs < 0) {
        secs += 86400;
        --days;
    }
    CivilTime tm{};
    tm.hour = static_cast<int>(secs / 3600);
    tm.minute = static_cast<int>(secs / 60 % 60);
    tm.second = static_cast<int>(secs % 60);
    // 1970-01-01 was a Thursday.
    tm.weekday = static_cast<int>(((days % 7) + 11) % 7);

    // Days to a date in the calendar whose years start on March 1 (leap days last),
    // in 400-year eras of 146097 days.
    const std::int64_t z = days + 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const std::int64_t day_of_era = z - era * 146097;
    const std::int64_t year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
    const std::int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    const std::int64_t shifted_month = (5 * day_of_year + 2) / 153;  // 0 = March
    tm.day = static_cast<int>(day_of_year - (153 * shifted_month + 2) / 5 + 1);
    tm.month = static_cast<int>(shifted_month < 10 ? shifted_month + 3 : shifted_month - 9);
    tm.year = year_of_era + era * 400 + (tm.month <= 2 ? 1 : 0);
    return tm;
}

std::size_t format_http(std::int64_t t, char *buf) noexcept {
    const CivilTime tm = civil_from_unix(t);
    Writer w(buf);
    w.text(week_days[tm.weekday]).text(", ").two_digits(tm.day).ch(' ').text(month_names[tm.month - 1]);
    w.ch(' ').number(tm.year, 4, ' ').ch(' ');
    return clock_time(w, tm).text(" GMT").length();
}

std::size_t format_cookie(std::int64_t t, char *buf) noexcept {
    const CivilTime tm = civil_from_unix(t);
    Writer w(buf);
    w.text(week_days[tm.weekday]).text(", ").two_digits(tm.day).ch('-').text(month_names[tm.month - 1]).ch('-');
    // Old browsers (Netscape 3) read two-digit years only, and not past 2037.
    if (tm.year > 2037) {
        w.number(tm.year, 0, ' ');
    } else {
        w.number(tm.year % 100, 2, '0');
    }
    w.ch(' ');
    return clock_time(w, tm).text(" GMT").length();
}

std::size_t format_date(std::int64_t t, char *buf) noexcept {
    const CivilTime tm = civil_from_unix(t);
    Writer w(buf);
    return w.number(tm.year, 4, '0').ch('-').two_digits(tm.month).ch('-').two_digits(tm.day).length();
}

std::size_t format_date_time(std::int64_t t, char *buf) noexcept {
    const CivilTime tm = civil_from_unix(t);
    Writer w(buf);
    w.number(tm.year, 4, '0').ch('-').two_digits(tm.month).ch('-').two_digits(tm.day).ch(' ');
    return clock_time(w, tm).length();
}

std::optional<std::int64_t> parse_http(std::string_view s) noexcept {
    const Cursor c(s);
    const std::size_t n = c.size();
    Format fmt = Format::rfc1123;

    // The week day ends at ',' (RFC 1123, RFC 850) or ' ' (asctime).
    std::size_t p = 0;
    bool separator = false;
    for (; p < n; ++p) {
        if (c.at(p) == ',') {
            separator = true;
            break;
        }
        if (c.at(p) == ' ') {
            separator = true;
            fmt = Format::asctime;
            break;
        }
    }
    if (!separator) return std::nullopt;
    for (++p; p < n && c.at(p) == ' '; ++p) {
    }
    if (n - p < 18) return std::nullopt;

    std::uint64_t day = 0;
    if (fmt != Format::asctime) {
        if (!c.digits(p, 2)) return std::nullopt;
        day = c.number(p, 2);
        p += 2;
        if (c.at(p) == ' ') {
            if (n - p < 18) return std::nullopt;
        } else if (c.at(p) == '-') {
            fmt = Format::rfc850;
        } else {
            return std::nullopt;
        }
        ++p;
    }

    const int month = month_of(c, p);
    if (month < 0) return std::nullopt;
    p += 3;
    if ((fmt == Format::rfc1123 && c.at(p) != ' ') || (fmt == Format::rfc850 && c.at(p) != '-')) {
        return std::nullopt;
    }
    ++p;

    std::uint64_t year = 0;
    if (fmt == Format::rfc1123) {
        if (!c.digits(p, 4)) return std::nullopt;
        year = c.number(p, 4);
        p += 4;
    } else if (fmt == Format::rfc850) {
        if (!c.digits(p, 2)) return std::nullopt;
        year = c.number(p, 2);
        year += year < 70 ? 2000 : 1900;
        p += 2;
    } else {
        if (c.at(p) == ' ') ++p;
        if (!c.digit(p)) return std::nullopt;
        day = c.number(p++, 1);
        if (c.at(p) != ' ') {
            if (!c.digit(p)) return std::nullopt;
            day = day * 10 + c.number(p++, 1);
        }
        if (n - p < 14) return std::nullopt;
    }

    if (c.at(p++) != ' ' || !c.digits(p, 2)) return std::nullopt;
    const std::uint64_t hour = c.number(p, 2);
    p += 2;
    if (c.at(p++) != ':' || !c.digits(p, 2)) return std::nullopt;
    const std::uint64_t minute = c.number(p, 2);
    p += 2;
    if (c.at(p++) != ':' || !c.digits(p, 2)) return std::nullopt;
    const std::uint64_t second = c.number(p, 2);
    if (fmt == Format::asctime) {
        p += 2;
        if (c.at(p++) != ' ' || !c.digits(p, 4)) return std::nullopt;
        year = c.number(p, 4);
    }

    if (hour > 23 || minute > 59 || second > 59) return std::nullopt;
    static constexpr std::uint64_t month_days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (day == 29 && month == 1) {
        if ((year & 3) || (year % 100 == 0 && year % 400 != 0)) return std::nullopt;
    } else if (day > month_days[month]) {
        return std::nullopt;
    }

    // Gauss' formula counts from March 1 of 1 BC, months from 1. nginx does this in
    // unsigned arithmetic (day 0 and year 0 wrap around); so do we, to give the same
    // results for every input it accepts.
    int shifted = month - 1;  // March = 1, ..., February = 12 of the previous year
    if (shifted <= 0) {
        shifted += 12;
        year -= 1;
    }
    const auto m = static_cast<std::uint64_t>(shifted);
    const std::uint64_t days = 365 * year + year / 4 - year / 100 + year / 400 + 367 * m / 12 - 30 + day - 1 -
                               719527 + 31 + 28;
    return static_cast<std::int64_t>(days * 86400 + hour * 3600 + minute * 60 + second);
}

}  // namespace nlf::core::http_time
