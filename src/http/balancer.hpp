// balancer_by_lua*: Lua picks the peer of each try of an upstream (proxy_pass,
// fastcgi_pass, ... share nginx's peer interface). The upstream's round-robin data
// stays underneath, so nginx's count of tries and the placeholder server work.
#pragma once
#include "ngx_http.hpp"

#include "http/module.hpp"

namespace nlf::http {

// The upstream {} block's configuration.
struct UpstreamConf {
    LuaCode balancer;
    ngx_http_upstream_init_pt original_init_upstream = nullptr;
};

// One request's peer selection. The round-robin data comes first: nginx's SSL
// session hooks of round robin read it through the peer's data pointer.
struct BalancerPeer {
    ngx_http_upstream_rr_peer_data_t rrp;
    ngx_http_request_t *request;
    UpstreamConf *conf;
    // What set_current_peer chose for this try (nullptr: round robin's).
    struct sockaddr *sockaddr;
    socklen_t socklen;
    ngx_str_t *name;
    ngx_str_t host;           // the TLS server name given with the peer, if any
    ngx_addr_t *local;        // bind_to_local_addr's, for every try from then on
    ngx_int_t more_tries;     // set_more_tries for this try
    ngx_int_t tries_made;     // tries so far, this one included
    ngx_uint_t last_state;    // how the last try's peer was let go (NGX_PEER_*), 0: none
    bool conf_copied;         // set_timeouts made u->conf this request's own copy
#if (NGX_HTTP_SSL)
    ngx_event_set_peer_session_pt original_set_session;
    ngx_event_save_peer_session_pt original_save_session;
#endif
};

void *create_upstream_conf(ngx_conf_t *cf);
char *set_balancer_code(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);

}  // namespace nlf::http
