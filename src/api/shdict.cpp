// ngx.shared.DICT: the nginx side of the shared dictionaries. The data structure is
// core/shdict/dict.hpp; here are the zones (declared by lua_shared_dict, mapped by
// nginx, reused across reloads), their lock, and the FFI functions — ours (nlf_ffi_*,
// what lua/resty/core/shdict.lua calls) and OpenResty's ABI as thin adapters.
#include "api/shdict.hpp"

#include "core/shdict/dict.hpp"
#include "core/shdict/spin_lock.hpp"

#include <type_traits>

namespace nlf::api::shdict {

using nlf::shdict::Dict;
using nlf::shdict::End;
using nlf::shdict::Found;
using nlf::shdict::SpinGuard;
using nlf::shdict::SpinLock;
using nlf::shdict::Status;
using nlf::shdict::StoreMode;
using nlf::shdict::Type;
using nlf::shdict::Value;

// OpenResty refuses zones below 8 kB with the same message.
constexpr ssize_t kMinZoneSize = 8192;
// The engine addresses its block in 8-byte units with 32-bit offsets.
constexpr ssize_t kMaxZoneSize = ssize_t{1} << 35;
constexpr std::uint64_t kZoneRefMagic = 0x6e6c662d7a6f6e65ull;  // "nlf-zone"

static_assert(std::is_same_v<ngx_atomic_uint_t, SpinLock::Word>,
              "the zone lock reuses the word of nginx's slab pool mutex");

// One lua_shared_dict in this process, in the configuration's pool; the data lives in
// the shared memory zone.
struct Zone {
    Dict *dict = nullptr;  // set once nginx has mapped the zone
    SpinLock::Word *lock_word = nullptr;
    ngx_str_t name{};
    size_t size = 0;
    ZoneSet *set = nullptr;
};

// The payload of the userdata at a dictionary object's [1], and the `zone` every FFI
// function takes (ngx_http_lua_ffi_shdict_udata_to_zone returns it as is). A full
// userdata because LuaJIT compiles passing one to a `void *` parameter (as a pointer to
// its payload) but not a light one.
struct ZoneRef {
    std::uint64_t magic;  // lets the FFI reject another userdata
    Zone *zone;
};

namespace {

// nginx formats every shared zone as a slab pool and, when a worker dies, releases
// the pool's mutex if that worker held it. The dictionary takes that mutex's word as
// its lock (so the release covers it) and everything after the pool header as its
// block; the slab allocator itself is never used.
ngx_int_t init_zone(ngx_shm_zone_t *shm, void *old_data) {
    auto *zone = static_cast<Zone *>(shm->data);
    auto *pool = reinterpret_cast<ngx_slab_pool_t *>(shm->shm.addr);
    zone->lock_word = const_cast<SpinLock::Word *>(&pool->lock.lock);
    u_char *start = ngx_align_ptr(shm->shm.addr + sizeof(ngx_slab_pool_t), 64);
    const size_t bytes = static_cast<size_t>(shm->shm.addr + shm->shm.size - start);

    Dict *dict = nullptr;
    if (old_data != nullptr || shm->shm.exists) {
        dict = Dict::attach(start, bytes);
        if (dict == nullptr) {
            ngx_log_error(NGX_LOG_NOTICE, shm->shm.log, 0,
                          "lua_shared_dict \"%V\" was laid out by another version of the module; "
                          "starting it empty",
                          &zone->name);
        }
    }
    if (dict == nullptr) {
        const std::uint64_t seed = (std::uint64_t(ngx_random()) << 32) ^ std::uint64_t(ngx_random()) ^
                                   reinterpret_cast<std::uintptr_t>(shm->shm.addr) ^ ngx_time();
        dict = Dict::format(start, bytes, seed);
        if (dict == nullptr) {
            ngx_log_error(NGX_LOG_EMERG, shm->shm.log, 0,
                          "lua_shared_dict \"%V\" cannot be laid out in %uz bytes", &zone->name, bytes);
            return NGX_ERROR;
        }
    }
    zone->dict = dict;

    ZoneSet &set = *zone->set;
    if (++set.mapped == set.zones.nelts && set.on_ready != nullptr) {
        return set.on_ready(set.cycle, set.on_ready_data);
    }
    return NGX_OK;
}

ZoneSet *create_set(ngx_conf_t *cf) {
    void *mem = ngx_pcalloc(cf->pool, sizeof(ZoneSet));
    if (mem == nullptr) return nullptr;
    auto *set = new (mem) ZoneSet();
    if (ngx_array_init(&set->zones, cf->pool, 4, sizeof(Zone *)) != NGX_OK) return nullptr;
    set->cycle = cf->cycle;
    return set;
}

}  // namespace

char *declare(ngx_conf_t *cf, ZoneSet *&set, void *tag) {
    auto *args = static_cast<ngx_str_t *>(cf->args->elts);
    ngx_str_t name = args[1];
    ngx_str_t size_text = args[2];
    if (name.len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "invalid lua shared dict name \"%V\"", &name);
        return static_cast<char *>(NGX_CONF_ERROR);
    }
    const ssize_t size = ngx_parse_size(&size_text);
    if (size == NGX_ERROR || size < kMinZoneSize || size > kMaxZoneSize) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "invalid lua shared dict size \"%V\"", &size_text);
        return static_cast<char *>(NGX_CONF_ERROR);
    }
    if (set == nullptr && (set = create_set(cf)) == nullptr) return static_cast<char *>(NGX_CONF_ERROR);

    ngx_shm_zone_t *shm = ngx_shared_memory_add(cf, &name, static_cast<size_t>(size), tag);
    if (shm == nullptr) return static_cast<char *>(NGX_CONF_ERROR);
    if (shm->data != nullptr) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "lua_shared_dict \"%V\" is already defined", &name);
        return static_cast<char *>(NGX_CONF_ERROR);
    }
    void *mem = ngx_pcalloc(cf->pool, sizeof(Zone));
    auto **slot = static_cast<Zone **>(ngx_array_push(&set->zones));
    if (mem == nullptr || slot == nullptr) return static_cast<char *>(NGX_CONF_ERROR);
    auto *zone = new (mem) Zone();
    zone->name = name;
    zone->size = static_cast<size_t>(size);
    zone->set = set;
    *slot = zone;
    shm->data = zone;
    shm->init = init_zone;
    return NGX_CONF_OK;
}

