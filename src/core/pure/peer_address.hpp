#pragma once
// Peer and local addresses as OpenResty's APIs take them (cosocket connect and
// setpeername, ngx.balancer, bind): what nginx's ngx_parse_url accepts without
// resolving, and ngx_parse_addr's bare IP literals. One parser for all of them, so
// they agree on every corner ("::1" with a port, "[v6]:port", "unix:").
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <string_view>

namespace nlf::core::address {

struct Parsed {
    enum class Kind : unsigned char { ip, unix_path, name };
    Kind kind = Kind::name;
    union {
        sockaddr any;
        sockaddr_in v4;
        sockaddr_in6 v6;
        sockaddr_un un;
    } sockaddr{};
    socklen_t socklen = 0;
};

// "unix:/path", "[v6]" / "[v6]:port", "v4" / "v4:port", or a host name (kind name:
// the caller resolves the whole text, as OpenResty does). `default_port` is used
// when the text has none. Returns nullptr, or nginx's reason ("no host",
// "invalid port", "invalid host", "invalid IPv6 address",
// "no path in the unix domain socket", "too long path in the unix domain socket").
const char *parse_peer(std::string_view text, int default_port, Parsed &out) noexcept;

// An IPv4 literal or an IPv6 one without brackets, port 0 (what bind takes).
bool parse_ip(std::string_view text, Parsed &out) noexcept;

// An IPv4 literal as nginx's ngx_inet_addr reads it (four decimal parts, each at
// most 255), in network order; false for anything else.
bool parse_ipv4(std::string_view text, in_addr &out) noexcept;

}  // namespace nlf::core::address
