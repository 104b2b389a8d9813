// The *_by_lua* directives: reading the Lua of `*_by_lua_block { ... }` straight from
// nginx.conf, compiling inline code while the configuration loads.
#include "http/module.hpp"

#include "core/context.hpp"
#include "core/guard.hpp"
#include "core/pure/chunk_name.hpp"
#include "core/pure/lua_block_scanner.hpp"

#include <algorithm>
#include <string>

namespace nlf::http {

namespace {

// Refills nginx's configuration buffer with the next part of the file.
bool refill_conf_buffer(ngx_conf_t *cf) {
    ngx_conf_file_t *file = cf->conf_file;
    ngx_buf_t *b = file->buffer;
    if (file->file.fd == NGX_INVALID_FILE) return false;
    off_t size = ngx_file_size(&file->file.info);
    if (file->file.offset >= size) return false;
    size_t want = std::min<size_t>(b->end - b->start, size - file->file.offset);
    ssize_t n = ngx_read_file(&file->file, b->start, want, file->file.offset);
    if (n <= 0) return false;
    b->pos = b->start;
    b->last = b->start + n;
    if (file->dump) file->dump->last = ngx_cpymem(file->dump->last, b->pos, n);
    return true;
}

// Reads the Lua code after `{` up to its closing `}`, leaving nginx's parser right
// after the brace. Returns false at an unexpected end of file.
bool read_lua_block(ngx_conf_t *cf, std::string &code) {
    core::LuaBlockScanner scanner;
    ngx_buf_t *b = cf->conf_file->buffer;
    for (;;) {
        std::string_view piece(reinterpret_cast<const char *>(b->pos), b->last - b->pos);
        std::size_t end = scanner.feed(piece);
        if (end != core::LuaBlockScanner::npos) {
            code.append(piece.substr(0, end));
            b->pos += end + 1;
            cf->conf_file->line += scanner.newlines();
            return true;
        }
        code.append(piece);
        b->pos = b->last;
        if (!refill_conf_buffer(cf)) {
            cf->conf_file->line += scanner.newlines();
            return false;
        }
    }
}

}  // namespace

char *compile_lua_argument(ngx_conf_t *cf, std::string_view directive, bool block,
                           const ngx_str_t &inline_code, LuaCode &code) {
    core::Vm *vm = conf_vm(cf);
    if (vm == nullptr) return static_cast<char *>(NGX_CONF_ERROR);
    // A string argument may span lines: its chunk starts where the string does.
    const ngx_uint_t line =
        block ? cf->conf_file->line
              : cf->conf_file->line - std::count(inline_code.data, inline_code.data + inline_code.len, '\n');
    if (!block && inline_code.len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "invalid location config: no runnable Lua code");
        return static_cast<char *>(NGX_CONF_ERROR);
    }
    std::string text;
    if (block) {
        if (!read_lua_block(cf, text)) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "unexpected end of file, expecting \"}\"");
            return static_cast<char *>(NGX_CONF_ERROR);
        }
    } else {
        text.assign(view(inline_code));
    }
    std::string chunk_name =
        core::inline_chunk_name(core::chunk_tag(directive), view(cf->conf_file->file.name), line);
    std::string error;
    code.ref = vm->compile(text, chunk_name, error);
    if (code.ref == LUA_NOREF) {
        // Point the message at the directive, not at the end of its block.
        const ngx_uint_t end_line = cf->conf_file->line;
        cf->conf_file->line = line;
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "failed to load inlined Lua code: %s", error.c_str());
        cf->conf_file->line = end_line;
        return static_cast<char *>(NGX_CONF_ERROR);
    }
    return NGX_CONF_OK;
}