void inject(lua_State *L, const ZoneSet *set) {
    const ngx_uint_t n = set != nullptr ? set->zones.nelts : 0;
    lua_getglobal(L, "ngx");
    lua_createtable(L, 0, static_cast<int>(n));
    if (n != 0) {
        lua_createtable(L, 0, 24);  // the methods; lua/resty/core/shdict.lua fills them in
        lua_pushvalue(L, -1);
        lua_setfield(L, -2, "__index");
        auto *zones = static_cast<Zone **>(set->zones.elts);
        for (ngx_uint_t i = 0; i < n; ++i) {
            lua_pushlstring(L, reinterpret_cast<const char *>(zones[i]->name.data), zones[i]->name.len);
            lua_createtable(L, 1, 0);
            auto *ref = static_cast<ZoneRef *>(lua_newuserdata(L, sizeof(ZoneRef)));
            ref->magic = kZoneRefMagic;
            ref->zone = zones[i];
            lua_rawseti(L, -2, 1);
            lua_pushvalue(L, -3);
            lua_setmetatable(L, -2);
            lua_rawset(L, -4);
        }
        lua_pop(L, 1);
    }
    lua_setfield(L, -2, "shared");
    lua_pop(L, 1);
}

}  // namespace nlf::api::shdict

// ---------------------------------------------------------------------------------
// The FFI functions.

using namespace nlf::api::shdict;

