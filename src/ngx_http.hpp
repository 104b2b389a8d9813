// nginx's http headers, for src/http alone (see ngx.hpp).
#pragma once
#include "ngx.hpp"

extern "C" {
#include <ngx_http.h>
}