char *resolve_lua_file(ngx_conf_t *cf, const ngx_str_t &file, LuaCode &code, bool with_variables) {
    ngx_str_t path = file;
    if (path.len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "invalid location config: no runnable Lua code");
        return static_cast<char *>(NGX_CONF_ERROR);
    }
    if (with_variables && ngx_http_script_variables_count(&path) != 0) {
        code.file_value = static_cast<ngx_http_complex_value_t *>(
            ngx_pcalloc(cf->pool, sizeof(ngx_http_complex_value_t)));
        if (code.file_value == nullptr) return static_cast<char *>(NGX_CONF_ERROR);
        ngx_http_compile_complex_value_t ccv{};
        ccv.cf = cf;
        ccv.value = &path;
        ccv.complex_value = code.file_value;
        if (ngx_http_compile_complex_value(&ccv) != NGX_OK) return static_cast<char *>(NGX_CONF_ERROR);
        code.file = path;
        return NGX_CONF_OK;
    }
    // ngx_get_full_name keeps the value NUL-terminated (the parser's tokens are too).
    if (ngx_get_full_name(cf->pool, &cf->cycle->prefix, &path) != NGX_OK) {
        return static_cast<char *>(NGX_CONF_ERROR);
    }
    code.file = path;
    return NGX_CONF_OK;
}

char *set_lua_code(ngx_conf_t *cf, ngx_command_t *cmd, void *conf) {
    auto &code = *reinterpret_cast<LuaCode *>(static_cast<char *>(conf) + cmd->offset);
    const unsigned phase = *static_cast<const unsigned *>(cmd->post);
    if (code.is_set()) return const_cast<char *>("is duplicate");
    code.directive = reinterpret_cast<const char *>(cmd->name.data);

    const ngx_str_t argument =
        (cmd->type & NGX_CONF_BLOCK) ? ngx_str_t{} : static_cast<ngx_str_t *>(cf->args->elts)[1];
    char *rv = core::guarded(cf->log, static_cast<char *>(NGX_CONF_ERROR), [&] {
        const bool has_request =
            phase != core::ctx_init && phase != core::ctx_init_worker && phase != core::ctx_exit_worker;
        return view(cmd->name).ends_with("_file")
                   ? resolve_lua_file(cf, argument, code, has_request)
                   : compile_lua_argument(cf, view(cmd->name), cmd->type & NGX_CONF_BLOCK, argument, code);
    });
    if (rv != NGX_CONF_OK) return rv;

    auto *mcf = static_cast<MainConf *>(ngx_http_conf_get_module_main_conf(cf, ngx_http_lua_ffi_module));
    mcf->phases_used |= phase;
    if (phase == core::ctx_content) {
        auto *clcf = static_cast<ngx_http_core_loc_conf_t *>(
            ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module));
        clcf->handler = content_handler;
    }
    return NGX_CONF_OK;
}

namespace {

// The file a request runs for a path with variables: evaluated, made absolute against
// the prefix and NUL-terminated (the VM opens it by name), from the request's pool.
bool evaluate_path(ngx_http_request_t *r, const LuaCode &code, ngx_str_t &path) {
    ngx_str_t value;
    if (ngx_http_complex_value(r, code.file_value, &value) != NGX_OK) return false;
    if (value.len == 0) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "failed to load external Lua file: \"%V\" gives an empty path", &code.file);
        return false;
    }
    ngx_str_t prefix{ngx_cycle->prefix.len, ngx_cycle->prefix.data};
    if (ngx_get_full_name(r->pool, &prefix, &value) != NGX_OK) return false;
    path.data = static_cast<u_char *>(ngx_pnalloc(r->pool, value.len + 1));
    if (path.data == nullptr) return false;
    *ngx_cpymem(path.data, value.data, value.len) = '\0';
    path.len = value.len;
    return true;
}

}  // namespace

bool push_lua_code(core::Vm &vm, const LuaCode &code, bool code_cache, ngx_log_t *log,
                   ngx_http_request_t *r, lua_State *to) {
    lua_State *L = vm.L();
    if (to == nullptr) to = L;
    if (code.ref != LUA_NOREF) {
        lua_rawgeti(to, LUA_REGISTRYINDEX, code.ref);
        return true;
    }
    ngx_str_t path = code.file;
    if (code.file_value != nullptr && (r == nullptr || !evaluate_path(r, code, path))) return false;
    return core::guarded(log, false, [&] {
        std::string error;
        if (vm.push_file(reinterpret_cast<const char *>(path.data), !code_cache, error)) {
            if (to != L) lua_xmove(L, to, 1);
            return true;
        }
        ngx_log_error(NGX_LOG_ERR, log, 0, "failed to load external Lua file \"%V\": %s", &path,
                      error.c_str());
        return false;
    });
}

}  // namespace nlf::http