namespace {

// Status codes of the nlf_ffi_shdict_* functions: nlf::shdict::Status, or this one.
constexpr int kBadZone = -1;

// Results, laid out as lua/resty/core/shdict.lua declares them.
struct Result {
    double num;          // number or boolean value, incr result, list length, ttl (ms)
    unsigned char *str;  // a string value: the caller's buffer, or malloc'd when larger
    size_t len;
    int type;        // nlf::shdict::Type
    unsigned flags;  // user flags
    int forcible;    // a live item was evicted to make room
    int stale;       // get_stale: the item had expired
};

struct KeysBatch {
    unsigned char *bytes;
    size_t byte_capacity;
    std::uint16_t *lengths;
    size_t count_capacity;
    size_t count;
    size_t needed_bytes;
    size_t needed_count;
    std::uint32_t cursor;
};

Zone *valid_zone(void *p) noexcept {
    const auto *ref = static_cast<const ZoneRef *>(p);
    if (ref == nullptr || ref->magic != kZoneRefMagic || ref->zone->dict == nullptr) return nullptr;
    return ref->zone;
}

bool valid_key(size_t len) noexcept {
    return len != 0 && len <= Dict::kMaxKeyLength;
}

std::string_view key_view(const unsigned char *key, size_t len) noexcept {
    return {reinterpret_cast<const char *>(key), len};
}

// Hashed before the lock is taken, to keep the critical section short.
nlf::shdict::Key key_of(const Zone &zone, const unsigned char *key, size_t len) noexcept {
    return zone.dict->key(key_view(key, len));
}

std::uint64_t now_ms() noexcept {
    const ngx_time_t *tp = ngx_timeofday();
    return std::uint64_t(tp->sec) * 1000 + tp->msec;
}

std::uint64_t ttl_of(long ms) noexcept {
    return ms > 0 ? static_cast<std::uint64_t>(ms) : 0;
}

// Runs `op(dict, now)` under the zone's lock.
template <typename Op>
auto locked(Zone &zone, Op &&op) noexcept {
    const std::uint64_t now = now_ms();
    SpinLock lock(*zone.lock_word, static_cast<SpinLock::Word>(ngx_pid));
    SpinGuard guard(lock);
    return op(*zone.dict, now);
}

// A value of the Lua types a dictionary stores (nil, boolean, number, string).
bool make_value(int type, const unsigned char *str, size_t len, double num, Value &v) noexcept {
    switch (static_cast<Type>(type)) {
    case Type::nil: v = Value{}; return true;
    case Type::boolean: v = Value{Type::boolean, num != 0 ? 1.0 : 0.0, {}}; return true;
    case Type::number: v = Value{Type::number, num, {}}; return true;
    case Type::string: v = Value{Type::string, 0, key_view(str, len)}; return true;
    default: return false;
    }
}

// Copies a string value out while the lock is held: into `buf` when it fits, else
// into malloc'd memory that the caller frees.
unsigned char *copy_out(std::string_view s, unsigned char *buf, size_t buf_len) noexcept {
    unsigned char *dst = s.size() <= buf_len ? buf : static_cast<unsigned char *>(malloc(s.size()));
    if (dst != nullptr && !s.empty()) ngx_memcpy(dst, s.data(), s.size());
    return dst;
}

// Fills `out` from a found value. False when a larger string could not be allocated.
bool put_value(const Value &v, unsigned char *buf, size_t buf_len, Result &out) noexcept {
    out.type = static_cast<int>(v.type);
    out.num = v.number;
    if (v.type != Type::string) return true;
    out.len = v.string.size();
    out.str = copy_out(v.string, buf, buf_len);
    return out.str != nullptr;
}

constexpr int kStoreAdd = 0x1;
constexpr int kStoreReplace = 0x2;
constexpr int kStoreSafe = 0x4;

StoreMode store_mode(int op) noexcept {
    if (op & kStoreAdd) return StoreMode::add;
    if (op & kStoreReplace) return StoreMode::replace;
    return StoreMode::set;
}

const char *status_message(Status s) noexcept {
    switch (s) {
    case Status::ok: return nullptr;
    case Status::not_found: return "not found";
    case Status::exists: return "exists";
    case Status::no_memory: return "no memory";
    case Status::not_a_number: return "not a number";
    case Status::not_a_list: return "value not a list";
    case Status::is_a_list: return "value is a list";
    }
    return "unknown error";
}

// How many buckets a flush_expired or get_keys call walks per hold of the lock.
constexpr std::uint32_t kBucketsPerLock = 1024;

Status store(Zone &zone, int op, const unsigned char *key, size_t key_len, const Value &value, long ttl_ms,
             unsigned user_flags, int &forcible) noexcept {
    const nlf::shdict::Key k = key_of(zone, key, key_len);
    return locked(zone, [&](Dict &dict, std::uint64_t now) {
        bool evicted = false;
        const Status s =
            dict.store(store_mode(op), op & kStoreSafe, k, value, ttl_of(ttl_ms), user_flags, now, evicted);
        forcible = evicted;
        return s;
    });
}

Status incr(Zone &zone, const unsigned char *key, size_t key_len, double &value, int has_init, double init,
            long init_ttl_ms, int &forcible) noexcept {
    const nlf::shdict::Key k = key_of(zone, key, key_len);
    return locked(zone, [&](Dict &dict, std::uint64_t now) {
        bool evicted = false;
        const Status s =
            dict.incr(k, value, has_init ? &init : nullptr, ttl_of(init_ttl_ms), now, value, evicted);
        forcible = evicted;
        return s;
    });
}

}  // namespace

