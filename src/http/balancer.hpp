// balancer_by_lua*: Lua picks the peer of each try of an upstream (proxy_pass,
// fastcgi_pass, ... share nginx's peer interface). The upstream's own balancer (round
// robin, or hash, least_conn, ... placed before the directive) stays underneath: it
// picks the peer when the code sets none, and nginx's count of tries works as usual.
#pragma once
#include "ngx_http.hpp"

#include "http/balancer_keepalive.hpp"
#include "http/module.hpp"

namespace nlf::http {

// The upstream {} block's configuration.
struct UpstreamConf {
    LuaCode balancer;
    ngx_http_upstream_init_pt original_init_upstream = nullptr;
    ngx_http_upstream_init_peer_pt original_init_peer = nullptr;
    // The server balancer_by_lua* put in an upstream that had none: a try that would
    // go there had no peer set by the code.
    struct sockaddr *placeholder = nullptr;
    ngx_uint_t keepalive_size = NGX_CONF_UNSET_UINT;  // balancer_keepalive
    KeepalivePool *keepalive = nullptr;
};

// One request's peer selection.
struct BalancerPeer {
    ngx_http_request_t *request;
    UpstreamConf *conf;
    // The upstream's own balancer, under this one.
    void *original_data;
    ngx_event_get_peer_pt original_get;
    ngx_event_free_peer_pt original_free;
    // What set_current_peer chose for this try (nullptr: the upstream's own balancer's).
    struct sockaddr *sockaddr;
    socklen_t socklen;
    ngx_str_t *name;
    ngx_str_t host;           // the TLS server name given with the peer, if any
    ngx_str_t default_ssl_name;  // the upstream's, for tries that give no host
    ngx_addr_t *local;        // bind_to_local_addr's, for every try from then on
    ngx_int_t more_tries;     // set_more_tries for this try
    ngx_int_t tries_made;     // tries so far, this one included
    ngx_uint_t last_state;    // how the last try's peer was let go (NGX_PEER_*), 0: none
    bool conf_copied;         // set_timeouts made u->conf this request's own copy
    // enable_keepalive for this try: the connection goes to conf->keepalive afterwards.
    bool keepalive;
    ngx_msec_t keepalive_timeout;
    ngx_uint_t keepalive_requests;  // 0: any number
#if (NGX_HTTP_SSL)
    ngx_event_set_peer_session_pt original_set_session;
    ngx_event_save_peer_session_pt original_save_session;
#endif
};

void *create_upstream_conf(ngx_conf_t *cf);
char *set_balancer_code(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
char *set_balancer_keepalive(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
// Closes the idle connections of every balancer_by_lua* upstream (the worker exits).
void close_balancer_connections(ngx_cycle_t *cycle);

}  // namespace nlf::http
