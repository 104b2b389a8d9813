// ngx.config: facts about the nginx binary and this process's configuration.
#include "ngx.hpp"

#include "core/context.hpp"

NLF_API const unsigned char *nlf_ffi_config_prefix(size_t *len) noexcept {
    const ngx_cycle_t *cycle = nlf::core::active_cycle();
    *len = cycle->prefix.len;
    return cycle->prefix.data;
}

NLF_API const char *nlf_ffi_config_configure(void) noexcept {
    return NGX_CONFIGURE;
}

NLF_API int nlf_ffi_config_nginx_version(void) noexcept {
    return nginx_version;
}

NLF_API int nlf_ffi_config_debug(void) noexcept {
#if (NGX_DEBUG)
    return 1;
#else
    return 0;
#endif
}

// The value `env NAME=value;` gives NAME in the configuration Lua code belongs to (the
// one being loaded while init_by_lua runs, so a reload sees its new values), as
// "NAME=value": *name_len is NAME's length. NGX_DECLINED when no such directive sets it.
NLF_API int ngx_http_lua_ffi_get_conf_env(const unsigned char *name, unsigned char **env_buf,
                                          size_t *name_len) noexcept {
    auto *ccf = reinterpret_cast<ngx_core_conf_t *>(
        ngx_get_conf(nlf::core::active_cycle()->conf_ctx, ngx_core_module));
    if (ccf == nullptr || ccf->env.elts == nullptr) return NGX_DECLINED;
    const std::string_view wanted(reinterpret_cast<const char *>(name));
    const auto *vars = static_cast<const ngx_str_t *>(ccf->env.elts);
    for (ngx_uint_t i = 0; i < ccf->env.nelts; ++i) {
        // nginx keeps the directive's whole argument ("NAME=value", NUL-terminated) with
        // the length of NAME; `env NAME;` (inherit) has no '=' after it.
        const ngx_str_t &var = vars[i];
        if (var.data[var.len] == '=' && nlf::view(var) == wanted) {
            *env_buf = var.data;
            *name_len = var.len;
            return NGX_OK;
        }
    }
    return NGX_DECLINED;
}