NLF_API int nlf_ffi_shdict_get(void *zone_ptr, const unsigned char *key, size_t key_len, int get_stale,
                               unsigned char *buf, size_t buf_len, Result *out) noexcept {
    Zone *zone = valid_zone(zone_ptr);
    if (zone == nullptr) return kBadZone;
    out->type = static_cast<int>(Type::nil);
    if (!valid_key(key_len)) return static_cast<int>(Status::ok);
    const nlf::shdict::Key k = key_of(*zone, key, key_len);
    return locked(*zone, [&](Dict &dict, std::uint64_t now) {
        Found found;
        const Status s = dict.get(k, now, get_stale != 0, found);
        if (s == Status::not_found) return static_cast<int>(Status::ok);
        if (s != Status::ok) return static_cast<int>(s);
        out->flags = found.user_flags;
        out->stale = found.stale;
        return put_value(found.value, buf, buf_len, *out) ? static_cast<int>(Status::ok)
                                                          : static_cast<int>(Status::no_memory);
    });
}

NLF_API int nlf_ffi_shdict_store(void *zone_ptr, int op, const unsigned char *key, size_t key_len,
                                 int value_type, const unsigned char *str, size_t str_len, double num,
                                 long ttl_ms, unsigned user_flags, Result *out) noexcept {
    Zone *zone = valid_zone(zone_ptr);
    Value value;
    if (zone == nullptr || !valid_key(key_len) || !make_value(value_type, str, str_len, num, value)) {
        return kBadZone;
    }
    return static_cast<int>(store(*zone, op, key, key_len, value, ttl_ms, user_flags, out->forcible));
}

NLF_API int nlf_ffi_shdict_incr(void *zone_ptr, const unsigned char *key, size_t key_len, double delta,
                                int has_init, double init, long init_ttl_ms, Result *out) noexcept {
    Zone *zone = valid_zone(zone_ptr);
    if (zone == nullptr || !valid_key(key_len)) return kBadZone;
    out->num = delta;
    return static_cast<int>(incr(*zone, key, key_len, out->num, has_init, init, init_ttl_ms, out->forcible));
}

NLF_API int nlf_ffi_shdict_push(void *zone_ptr, int back, const unsigned char *key, size_t key_len,
                                int value_type, const unsigned char *str, size_t str_len, double num,
                                Result *out) noexcept {
    Zone *zone = valid_zone(zone_ptr);
    Value value;
    if (zone == nullptr || !valid_key(key_len) || !make_value(value_type, str, str_len, num, value) ||
        (value.type != Type::string && value.type != Type::number)) {
        return kBadZone;
    }
    const nlf::shdict::Key k = key_of(*zone, key, key_len);
    return locked(*zone, [&](Dict &dict, std::uint64_t now) {
        std::uint64_t length = 0;
        const Status s = dict.push(back ? End::back : End::front, k, value, now, length);
        out->num = static_cast<double>(length);
        return static_cast<int>(s);
    });
}

NLF_API int nlf_ffi_shdict_pop(void *zone_ptr, int back, const unsigned char *key, size_t key_len,
                               unsigned char *buf, size_t buf_len, Result *out) noexcept {
    Zone *zone = valid_zone(zone_ptr);
    if (zone == nullptr || !valid_key(key_len)) return kBadZone;
    out->type = static_cast<int>(Type::nil);
    bool copied = true;
    auto take = [&](const Value &v) noexcept { copied = put_value(v, buf, buf_len, *out); };
    const nlf::shdict::Key k = key_of(*zone, key, key_len);
    return locked(*zone, [&](Dict &dict, std::uint64_t now) {
        const Status s = dict.pop(back ? End::back : End::front, k, now, nlf::shdict::ValueSink(take));
        if (s == Status::not_found) return static_cast<int>(Status::ok);
        if (s == Status::ok && !copied) return static_cast<int>(Status::no_memory);
        return static_cast<int>(s);
    });
}

