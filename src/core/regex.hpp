// The regex engine behind ngx.re: PCRE2 with its JIT, in the shapes of OpenResty's
// FFI ABI (a compiled regex whose first bytes are ngx_http_lua_regex_t, PCRE1-numbered
// options, PCRE return codes).
#pragma once
#include "ngx.hpp"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "core/pure/replace_template.hpp"

#include <bit>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

namespace nlf::core::regex {

// Flags of resty.core.regex.
inline constexpr int flag_compile_once = 0x01;
inline constexpr int flag_dfa = 0x02;
inline constexpr int flag_jit = 0x04;
inline constexpr int flag_dupnames = 0x08;
inline constexpr int flag_no_utf8_check = 0x10;

// What lua_regex_match_limit and lua_regex_cache_max_entries configure.
struct Settings {
    unsigned long match_limit = 0;  // 0: PCRE2's default
    unsigned long cache_max_entries = 1024;
};

// Sets the configuration of the cycle whose Lua runs next (the new one while
// init_by_lua runs, then the worker's).
void configure(const Settings &settings) noexcept;
const Settings &settings() noexcept;

// ngx.re.opt("jit_stack_size", n): the stack PCRE2's JIT code runs on from now on.
// Returns false when it cannot be allocated.
bool set_jit_stack_size(size_t size) noexcept;

// ngx_http_lua_complex_value_t: a replacement template as third-party Lua sees it.
// `lengths` is non-NULL when the template refers to captures, NULL when `value` is the
// whole replacement; `values` points back to the Replacement.
struct ComplexValue {
    ngx_str_t value;
    void *lengths;
    void *values;
};

// A parsed replacement template bound to the regex whose captures it names.
struct Replacement {
    ComplexValue cv{};
    ReplaceTemplate tpl;

    explicit Replacement(ReplaceTemplate t) noexcept;
    static const Replacement &of(const ComplexValue &cv) noexcept {
        return *static_cast<const Replacement *>(cv.values);
    }
};

// ngx_http_lua_regex_t, field for field. `pool` points back to the Regex.
struct AbiRegex {
    void *pool;
    unsigned char *name_table;
    int name_count;
    int name_entry_size;
    int ncaptures;
    int *captures;
    void *regex;
    void *regex_sd;
    ComplexValue *replace;
    const char *pattern;
};

class Regex {
public:
    // Compiles `pattern` with PCRE1-numbered `pcre_opts` and the flags above. On
    // failure returns nullptr with the message OpenResty gives in `error`.
    static Regex *compile(std::string_view pattern, int flags, int pcre_opts, std::string &error) noexcept;
    ~Regex();
    Regex(const Regex &) = delete;
    Regex &operator=(const Regex &) = delete;

    static Regex &of(const AbiRegex &abi) noexcept { return *static_cast<Regex *>(abi.pool); }

    // Matches from byte `pos`, leaving the (start, end) offset pairs in ovector()
    // (PCRE2_UNSET for a group that did not take part). Returns a PCRE return code: pairs
    // set (> 0), 0 when a DFA match found more matches than reported,
    // PCRE2_ERROR_NOMATCH (-1), or another PCRE2 error.
    int match(int flags, const unsigned char *subject, size_t len, size_t pos) noexcept;
    // match(), with the ABI's int captures ((start, end) pairs, -1 when unset) filled too.
    int exec(int flags, const unsigned char *subject, size_t len, size_t pos) noexcept;
    const PCRE2_SIZE *ovector() const noexcept { return ovector_; }

    // True when match() with `flags` runs the JIT code with none of pcre2_match's checks
    // (UTF validation among them): jit_match() on code() and match_data() does the same.
    bool jit_direct(int flags) const noexcept {
        return jitted_ && !(flags & flag_dfa) && ((flags & flag_no_utf8_check) || !utf());
    }
    const pcre2_code *code() const noexcept { return code_; }
    pcre2_match_data *match_data() const noexcept { return match_data_; }

