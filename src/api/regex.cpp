// ngx.re: OpenResty's regex ABI (third-party code binds it) over core/regex, and the
// nlf_ffi_* calls our own Lua prefers (a whole sub/gsub with a template in one call).
#include "ngx.hpp"

#include "core/guard.hpp"
#include "core/regex.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>

using nlf::core::regex::AbiRegex;
using nlf::core::regex::ComplexValue;
using nlf::core::regex::Regex;
using nlf::core::regex::Replacement;

namespace {

// Copies a message into a caller's buffer of `size` bytes, NUL-terminated; returns the
// length written.
size_t copy_message(std::string_view msg, unsigned char *dst, size_t size) noexcept {
    if (size == 0) return 0;
    const size_t n = std::min(msg.size(), size - 1);
    std::memcpy(dst, msg.data(), n);
    dst[n] = '\0';
    return n;
}

ngx_log_t *process_log() noexcept {
    return const_cast<ngx_cycle_t *>(ngx_cycle)->log;
}

// OpenResty logs why a template is malformed and returns a fixed message.
std::unique_ptr<Replacement> make_replacement(const Regex &re, const unsigned char *data, size_t len) noexcept {
    return nlf::core::guarded(process_log(), std::unique_ptr<Replacement>(), [&] {
        std::string error;
        std::unique_ptr<Replacement> rep =
            re.make_replacement({reinterpret_cast<const char *>(data), len}, error);
        if (!rep) ngx_log_error(NGX_LOG_ERR, process_log(), 0, "%s", error.c_str());
        return rep;
    });
}

// ngx_http_lua_script_engine_t: what evaluating a template needs to know of a match.
struct ScriptEngine {
    const unsigned char *subject;
    const int *captures;
    int count;
};

}  // namespace

NLF_API const char *ngx_http_lua_ffi_pcre_version(void) noexcept {
    static char version[32];
    if (version[0] == '\0') pcre2_config(PCRE2_CONFIG_VERSION, version);
    return version;
}

NLF_API AbiRegex *ngx_http_lua_ffi_compile_regex(const unsigned char *pat, size_t pat_len, int flags,
                                                 int pcre_opts, unsigned char *errstr,
                                                 size_t errstr_size) noexcept {
    std::string error;
    Regex *re = Regex::compile({reinterpret_cast<const char *>(pat), pat_len}, flags, pcre_opts, error);
    if (re == nullptr) {
        copy_message(error, errstr, errstr_size);
        return nullptr;
    }
    return &re->abi;
}

NLF_API int ngx_http_lua_ffi_exec_regex(AbiRegex *re, int flags, const unsigned char *s, size_t len,
                                        int pos) noexcept {
    if (pos < 0) pos = 0;
    return Regex::of(*re).exec(flags, s, len, static_cast<size_t>(pos));
}

NLF_API void ngx_http_lua_ffi_destroy_regex(AbiRegex *re) noexcept {
    if (re != nullptr) delete &Regex::of(*re);
}

NLF_API int ngx_http_lua_ffi_compile_replace_template(AbiRegex *re, const unsigned char *replace_data,
                                                      size_t replace_len) noexcept {
    Regex &regex = Regex::of(*re);
    regex.attached = make_replacement(regex, replace_data, replace_len);
    re->replace = regex.attached ? &regex.attached->cv : nullptr;
    return regex.attached ? NGX_OK : NGX_ERROR;
}

NLF_API ScriptEngine *ngx_http_lua_ffi_create_script_engine(void) noexcept {
    return new (std::nothrow) ScriptEngine{};
}

NLF_API void ngx_http_lua_ffi_init_script_engine(ScriptEngine *e, const unsigned char *subj, AbiRegex *compiled,
                                                 int count) noexcept {
    e->subject = subj;
    e->captures = compiled->captures;
    e->count = count;
}

NLF_API void ngx_http_lua_ffi_destroy_script_engine(ScriptEngine *e) noexcept {
    delete e;
}