NLF_API int nlf_ffi_shdict_llen(void *zone_ptr, const unsigned char *key, size_t key_len,
                                Result *out) noexcept {
    Zone *zone = valid_zone(zone_ptr);
    if (zone == nullptr || !valid_key(key_len)) return kBadZone;
    const nlf::shdict::Key k = key_of(*zone, key, key_len);
    return locked(*zone, [&](Dict &dict, std::uint64_t now) {
        std::uint64_t n = 0;
        const Status s = dict.length(k, now, n);
        out->num = static_cast<double>(n);
        return static_cast<int>(s);
    });
}

NLF_API int nlf_ffi_shdict_ttl(void *zone_ptr, const unsigned char *key, size_t key_len, Result *out) noexcept {
    Zone *zone = valid_zone(zone_ptr);
    if (zone == nullptr || !valid_key(key_len)) return kBadZone;
    const nlf::shdict::Key k = key_of(*zone, key, key_len);
    return locked(*zone, [&](Dict &dict, std::uint64_t now) {
        std::uint64_t remaining = 0;
        const Status s = dict.ttl(k, now, remaining);
        out->num = static_cast<double>(remaining);
        return static_cast<int>(s);
    });
}

NLF_API int nlf_ffi_shdict_expire(void *zone_ptr, const unsigned char *key, size_t key_len,
                                  long ttl_ms) noexcept {
    Zone *zone = valid_zone(zone_ptr);
    if (zone == nullptr || !valid_key(key_len)) return kBadZone;
    const nlf::shdict::Key k = key_of(*zone, key, key_len);
    return locked(*zone, [&](Dict &dict, std::uint64_t now) {
        return static_cast<int>(dict.expire(k, ttl_of(ttl_ms), now));
    });
}

NLF_API int nlf_ffi_shdict_flush_all(void *zone_ptr) noexcept {
    Zone *zone = valid_zone(zone_ptr);
    if (zone == nullptr) return kBadZone;
    return locked(*zone, [](Dict &dict, std::uint64_t) {
        dict.flush_all();
        return static_cast<int>(Status::ok);
    });
}

// Frees up to `max` expired items (0: all); -1 for a bad zone. The lock is released
// every kBucketsPerLock buckets so that other workers are never held up for long.
NLF_API long nlf_ffi_shdict_flush_expired(void *zone_ptr, size_t max) noexcept {
    Zone *zone = valid_zone(zone_ptr);
    if (zone == nullptr) return kBadZone;
    const size_t limit = max != 0 ? max : SIZE_MAX;
    size_t freed = 0;
    std::uint32_t cursor = 0;
    while (freed < limit && cursor < zone->dict->bucket_count()) {
        freed += locked(*zone, [&](Dict &dict, std::uint64_t now) {
            return dict.flush_expired(now, cursor, kBucketsPerLock, limit - freed);
        });
    }
    return static_cast<long>(freed);
}

// One batch of keys (see nlf::shdict::Dict::collect_keys): 0 done, 1 the batch is
// full, 2 its buffers are too small for the next bucket, -1 a bad zone. The lock is
// released every kBucketsPerLock buckets.
NLF_API int nlf_ffi_shdict_get_keys(void *zone_ptr, size_t max, KeysBatch *batch) noexcept {
    Zone *zone = valid_zone(zone_ptr);
    if (zone == nullptr) return kBadZone;
    nlf::shdict::KeyBatch keys{reinterpret_cast<char *>(batch->bytes), batch->byte_capacity, batch->lengths,
                               batch->count_capacity};
    nlf::shdict::BatchResult result;
    do {
        result = locked(*zone, [&](Dict &dict, std::uint64_t now) {
            return dict.collect_keys(now, batch->cursor, kBucketsPerLock, max, keys);
        });
    } while (result == nlf::shdict::BatchResult::more);
    batch->count = keys.count;
    batch->needed_bytes = keys.needed_bytes;
    batch->needed_count = keys.needed_count;
    return static_cast<int>(result);
}

