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