NLF_API size_t ngx_http_lua_ffi_script_eval_len(ScriptEngine *e, ComplexValue *cv) noexcept {
    return Replacement::of(*cv).tpl.length(e->captures, e->count);
}

NLF_API size_t ngx_http_lua_ffi_script_eval_data(ScriptEngine *e, ComplexValue *cv, unsigned char *dst) noexcept {
    return static_cast<size_t>(Replacement::of(*cv).tpl.write(e->subject, e->captures, e->count, dst) - dst);
}

NLF_API uint32_t ngx_http_lua_ffi_max_regex_cache_size(void) noexcept {
    return static_cast<uint32_t>(nlf::core::regex::settings().cache_max_entries);
}

NLF_API int ngx_http_lua_ffi_set_jit_stack_size(int size, unsigned char *errstr, size_t *errstr_size) noexcept {
    if (nlf::core::regex::set_jit_stack_size(size < 0 ? 0 : static_cast<size_t>(size))) return NGX_OK;
    *errstr_size = copy_message("pcre jit stack allocation failed", errstr, *errstr_size);
    return NGX_ERROR;
}

// A template of our own Lua's, cached beside the regex it belongs to (one regex may
// serve several templates). nullptr when malformed (the reason is logged).
NLF_API ComplexValue *nlf_ffi_regex_template(AbiRegex *re, const unsigned char *data, size_t len) noexcept {
    std::unique_ptr<Replacement> rep = make_replacement(Regex::of(*re), data, len);
    return rep ? &rep.release()->cv : nullptr;
}

NLF_API void nlf_ffi_regex_template_free(ComplexValue *cv) noexcept {
    if (cv != nullptr) delete &Replacement::of(*cv);
}

// ngx.re's own exec: the offsets are left in PCRE2's ovector (nlf_ffi_regex_ovector), not
// copied into the ABI's int captures.
NLF_API int nlf_ffi_regex_exec(AbiRegex *re, int flags, const unsigned char *s, size_t len, size_t pos) noexcept {
    return Regex::of(*re).match(flags, s, len, pos);
}

// The (start, end) offset pairs of the regex's last match, PCRE2_UNSET for unset groups;
// the same array for the regex's whole life.
NLF_API const PCRE2_SIZE *nlf_ffi_regex_ovector(AbiRegex *re) noexcept {
    return Regex::of(*re).ovector();
}

// The match data with which nlf_ffi_regex_jit_match may run the regex's code (re->regex)
// in place of nlf_ffi_regex_exec with `flags`, or nullptr when it may not.
NLF_API pcre2_match_data *nlf_ffi_regex_jit_match_data(AbiRegex *re, int flags) noexcept {
    const Regex &regex = Regex::of(*re);
    return regex.jit_direct(flags) ? regex.match_data() : nullptr;
}

// nlf_ffi_regex_exec's fast path, for a start offset `pos` <= `len`.
NLF_API int nlf_ffi_regex_jit_match(const pcre2_code *code, const unsigned char *s, size_t len, size_t pos,
                                    pcre2_match_data *match_data) noexcept {
    return nlf::core::regex::jit_match(code, s, len, pos, match_data);
}

// Frees a substitution result that did not fit the caller's buffer.
NLF_API void nlf_ffi_free(void *p) noexcept {
    std::free(p);
}

// ngx.re.sub / gsub with a template, whole: returns the number of substitutions (the
// result in *out, which the caller frees with nlf_ffi_free when it is not `buf`) or a
// PCRE error code.
NLF_API int nlf_ffi_regex_substitute(AbiRegex *re, ComplexValue *cv, int flags, const unsigned char *s,
                                     size_t len, int global, unsigned char *buf, size_t cap, unsigned char **out,
                                     size_t *out_len) noexcept {
    return Regex::of(*re).substitute(Replacement::of(*cv), flags, s, len, global != 0, buf, cap, out, out_len);
}
