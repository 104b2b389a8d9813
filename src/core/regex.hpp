// The regex engine behind ngx.re: PCRE2 with its JIT, in the shapes of OpenResty's
// FFI ABI (a compiled regex whose first bytes are ngx_http_lua_regex_t, PCRE1-numbered
// options, PCRE return codes).
#pragma once
#include "ngx.hpp"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "core/pure/replace_template.hpp"

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

    pcre2_code *code_ = nullptr;
    pcre2_match_data *match_data_ = nullptr;
    const PCRE2_SIZE *ovector_ = nullptr;  // match_data_'s
    std::unique_ptr<int[]> captures_;
    std::string pattern_;
    uint32_t options_ = 0;
    bool jitted_ = false;
};

// pcre2_jit_match from `pos` (at most `len`) with the process's match context.
int jit_match(const pcre2_code *code, const unsigned char *subject, size_t len, size_t pos,
              pcre2_match_data *match_data) noexcept;

// Where the next search starts after an empty match ending at `pos`: one character on
// (a whole UTF-8 sequence in UTF mode, so that the offset stays valid).
size_t next_start(const unsigned char *subject, size_t len, size_t pos, bool utf) noexcept;

}  // namespace nlf::core::regex