// Bytes, or -1 for a bad zone (zones are at most kMaxZoneSize large).
NLF_API long nlf_ffi_shdict_capacity(void *zone_ptr) noexcept {
    Zone *zone = valid_zone(zone_ptr);
    return zone != nullptr ? static_cast<long>(zone->size) : kBadZone;
}

NLF_API long nlf_ffi_shdict_free_space(void *zone_ptr) noexcept {
    Zone *zone = valid_zone(zone_ptr);
    if (zone == nullptr) return kBadZone;
    return locked(*zone, [](Dict &dict, std::uint64_t) { return static_cast<long>(dict.free_bytes()); });
}

// ---------------------------------------------------------------------------------
// OpenResty's ABI (ngx_http_lua_module 0.10.28, as lua-resty-core's shdict.lua binds
// it): the `zone` is what udata_to_zone returns for the userdata at a dict's [1], the
// same pointer our functions take.

namespace {

char *message(const char *text) noexcept {
    return const_cast<char *>(text);
}

}  // namespace

NLF_API void *ngx_http_lua_ffi_shdict_udata_to_zone(void *zone_udata) noexcept {
    return valid_zone(zone_udata) != nullptr ? zone_udata : nullptr;
}

NLF_API int ngx_http_lua_ffi_shdict_get(void *zone_ptr, const unsigned char *key, size_t key_len,
                                        int *value_type, unsigned char **str_value_buf, size_t *str_value_len,
                                        double *num_value, int *user_flags, int get_stale, int *is_stale,
                                        char **errmsg) noexcept {
    *errmsg = nullptr;
    Zone *zone = valid_zone(zone_ptr);
    if (zone == nullptr) return NGX_ERROR;
    *value_type = static_cast<int>(Type::nil);
    if (!valid_key(key_len)) return NGX_OK;
    const nlf::shdict::Key k = key_of(*zone, key, key_len);
    return locked(*zone, [&](Dict &dict, std::uint64_t now) -> int {
        Found found;
        const Status s = dict.get(k, now, get_stale != 0, found);
        if (s == Status::not_found) return NGX_OK;
        if (s != Status::ok) {
            *errmsg = message(status_message(s));
            return NGX_ERROR;
        }
        const Value &v = found.value;
        switch (v.type) {
        case Type::string: {
            unsigned char *dst = copy_out(v.string, *str_value_buf, *str_value_len);
            if (dst == nullptr) return NGX_ERROR;
            *str_value_buf = dst;
            *str_value_len = v.string.size();
            break;
        }
        case Type::number:
            *num_value = v.number;
            *str_value_len = sizeof(double);
            break;
        case Type::boolean:
            if (*str_value_len < 1) return NGX_ERROR;
            **str_value_buf = v.number != 0 ? 1 : 0;
            break;
        default: break;
        }
        *value_type = static_cast<int>(v.type);
        *user_flags = static_cast<int>(found.user_flags);
        if (get_stale) *is_stale = found.stale;
        return NGX_OK;
    });
}

NLF_API int ngx_http_lua_ffi_shdict_store(void *zone_ptr, int op, const unsigned char *key, size_t key_len,
                                          int value_type, const unsigned char *str_value_buf,
                                          size_t str_value_len, double num_value, long exptime, int user_flags,
                                          char **errmsg, int *forcible) noexcept {
    *forcible = 0;
    Zone *zone = valid_zone(zone_ptr);
    Value value;
    if (zone == nullptr || !valid_key(key_len)) {
        *errmsg = message(zone == nullptr ? "bad zone" : key_len == 0 ? "empty key" : "key too long");
        return NGX_ERROR;
    }
    if (!make_value(value_type, str_value_buf, str_value_len, num_value, value)) {
        *errmsg = message("unsupported value type");
        return NGX_ERROR;
    }
    if (value.type == Type::nil && (op & (kStoreAdd | kStoreReplace))) {
        *errmsg = message("attempt to add or replace nil values");
        return NGX_ERROR;
    }
    const Status s =
        store(*zone, op, key, key_len, value, exptime, static_cast<unsigned>(user_flags), *forcible);
    if (s == Status::ok) return NGX_OK;
    *errmsg = message(status_message(s));
    return s == Status::no_memory ? NGX_ERROR : NGX_DECLINED;
}

