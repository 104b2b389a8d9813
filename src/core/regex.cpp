#include "core/regex.hpp"

#include "core/pure/copy_bytes.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>

namespace nlf::core::regex {

namespace {

// The PCRE1 option bits resty.core.regex passes.
constexpr int pcre_caseless = 0x0000001;
constexpr int pcre_multiline = 0x0000002;
constexpr int pcre_dotall = 0x0000004;
constexpr int pcre_extended = 0x0000008;
constexpr int pcre_anchored = 0x0000010;
constexpr int pcre_utf8 = 0x0000800;
constexpr int pcre_dupnames = 0x0080000;
constexpr int pcre_javascript_compat = 0x2000000;

// OpenResty's DFA workspace, in ints.
constexpr size_t dfa_workspace_size = 1000;

uint32_t pcre2_options(int pcre_opts) noexcept {
    struct Mapping {
        int pcre1;
        uint32_t pcre2;
    };
    // PCRE2 split PCRE1's JavaScript compatibility into the three behaviours it meant.
    static constexpr Mapping mappings[] = {
        {pcre_caseless, PCRE2_CASELESS},
        {pcre_multiline, PCRE2_MULTILINE},
        {pcre_dotall, PCRE2_DOTALL},
        {pcre_extended, PCRE2_EXTENDED},
        {pcre_anchored, PCRE2_ANCHORED},
        {pcre_utf8, PCRE2_UTF},
        {pcre_dupnames, PCRE2_DUPNAMES},
        {pcre_javascript_compat, PCRE2_ALT_BSUX | PCRE2_ALLOW_EMPTY_CLASS | PCRE2_MATCH_UNSET_BACKREF},
    };
    uint32_t options = 0;
    for (const Mapping &m : mappings) {
        if (pcre_opts & m.pcre1) options |= m.pcre2;
    }
    return options;
}

Settings current_settings;

// Shared by every match of the process: the match limit and the JIT stack.
struct MatchContext {
    pcre2_match_context *context = nullptr;
    pcre2_jit_stack *jit_stack = nullptr;

    // Rebuilt on every configuration: a limit of 0 means PCRE2's default, which a
    // context that had one set cannot go back to. Without a limit or a stack of our
    // own there is no context at all: PCRE2's defaults are a little faster to use.
    // False (the old context kept) when memory runs out.
    bool rebuild() noexcept {
        pcre2_match_context *fresh = nullptr;
        if (current_settings.match_limit > 0 || jit_stack != nullptr) {
            fresh = pcre2_match_context_create(nullptr);
            if (fresh == nullptr) return false;
            if (current_settings.match_limit > 0) {
                pcre2_set_match_limit(fresh, static_cast<uint32_t>(std::min<unsigned long>(
                                                 current_settings.match_limit, UINT32_MAX)));
            }
            if (jit_stack != nullptr) pcre2_jit_stack_assign(fresh, nullptr, jit_stack);
        }
        pcre2_match_context_free(context);
        context = fresh;
        return true;
    }
};

MatchContext match_context;

// Out of line: its workspace would make every match's stack frame 4 KB.
[[gnu::noinline]] int dfa_match(const pcre2_code *code, const unsigned char *subject, size_t len, size_t pos,
                                uint32_t options, pcre2_match_data *match_data) noexcept {
    int workspace[dfa_workspace_size];
    return pcre2_dfa_match(code, subject, len, pos, options, match_data, match_context.context, workspace,
                           dfa_workspace_size);
}

bool is_ascii_letter(unsigned char c) noexcept {
    const unsigned char lower = c | 0x20;
    return lower >= 'a' && lower <= 'z';
}

std::string compile_error(std::string_view pattern, int errcode, PCRE2_SIZE offset) {
    PCRE2_UCHAR message[256];
    if (pcre2_get_error_message(errcode, message, sizeof message) < 0) message[0] = '\0';
    std::string error = "pcre2_compile() failed: ";
    error.append(reinterpret_cast<const char *>(message));
    error.append(" in \"").append(pattern).append("\"");
    if (offset < pattern.size()) error.append(" at \"").append(pattern.substr(offset)).append("\"");
    return error;
}

// The result of a substitution, written at a cursor: into the caller's buffer while it
// has room, then into memory of our own, handed to the caller on success.
class Output {
public:
    Output(unsigned char *buf, size_t cap) noexcept : data_(buf), limit_(buf + cap), caller_buf_(buf) {}
    ~Output() {
        if (data_ != caller_buf_) std::free(data_);
    }
    Output(const Output &) = delete;
    Output &operator=(const Output &) = delete;

    unsigned char *start() const noexcept { return data_; }

    // The cursor `at` with room for `n` more bytes after it: `at` itself, or the same
    // place in a bigger copy; nullptr when memory runs out.
    unsigned char *reserve(unsigned char *at, size_t n) noexcept {
        return has_room(at, n) ? at : grow(at, n);
    }
    bool has_room(const unsigned char *at, size_t n) const noexcept {
        return n <= static_cast<size_t>(limit_ - at);
    }