    // Parses a replacement template whose named captures refer to this regex. nullptr
    // (and `error`) when it is malformed.
    std::unique_ptr<Replacement> make_replacement(std::string_view tpl, std::string &error) const;

    // sub (global = false) or gsub with a template: writes the result into `buf` of `cap`
    // bytes, or into memory from malloc when it does not fit (then *out != buf and the
    // caller frees it). Returns the number of substitutions, or a negative PCRE error
    // (nothing allocated then).
    int substitute(const Replacement &rep, int flags, const unsigned char *subject, size_t len, bool global,
                   unsigned char *buf, size_t cap, unsigned char **out, size_t *out_len) noexcept;

    // The template the ABI's compile_replace_template attached.
    std::unique_ptr<Replacement> attached;

    AbiRegex abi{};  // what the FFI hands out

private:
    Regex() = default;
    bool utf() const noexcept { return (options_ & PCRE2_UTF) != 0; }
    // False when no match can start at or after `pos` (see first_bytes_).
    bool may_match_from(const unsigned char *subject, size_t len, size_t pos) const noexcept {
        if (first_bytes_ == 0) return true;
        const size_t rest = len - pos;
        if (rest > 16) return may_match_in_long_rest(subject + pos, rest);
        if (len < 8) {
            const auto first = static_cast<unsigned char>(first_bytes_);
            const auto fold = static_cast<unsigned char>(case_bits_);
            for (size_t i = pos; i < len; ++i) {
                if ((subject[i] | fold) == first) return true;
            }
            return false;
        }
        // Short rests are the common case (the search after a subject's last match): one
        // or two word loads cost less there than calls to memchr.
        if (rest > 8) return first_byte_bits(subject + pos) != 0 || first_byte_bits(subject + len - 8) != 0;
        if (rest == 0) return false;
        // The subject's last word, less its first 8 - rest bytes (those before `pos`).
        const unsigned shift = 8 * static_cast<unsigned>(8 - rest);
        const uint64_t bits = first_byte_bits(subject + len - 8);
        return (std::endian::native == std::endian::little ? bits >> shift : bits << shift) != 0;
    }
    // The high bit of each of the 8 bytes at `p` that is the first byte, exactly.
    uint64_t first_byte_bits(const unsigned char *p) const noexcept {
        constexpr uint64_t low7 = 0x7f7f7f7f7f7f7f7f;
        uint64_t word;
        std::memcpy(&word, p, sizeof word);
        const uint64_t zero_where_first = (word | case_bits_) ^ first_bytes_;
        return ~(((zero_where_first & low7) + low7) | zero_where_first | low7);
    }
    bool may_match_in_long_rest(const unsigned char *rest, size_t n) const noexcept;

    pcre2_code *code_ = nullptr;
    pcre2_match_data *match_data_ = nullptr;
    const PCRE2_SIZE *ovector_ = nullptr;  // match_data_'s
    std::unique_ptr<int[]> captures_;
    std::string pattern_;
    uint32_t options_ = 0;
    bool jitted_ = false;
    // The ASCII byte every match starts with, when PCRE2 knows one, in each byte of
    // first_bytes_ (0 when not known): a subject without it cannot match, and checking
    // that costs less than a call into PCRE2 (which makes the same check inside). For a
    // letter, first_bytes_ holds its lower case and case_bits_ 0x20 in each byte: either
    // case counts, as PCRE2 does not tell whether the pattern is caseless there.
    uint64_t first_bytes_ = 0;
    uint64_t case_bits_ = 0;
};

// pcre2_jit_match from `pos` (at most `len`) with the process's match context.
int jit_match(const pcre2_code *code, const unsigned char *subject, size_t len, size_t pos,
              pcre2_match_data *match_data) noexcept;

// Where the next search starts after an empty match ending at `pos`: one character on
// (a whole UTF-8 sequence in UTF mode, so that the offset stays valid).
size_t next_start(const unsigned char *subject, size_t len, size_t pos, bool utf) noexcept;

}  // namespace nlf::core::regex
