#include "core/pure/http_time.hpp"

#include <array>
#include <bit>
#include <cassert>
#include <cstring>

namespace nlf::core::http_time {

namespace {

constexpr char week_days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr char month_names[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// "00" to "99", one after the other.
constexpr std::array<char, 200> digit_pairs = [] {
    std::array<char, 200> pairs{};
    for (int v = 0; v < 100; ++v) {
        pairs[2 * v] = static_cast<char>('0' + v / 10);
        pairs[2 * v + 1] = static_cast<char>('0' + v % 10);
    }
    return pairs;
}();

// Appends to a caller buffer of max_length bytes.
class Writer {
public:
    explicit Writer(char *buf) noexcept : start_(buf), p_(buf) {}

    // A literal or a day / month name, without its NUL.
    template <std::size_t N>
    Writer &text(const char (&s)[N]) noexcept {
        std::memcpy(p_, s, N - 1);
        p_ += N - 1;
        return *this;
    }
    Writer &ch(char c) noexcept {
        *p_++ = c;
        return *this;
    }
    // 0-99.
    Writer &two_digits(int v) noexcept {
        std::memcpy(p_, digit_pairs.data() + 2 * v, 2);
        p_ += 2;
        return *this;
    }
    // At least `width` characters, padded on the left with `pad`, as printf's "%4d"
    // (pad ' ') or "%04d" (pad '0').
    Writer &number(std::int64_t v, int width, char pad) noexcept {
        if (v >= 1000 && v <= 9999 && width <= 4) {  // every year for a long while
            two_digits(static_cast<int>(v / 100));
            return two_digits(static_cast<int>(v % 100));
        }
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

// A byte in each of the `n` low bytes of a word.
constexpr std::uint64_t repeated(unsigned char b, std::size_t n) noexcept {
    std::uint64_t w = 0;
    for (std::size_t k = 0; k < n; ++k) w |= std::uint64_t{b} << (8 * k);
    return w;
}

// True when every byte of `v` is 0-9: no high nibble set, neither in a byte nor in the
// byte plus 6. (A byte of 0xfa or more carries into the next one, but is caught by its
// own high nibble.)
constexpr bool bytes_below_ten(std::uint64_t v) noexcept {
    return ((v | (v + repeated(6, 8))) & repeated(0xf0, 8)) == 0;
}

// The parser reads the subject through this. It reads no byte past the end: as in
// nginx, each format is read only after a check that its remaining fields fit (the
// assertion holds the fuzz target to it). The fields of fixed width are read a word
// at a time: a word XOR the bytes it should have ('0' where a digit belongs) holds
// 0-9 for every digit and 0 for every separator.
class Cursor {
public:
    explicit Cursor(std::string_view s) noexcept : s_(s) {}

    unsigned char at(std::size_t i) const noexcept {
        assert(i < s_.size());
        return static_cast<unsigned char>(s_[i]);
    }
    bool digit(std::size_t i) const noexcept { return static_cast<unsigned>(at(i) - '0') <= 9; }
    // The decimal number in the N (2 or 4) bytes from `i`, or -1 when one of them is no
    // digit.
    template <std::size_t N>
    std::int64_t number(std::size_t i) const noexcept {
        static_assert(N == 2 || N == 4);
        const std::uint64_t v = word<N>(i) ^ repeated('0', N);
        if (!bytes_below_ten(v)) return -1;
        // Each byte times 10 plus the next: the pairs of digits in bytes 0 and 2.
        const std::uint64_t pairs = v * 10 + (v >> 8);
        if constexpr (N == 2) {
            return static_cast<std::int64_t>(pairs & 0xff);
        } else {
            return static_cast<std::int64_t>((pairs & 0xff) * 100 + (pairs >> 16 & 0xff));
        }
    }
    // "hh:mm:ss" from `i` as seconds since midnight, or -1 when it is not such a time
    // of day.
    std::int64_t clock(std::size_t i) const noexcept {
        constexpr std::uint64_t colon_bytes = std::uint64_t{0xff} << 16 | std::uint64_t{0xff} << 40;
        constexpr std::uint64_t expected = repeated('0', 8) ^ (colon_bytes & repeated(':' ^ '0', 8));
        const std::uint64_t v = word<8>(i) ^ expected;
        if (!bytes_below_ten(v) || (v & colon_bytes) != 0) [[unlikely]] return -1;
        const std::uint64_t pairs = v * 10 + (v >> 8);  // hours, minutes, seconds in bytes 0, 3, 6
        const std::uint64_t hour = pairs & 0xff;
        const std::uint64_t minute = pairs >> 24 & 0xff;
        const std::uint64_t second = pairs >> 48 & 0xff;
        if (hour > 23 || minute > 59 || second > 59) [[unlikely]] return -1;
        return static_cast<std::int64_t>(hour * 3600 + minute * 60 + second);
    }
    std::size_t size() const noexcept { return s_.size(); }

private:
    // N bytes from `i`, the first in the lowest byte.
    template <std::size_t N>
    std::uint64_t word(std::size_t i) const noexcept {
        assert(i + N <= s_.size());
        std::uint64_t w = 0;
        std::memcpy(&w, s_.data() + i, N);
        if constexpr (std::endian::native == std::endian::big) w = __builtin_bswap64(w);
        return w;
    }

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

// Days since 1970-01-01 to a date in the calendar whose years start on March 1 (leap
// days last), counted in 400-year eras of 146097 days. `Int` is wide enough for the
// era arithmetic of `days`.
template <typename Int>
void civil_from_days(Int days, CivilTime &tm) noexcept {
    const Int z = days + 719468;
    const Int era = (z >= 0 ? z : z - 146096) / 146097;
    const Int day_of_era = z - era * 146097;
    const Int year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
    const Int day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    const Int shifted_month = (5 * day_of_year + 2) / 153;  // 0 = March
    tm.day = static_cast<int>(day_of_year - (153 * shifted_month + 2) / 5 + 1);
    tm.month = static_cast<int>(shifted_month < 10 ? shifted_month + 3 : shifted_month - 9);
    tm.year = static_cast<std::int64_t>(year_of_era) + static_cast<std::int64_t>(era) * 400 + (tm.month <= 2 ? 1 : 0);
}

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
    // 32-bit arithmetic, much cheaper, for the dates servers meet (1970 to 9999).
    if (days >= 0 && days < 3000000) {
        civil_from_days<std::int32_t>(static_cast<std::int32_t>(days), tm);
    } else {
        civil_from_days<std::int64_t>(days, tm);
    }
    return tm;
}

std::size_t format_http(std::int64_t t, char *buf) noexcept {
    const CivilTime tm = civil_from_unix(t);
    Writer w(buf);
    w.text(week_days[tm.weekday]).text(", ").two_digits(tm.day).ch(' ').text(month_names[tm.month - 1]);
    w.ch(' ').number(tm.year, 4, ' ').ch(' ');
    return clock_time(w, tm).text(" GMT").length();
}

std::size_t DayCachedFormatter::format(std::int64_t t, char *buf) noexcept {
    constexpr std::int64_t year_10000 = 253402300800;
    if (t < 0 || t >= year_10000) return format_(t, buf);
    const std::int64_t day = t / 86400;
    const std::int64_t second_of_day = t % 86400;
    if (date_length_ == 0 || day != day_) {
        // The full format gives the date part: everything before "hh:mm:ss GMT".
        constexpr std::size_t clock_and_zone = 12;
        date_length_ = format_(day * 86400, date_) - clock_and_zone;
        day_ = day;
    }
    std::memcpy(buf, date_, sizeof date_);  // all of it: a fixed size copies fastest
    const int s = static_cast<int>(second_of_day);
    CivilTime clock{};
    clock.hour = s / 3600;
    clock.minute = s / 60 % 60;
    clock.second = s % 60;
    Writer w(buf + date_length_);
    return date_length_ + clock_time(w, clock).text(" GMT").length();
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

namespace {

// The fields of a date to a time, or false when they are out of range: nginx's checks
// and arithmetic.
bool to_unix(std::int64_t year, int month, std::int64_t day, std::int64_t clock, std::int64_t &t) noexcept {
    if (clock < 0 || year < 0) [[unlikely]] return false;
    static constexpr std::int64_t month_days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    // Four digits at most: 32-bit arithmetic, whose divisions by constants are cheap.
    const auto y = static_cast<std::uint32_t>(year);
    if (day == 29 && month == 1) {
        if ((y & 3) || (y % 100 == 0 && y % 400 != 0)) [[unlikely]] return false;
    } else if (day > month_days[month]) {
        return false;
    }

    // Gauss' formula counts from March 1 of 1 BC, months from 1. nginx does this in
    // unsigned 64-bit arithmetic (day 0 and the year before year 0 wrap around); so do
    // we, to give the same results for every input it accepts.
    int shifted = month - 1;  // March = 1, ..., February = 12 of the previous year
    std::uint64_t days_before_year;
    if (shifted > 0) {
        days_before_year = 365 * y + y / 4 - y / 100 + y / 400;
    } else {
        shifted += 12;
        const std::uint64_t previous = static_cast<std::uint64_t>(y) - 1;
        days_before_year = 365 * previous + previous / 4 - previous / 100 + previous / 400;
    }
    const auto m = static_cast<std::uint64_t>(shifted);
    const std::uint64_t days = days_before_year + 367 * m / 12 - 30 + static_cast<std::uint64_t>(day) - 1 -
                               719527 + 31 + 28;
    t = static_cast<std::int64_t>(days * 86400 + static_cast<std::uint64_t>(clock));
    return true;
}

}  // namespace

bool parse_http(std::string_view s, std::int64_t &t) noexcept {
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
    if (!separator) [[unlikely]] return false;
    for (++p; p < n && c.at(p) == ' '; ++p) {
    }
    if (n - p < 18) [[unlikely]] return false;

    std::int64_t day = 0;
    if (fmt != Format::asctime) {
        day = c.number<2>(p);
        if (day < 0) [[unlikely]] return false;
        p += 2;
        if (c.at(p) == ' ') {
            if (n - p < 18) [[unlikely]] return false;
        } else if (c.at(p) == '-') {
            fmt = Format::rfc850;
        } else {
            return false;
        }
        ++p;
    }

    const int month = month_of(c, p);
    if (month < 0) [[unlikely]] return false;
    p += 3;
    if ((fmt == Format::rfc1123 && c.at(p) != ' ') || (fmt == Format::rfc850 && c.at(p) != '-')) {
        return false;
    }
    ++p;

    std::int64_t year = 0;
    if (fmt == Format::rfc1123) {
        year = c.number<4>(p);
        if (year < 0) [[unlikely]] return false;
        p += 4;
    } else if (fmt == Format::rfc850) {
        year = c.number<2>(p);
        if (year < 0) [[unlikely]] return false;
        year += year < 70 ? 2000 : 1900;
        p += 2;
    } else {
        if (c.at(p) == ' ') ++p;
        if (!c.digit(p)) [[unlikely]] return false;
        day = c.at(p++) - '0';
        if (c.at(p) != ' ') {
            if (!c.digit(p)) [[unlikely]] return false;
            day = day * 10 + (c.at(p++) - '0');
        }
        if (n - p < 14) [[unlikely]] return false;
    }

    if (c.at(p++) != ' ') [[unlikely]] return false;
    const std::int64_t clock = c.clock(p);
    if (fmt == Format::asctime) {
        p += 8;
        if (c.at(p++) != ' ') [[unlikely]] return false;
        year = c.number<4>(p);
    }

    return to_unix(year, month, day, clock, t);
}

}  // namespace nlf::core::http_time