    // Hands the output, up to `end`, to the caller.
    void release(unsigned char *end, unsigned char **out, size_t *out_len) noexcept {
        *out = data_;
        *out_len = static_cast<size_t>(end - data_);
        caller_buf_ = data_;  // now the caller's to free
    }

private:
    [[gnu::noinline]] unsigned char *grow(unsigned char *at, size_t n) noexcept {
        const size_t used = static_cast<size_t>(at - data_);
        const size_t old_cap = static_cast<size_t>(limit_ - data_);
        const size_t cap = old_cap * 2 > used + n ? old_cap * 2 : used + n;
        auto *bigger = static_cast<unsigned char *>(std::malloc(cap));
        if (bigger == nullptr) return nullptr;
        if (used != 0) std::memcpy(bigger, data_, used);
        if (data_ != caller_buf_) std::free(data_);
        data_ = bigger;
        limit_ = bigger + cap;
        return bigger + used;
    }

    unsigned char *data_;
    unsigned char *limit_;
    unsigned char *caller_buf_;
};

}  // namespace

void configure(const Settings &settings) noexcept {
    current_settings = settings;
    match_context.rebuild();
}

const Settings &settings() noexcept {
    return current_settings;
}

bool set_jit_stack_size(size_t size) noexcept {
    // PCRE2's own starting size; smaller stacks are rounded up to it, as OpenResty does.
    constexpr size_t min_size = 32 * 1024;
    pcre2_jit_stack *stack = pcre2_jit_stack_create(min_size, size < min_size ? min_size : size, nullptr);
    if (stack == nullptr) return false;
    pcre2_jit_stack *old = match_context.jit_stack;
    match_context.jit_stack = stack;
    if (!match_context.rebuild()) {
        match_context.jit_stack = old;
        pcre2_jit_stack_free(stack);
        return false;
    }
    pcre2_jit_stack_free(old);
    return true;
}

Replacement::Replacement(ReplaceTemplate t) noexcept : tpl(std::move(t)) {
    if (tpl.is_literal()) {
        cv.value = ngx_str(tpl.literal_text());
    } else {
        cv.lengths = this;
    }
    cv.values = this;
}

Regex *Regex::compile(std::string_view pattern, int flags, int pcre_opts, std::string &error) noexcept {
    try {
        std::unique_ptr<Regex> re(new Regex);
        re->pattern_.assign(pattern);
        re->options_ = pcre2_options(pcre_opts);
        int errcode = 0;
        PCRE2_SIZE erroffset = 0;
        re->code_ = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(re->pattern_.c_str()), re->pattern_.size(),
                                  re->options_, &errcode, &erroffset, nullptr);
        if (re->code_ == nullptr) {
            error = compile_error(pattern, errcode, erroffset);
            return nullptr;
        }
        const bool dfa = (flags & flag_dfa) != 0;
        if ((flags & flag_jit) && !dfa) {
            re->jitted_ = pcre2_jit_compile(re->code_, PCRE2_JIT_COMPLETE) == 0;
            ngx_log_debug1(NGX_LOG_DEBUG_CORE, ngx_cycle->log, 0, "pcre JIT compiling result: %d",
                           re->jitted_ ? 1 : 0);
        }

        uint32_t ncaptures = 0;
        uint32_t name_count = 0;
        uint32_t name_entry_size = 0;
        PCRE2_SPTR name_table = nullptr;
        pcre2_pattern_info(re->code_, PCRE2_INFO_CAPTURECOUNT, &ncaptures);
        pcre2_pattern_info(re->code_, PCRE2_INFO_NAMECOUNT, &name_count);
        if (name_count > 0) {
            pcre2_pattern_info(re->code_, PCRE2_INFO_NAMEENTRYSIZE, &name_entry_size);
            pcre2_pattern_info(re->code_, PCRE2_INFO_NAMETABLE, &name_table);
        }
        uint32_t first_type = 0;
        uint32_t first_unit = 0;
        pcre2_pattern_info(re->code_, PCRE2_INFO_FIRSTCODETYPE, &first_type);
        pcre2_pattern_info(re->code_, PCRE2_INFO_FIRSTCODEUNIT, &first_unit);
        if (first_type == 1 && first_unit > 0 && first_unit < 0x80) {
            constexpr uint64_t ones = 0x0101010101010101;
            const auto unit = static_cast<unsigned char>(first_unit);
            const unsigned char fold = is_ascii_letter(unit) ? 0x20 : 0;
            re->case_bits_ = ones * fold;
            re->first_bytes_ = ones * (unit | fold);
        }
        // A DFA match reports only the longest match, as OpenResty's does.
        if (dfa) ncaptures = 0;
        re->match_data_ = pcre2_match_data_create(ncaptures + 1, nullptr);
        if (re->match_data_ == nullptr) throw std::bad_alloc();
        re->ovector_ = pcre2_get_ovector_pointer(re->match_data_);
        re->captures_ = std::make_unique<int[]>(2 * (ncaptures + 1));

        AbiRegex &abi = re->abi;
        abi.pool = re.get();
        abi.name_table = const_cast<unsigned char *>(name_table);
        abi.name_count = static_cast<int>(name_count);
        abi.name_entry_size = static_cast<int>(name_entry_size);
        abi.ncaptures = static_cast<int>(ncaptures);
        abi.captures = re->captures_.get();
        abi.regex = re->code_;
        abi.pattern = re->pattern_.c_str();
        return re.release();
    } catch (const std::bad_alloc &) {
        error = "no memory";
        return nullptr;
    }
}

