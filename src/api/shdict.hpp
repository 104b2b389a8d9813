// lua_shared_dict zones: declaring them, mapping them (and keeping their contents
// across reloads), and the ngx.shared table. The FFI functions are in shdict.cpp.
#pragma once
#include "ngx.hpp"

namespace nlf::api::shdict {

// Runs once every zone of a configuration is mapped (init_by_lua waits for that).
using ReadyHandler = ngx_int_t (*)(ngx_cycle_t *cycle, void *data);

// The zones of one configuration, in its pool.
struct ZoneSet {
    ngx_array_t zones;  // of Zone *
    ngx_uint_t mapped = 0;
    ngx_cycle_t *cycle = nullptr;
    ReadyHandler on_ready = nullptr;
    void *on_ready_data = nullptr;
};

// `lua_shared_dict NAME SIZE` (cf->args). `set` is created on first use; `tag` tells
// nginx whose zone it is (reuse across reloads needs the same tag).
char *declare(ngx_conf_t *cf, ZoneSet *&set, void *tag);

// Sets ngx.shared in `L`: one object per zone, shaped as OpenResty's (a table holding
// a userdata for the zone at [1], its methods in a metatable all zones share). `set`
// may be null.
void inject(lua_State *L, const ZoneSet *set);

}  // namespace nlf::api::shdict
