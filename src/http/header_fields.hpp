#pragma once
#include "ngx_http.hpp"

#include "core/pure/ffi_types.hpp"
#include "core/pure/header_text.hpp"

#include <array>
#include <string_view>

// Header fields in nginx's lists (headers_in.headers, headers_out.headers), shared by
// the request and response header APIs.
namespace nlf::http {

// The values Lua gives for a header: one string (a null `single` is nil, no value), or a
// table of them.
class HeaderValues {
public:
    HeaderValues(std::string_view single, const core::FfiStr *many, size_t count) noexcept
        : single_(single), many_(many), count_(many ? count : (single.data() == nullptr ? 0 : 1)) {}

    size_t size() const noexcept { return count_; }
    std::string_view operator[](size_t i) const noexcept {
        if (many_ == nullptr) return single_;
        return {reinterpret_cast<const char *>(many_[i].data),
                static_cast<size_t>(many_[i].len < 0 ? 0 : many_[i].len)};
    }

private:
    std::string_view single_;
    const core::FfiStr *many_;
    size_t count_;
};

// Text Lua gives for a header name or value, escaped (see core::escape_header). It
// stays where it is (Lua's string) unless escaping changes it, and is copied into the
// pool only when a field takes it and does not hold the same bytes already: setting a
// header to the value it has allocates nothing.
class FieldText {
public:
    // False when out of memory.
    bool prepare(ngx_pool_t *pool, std::string_view text, core::HeaderPart part) noexcept;

    // Text prepared before, in memory that outlives the request: fields take it as is.
    static FieldText kept(const ngx_str_t &s) noexcept {
        FieldText t;
        t.text_ = {reinterpret_cast<const char *>(s.data), s.len};
        t.pooled_ = true;
        return t;
    }

    std::string_view view() const noexcept { return text_; }
    bool empty() const noexcept { return text_.empty(); }

    // Makes `dst` hold this text, NUL-terminated as nginx expects. False when out of memory.
    bool store(ngx_pool_t *pool, ngx_str_t &dst) noexcept;

private:
    // Left uninitialized until prepare(): arrays of them cost nothing to make.
    std::string_view text_;
    bool pooled_;  // text_ is NUL-terminated pool memory
};

// The values among `given`, prepared: the non-empty ones (an empty string, like nil,
// means no value) unless `keep_empty` (ngx.req's add_header adds empty values, as
// OpenResty's does); at most `single ? 1 : all` of them (the last ones).
class FieldValues {
public:
    // False when out of memory.
    bool prepare(ngx_pool_t *pool, const HeaderValues &given, bool single, bool keep_empty = false) noexcept;

    size_t size() const noexcept { return n_; }
    FieldText &operator[](size_t i) noexcept { return items_[i]; }

private:
    std::array<FieldText, 8> inline_;
    FieldText *items_ = inline_.data();
    size_t n_ = 0;
};

// Calls fn(ngx_table_elt_t &) for each element of a list of header fields.
template <typename F>
void for_each_field(ngx_list_t &list, F &&fn) {
    for (ngx_list_part_t *part = &list.part; part != nullptr; part = part->next) {
        auto *elts = static_cast<ngx_table_elt_t *>(part->elts);
        for (ngx_uint_t i = 0; i < part->nelts; ++i) fn(elts[i]);
    }
}

// ASCII case-insensitive equality of two names of the same length.
inline bool same_name(const u_char *a, const char *b, size_t n) noexcept {
    for (size_t i = 0; i < n; ++i) {
        const u_char x = a[i];
        const auto y = static_cast<u_char>(b[i]);
        if (x == y) continue;
        const u_char lx = x | 0x20;
        if (lx != (y | 0x20) || lx < 'a' || lx > 'z') return false;
    }
    return true;
}

inline bool same_name(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() && same_name(reinterpret_cast<const u_char *>(a.data()), b.data(), a.size());
}

inline bool has_name(const ngx_table_elt_t &h, std::string_view name) noexcept {
    return h.key.len == name.size() &&
           (h.key.data == reinterpret_cast<const u_char *>(name.data()) ||
            same_name(h.key.data, name.data(), name.size()));
}

// Appends a field (its lower-case name and hash computed); nullptr when out of memory.
ngx_table_elt_t *push_field(ngx_list_t &list, ngx_pool_t *pool, FieldText &key, FieldText &value) noexcept;

}  // namespace nlf::http