NLF_API int ngx_http_lua_ffi_shdict_incr(void *zone_ptr, const unsigned char *key, size_t key_len,
                                         double *value, char **err, int has_init, double init, long init_ttl,
                                         int *forcible) noexcept {
    *forcible = 0;
    Zone *zone = valid_zone(zone_ptr);
    if (zone == nullptr || !valid_key(key_len)) {
        *err = message(zone == nullptr ? "bad zone" : key_len == 0 ? "empty key" : "key too long");
        return NGX_ERROR;
    }
    const Status s = incr(*zone, key, key_len, *value, has_init, init, init_ttl, *forcible);
    if (s == Status::ok) return NGX_OK;
    *err = message(status_message(s));
    return NGX_ERROR;
}

NLF_API int ngx_http_lua_ffi_shdict_flush_all(void *zone_ptr) noexcept {
    return nlf_ffi_shdict_flush_all(zone_ptr) == kBadZone ? NGX_ERROR : NGX_OK;
}

// Milliseconds left, 0 for "never", NGX_DECLINED when missing or expired.
NLF_API long ngx_http_lua_ffi_shdict_get_ttl(void *zone_ptr, const unsigned char *key,
                                             size_t key_len) noexcept {
    Result out{};
    if (nlf_ffi_shdict_ttl(zone_ptr, key, key_len, &out) != static_cast<int>(Status::ok)) return NGX_DECLINED;
    return static_cast<long>(out.num);
}

NLF_API int ngx_http_lua_ffi_shdict_set_expire(void *zone_ptr, const unsigned char *key, size_t key_len,
                                               long exptime) noexcept {
    return nlf_ffi_shdict_expire(zone_ptr, key, key_len, exptime) == static_cast<int>(Status::ok)
               ? NGX_OK
               : NGX_DECLINED;
}

NLF_API size_t ngx_http_lua_ffi_shdict_capacity(void *zone_ptr) noexcept {
    const long bytes = nlf_ffi_shdict_capacity(zone_ptr);
    return bytes > 0 ? static_cast<size_t>(bytes) : 0;
}

NLF_API size_t ngx_http_lua_ffi_shdict_free_space(void *zone_ptr) noexcept {
    const long bytes = nlf_ffi_shdict_free_space(zone_ptr);
    return bytes > 0 ? static_cast<size_t>(bytes) : 0;
}

// The *_macos variants take their arguments in a struct (LuaJIT on macOS/arm64
// cannot pass that many through the FFI); they exist on every platform.
struct ShdictGetParams {
    void *zone;
    const unsigned char *key;
    size_t key_len;
    int *value_type;
    unsigned char **str_value_buf;
    size_t *str_value_len;
    double *num_value;
    int *user_flags;
    int get_stale;
    int *is_stale;
    char **errmsg;
};

struct ShdictStoreParams {
    void *zone;
    int op;
    const unsigned char *key;
    size_t key_len;
    int value_type;
    const unsigned char *str_value_buf;
    size_t str_value_len;
    double num_value;
    long exptime;
    int user_flags;
    char **errmsg;
    int *forcible;
};

struct ShdictIncrParams {
    void *zone;
    const unsigned char *key;
    size_t key_len;
    double *num_value;
    char **errmsg;
    int has_init;
    double init;
    long init_ttl;
    int *forcible;
};

NLF_API int ngx_http_lua_ffi_shdict_get_macos(ShdictGetParams *p) noexcept {
    return ngx_http_lua_ffi_shdict_get(p->zone, p->key, p->key_len, p->value_type, p->str_value_buf,
                                       p->str_value_len, p->num_value, p->user_flags, p->get_stale, p->is_stale,
                                       p->errmsg);
}

NLF_API int ngx_http_lua_ffi_shdict_store_macos(ShdictStoreParams *p) noexcept {
    return ngx_http_lua_ffi_shdict_store(p->zone, p->op, p->key, p->key_len, p->value_type, p->str_value_buf,
                                         p->str_value_len, p->num_value, p->exptime, p->user_flags, p->errmsg,
                                         p->forcible);
}

NLF_API int ngx_http_lua_ffi_shdict_incr_macos(ShdictIncrParams *p) noexcept {
    return ngx_http_lua_ffi_shdict_incr(p->zone, p->key, p->key_len, p->num_value, p->errmsg, p->has_init,
                                        p->init, p->init_ttl, p->forcible);
}