Regex::~Regex() {
    pcre2_match_data_free(match_data_);
    pcre2_code_free(code_);
}

int Regex::match(int flags, const unsigned char *subject, size_t len, size_t pos) noexcept {
    if (pos > len) return PCRE2_ERROR_BADOFFSET;
    const uint32_t options = (flags & flag_no_utf8_check) ? PCRE2_NO_UTF_CHECK : 0;
    if (flags & flag_dfa) return dfa_match(code_, subject, len, pos, options, match_data_);
    if (jit_direct(flags)) return jit_match(code_, subject, len, pos, match_data_);
    return pcre2_match(code_, subject, len, pos, options, match_data_, match_context.context);
}

bool Regex::may_match_in_long_rest(const unsigned char *rest, size_t n) const noexcept {
    const auto first = static_cast<unsigned char>(first_bytes_);
    const auto fold = static_cast<unsigned char>(case_bits_);
    return std::memchr(rest, first, n) != nullptr || (fold != 0 && std::memchr(rest, first ^ fold, n) != nullptr);
}

int Regex::exec(int flags, const unsigned char *subject, size_t len, size_t pos) noexcept {
    const int rc = match(flags, subject, len, pos);
    if (rc < 0) return rc;
    const int pairs = rc == 0 ? 1 : rc;  // 0: a DFA match found more than the longest
    for (int i = 0; i < 2 * pairs; ++i) {
        captures_[i] = ovector_[i] == PCRE2_UNSET ? -1 : static_cast<int>(ovector_[i]);
    }
    return rc;
}

std::unique_ptr<Replacement> Regex::make_replacement(std::string_view tpl, std::string &error) const {
    std::optional<ReplaceTemplate> parsed = ReplaceTemplate::parse(tpl, error);
    if (!parsed) return nullptr;
    auto group_of = [this](std::string_view name) {
        std::string z(name);
        return pcre2_substring_number_from_name(code_, reinterpret_cast<PCRE2_SPTR>(z.c_str()));
    };
    if (!parsed->resolve_names(group_of, error)) return nullptr;
    return std::make_unique<Replacement>(std::move(*parsed));
}

int Regex::substitute(const Replacement &rep, int flags, const unsigned char *subject, size_t len, bool global,
                      unsigned char *buf, size_t cap, unsigned char **out, size_t *out_len) noexcept {
    Output result(buf, cap);
    unsigned char *at = result.start();
    const bool direct = jit_direct(flags);
    int count = 0;
    size_t pos = 0;     // where the next search starts
    size_t copied = 0;  // subject bytes up to here are in the result
    while (may_match_from(subject, len, pos)) {
        const int rc = direct ? jit_match(code_, subject, len, pos, match_data_) : match(flags, subject, len, pos);
        if (rc == PCRE2_ERROR_NOMATCH) break;
        if (rc < 0) return rc;
        const int pairs = rc == 0 ? 1 : rc;
        // A match never starts before the search offset, nor ends before it starts,
        // unless \K is allowed in lookarounds: then the result just repeats bytes.
        const size_t from = std::max(ovector_[0], copied);
        const size_t to = std::max(ovector_[1], from);
        ++count;
        const size_t before = from - copied;
        const size_t room = before + rep.tpl.length_bound(len) + copy_slack;
        if (!result.has_room(at, room)) {
            at = result.reserve(at, before + rep.tpl.length(ovector_, pairs) + copy_slack);
            if (at == nullptr) return PCRE2_ERROR_NOMEMORY;
        }
        copy_bytes(at, subject + copied, before);
        at = rep.tpl.write_with_slack(subject, ovector_, pairs, at + before);
        copied = to;
        pos = to == from ? next_start(subject, len, to, utf()) : to;
        if (!global || pos > len) break;
    }
    if (count > 0) {
        at = result.reserve(at, len - copied);
        if (at == nullptr) return PCRE2_ERROR_NOMEMORY;
        copy_bytes(at, subject + copied, len - copied);
        result.release(at + (len - copied), out, out_len);
    }
    return count;
}

int jit_match(const pcre2_code *code, const unsigned char *subject, size_t len, size_t pos,
              pcre2_match_data *match_data) noexcept {
    return pcre2_jit_match(code, subject, len, pos, 0, match_data, match_context.context);
}

size_t next_start(const unsigned char *subject, size_t len, size_t pos, bool utf) noexcept {
    ++pos;
    if (utf) {
        while (pos < len && (subject[pos] & 0xc0) == 0x80) ++pos;
    }
    return pos;
}

}  // namespace nlf::core::regex
