// ngx.thread and the scheduler's side of coroutine.*.
#pragma once
#include "ngx.hpp"

#include "core/lua_vm.hpp"

namespace nlf::api::thread {

// Adds spawn, wait, kill, adopt_coroutine and isyieldable to "nlf.capi".
void register_capi(core::Vm &vm);

}  // namespace nlf::api::thread
