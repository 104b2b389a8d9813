/* The tables that nginx's build generates for a dynamic module: nginx's loader
 * (ngx_load_module) looks them up with dlsym. */
#include <ngx_config.h>
#include <ngx_core.h>

extern ngx_module_t ngx_http_lua_ffi_module;

#define NLF_VISIBLE __attribute__((visibility("default")))

NLF_VISIBLE ngx_module_t *ngx_modules[] = {
    &ngx_http_lua_ffi_module,
    NULL
};

NLF_VISIBLE char *ngx_module_names[] = {
    "ngx_http_lua_ffi_module",
    NULL
};

NLF_VISIBLE char *ngx_module_order[] = {
    NULL
};
