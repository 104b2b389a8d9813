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

/* Our module goes before nginx's copy filter in the module list, so that its body
 * filter is called after the copy filter: body_filter_by_lua needs the data that
 * filter reads into memory (r->filter_need_in_memory). */
NLF_VISIBLE char *ngx_module_order[] = {
    "ngx_http_lua_ffi_module",
    "ngx_http_copy_filter_module",
    NULL
};
