#include "http/header_fields.hpp"

#include <cstring>

namespace nlf::http {

bool FieldText::prepare(ngx_pool_t *pool, std::string_view text, core::HeaderPart part) noexcept {
    const size_t escapes = core::header_escapes(text, part);
    pooled_ = escapes > 0;
    if (!pooled_) {
        text_ = text;
        return true;
    }
    const size_t len = text.size() + 2 * escapes;
    auto *p = static_cast<u_char *>(ngx_pnalloc(pool, len + 1));
    if (p == nullptr) return false;
    *core::escape_header(p, text, part) = '\0';
    text_ = {reinterpret_cast<const char *>(p), len};
    return true;
}

bool FieldText::store(ngx_pool_t *pool, ngx_str_t &dst) noexcept {
    if (dst.len == text_.size() && dst.data && std::memcmp(dst.data, text_.data(), text_.size()) == 0) {
        return true;
    }
    if (!pooled_) {
        auto *p = static_cast<u_char *>(ngx_pnalloc(pool, text_.size() + 1));
        if (p == nullptr) return false;
        if (!text_.empty()) std::memcpy(p, text_.data(), text_.size());
        p[text_.size()] = '\0';
        text_ = {reinterpret_cast<const char *>(p), text_.size()};
        pooled_ = true;
    }
    dst = {text_.size(), reinterpret_cast<u_char *>(const_cast<char *>(text_.data()))};
    return true;
}

bool FieldValues::prepare(ngx_pool_t *pool, const HeaderValues &given, bool single, bool keep_empty) noexcept {
    if (given.size() > inline_.size()) {
        void *mem = ngx_palloc(pool, given.size() * sizeof(FieldText));
        if (mem == nullptr) return false;
        items_ = static_cast<FieldText *>(mem);
    }
    n_ = 0;
    for (size_t i = 0; i < given.size(); ++i) {
        if (given[i].empty() && !keep_empty) continue;
        if (single) n_ = 0;
        if (!items_[n_++].prepare(pool, given[i], core::HeaderPart::value)) return false;
    }
    return true;
}

ngx_table_elt_t *push_field(ngx_list_t &list, ngx_pool_t *pool, FieldText &key, FieldText &value) noexcept {
    ngx_str_t k{}, v{};
    if (!key.store(pool, k) || !value.store(pool, v)) return nullptr;
    auto *lowcase = static_cast<u_char *>(ngx_pnalloc(pool, k.len));
    if (lowcase == nullptr) return nullptr;
    auto *h = static_cast<ngx_table_elt_t *>(ngx_list_push(&list));
    if (h == nullptr) return nullptr;
    h->key = k;
    h->value = v;
    h->lowcase_key = lowcase;
    h->hash = ngx_hash_strlow(lowcase, k.data, k.len);
    return h;
}

}  // namespace nlf::http
