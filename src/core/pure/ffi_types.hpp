#pragma once

// Plain types of the FFI ABI that both the pure helpers and the FFI functions use.
namespace nlf::core {

// ngx_http_lua_ffi_str_t.
struct FfiStr {
    int len;
    const unsigned char *data;
};

// ngx_http_lua_ffi_table_elt_t: a header or query argument.
struct FfiPair {
    FfiStr key;
    FfiStr value;  // for a query argument, len -1 is a key without '=' (Lua: `true`)
};

}  // namespace nlf::core
