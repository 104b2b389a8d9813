#include "core/pure/peer_address.hpp"

#include <arpa/inet.h>

#include <cstring>

namespace nlf::core::address {

namespace {

constexpr std::string_view unix_prefix = "unix:";

bool parse_ipv6(std::string_view text, in6_addr &out) noexcept {
    char buf[INET6_ADDRSTRLEN + 1];
    if (text.empty() || text.size() >= sizeof(buf)) return false;
    std::memcpy(buf, text.data(), text.size());
    buf[text.size()] = '\0';
    return inet_pton(AF_INET6, buf, &out) == 1;
}

// A port as nginx reads one after a colon: decimal digits, 1 to 65535.
int parse_port(std::string_view text) noexcept {
    if (text.empty() || text.size() > 5) return -1;
    int n = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return -1;
        n = n * 10 + (c - '0');
    }
    return n >= 1 && n <= 65535 ? n : -1;
}

void set_v4(Parsed &out, in_addr addr, int port) noexcept {
    out.kind = Parsed::Kind::ip;
    out.sockaddr.v4.sin_family = AF_INET;
    out.sockaddr.v4.sin_addr = addr;
    out.sockaddr.v4.sin_port = htons(static_cast<uint16_t>(port));
    out.socklen = sizeof(sockaddr_in);
}

void set_v6(Parsed &out, const in6_addr &addr, int port) noexcept {
    out.kind = Parsed::Kind::ip;
    out.sockaddr.v6.sin6_family = AF_INET6;
    out.sockaddr.v6.sin6_addr = addr;
    out.sockaddr.v6.sin6_port = htons(static_cast<uint16_t>(port));
    out.socklen = sizeof(sockaddr_in6);
}

const char *parse_unix(std::string_view path, Parsed &out) noexcept {
    if (path.empty()) return "no path in the unix domain socket";
    if (path.size() >= sizeof(out.sockaddr.un.sun_path)) return "too long path in the unix domain socket";
    out.kind = Parsed::Kind::unix_path;
    out.sockaddr.un.sun_family = AF_UNIX;
    std::memcpy(out.sockaddr.un.sun_path, path.data(), path.size());
    out.socklen = sizeof(sockaddr_un);
    return nullptr;
}

const char *parse_bracketed(std::string_view text, int port, Parsed &out) noexcept {
    size_t close = text.find(']');
    if (close == std::string_view::npos) return "invalid host";
    std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
        if (rest.front() != ':') return "invalid host";
        port = parse_port(rest.substr(1));
        if (port < 0) return "invalid port";
    }
    std::string_view host = text.substr(1, close - 1);
    if (host.empty()) return "no host";
    in6_addr addr;
    if (!parse_ipv6(host, addr)) return "invalid IPv6 address";
    set_v6(out, addr, port);
    return nullptr;
}

}  // namespace

bool parse_ipv4(std::string_view text, in_addr &out) noexcept {
    uint32_t addr = 0;
    uint32_t octet = 0;
    int dots = 0;
    bool digit = false;
    for (char c : text) {
        if (c >= '0' && c <= '9') {
            octet = octet * 10 + static_cast<uint32_t>(c - '0');
            if (octet > 255) return false;
            digit = true;
        } else if (c == '.' && digit) {
            addr = (addr << 8) | octet;
            octet = 0;
            digit = false;
            ++dots;
        } else {
            return false;
        }
    }
    if (dots != 3 || !digit) return false;
    out.s_addr = htonl((addr << 8) | octet);
    return true;
}

const char *parse_peer(std::string_view text, int default_port, Parsed &out) noexcept {
    out = Parsed{};
    if (text.substr(0, unix_prefix.size()) == unix_prefix) return parse_unix(text.substr(unix_prefix.size()), out);
    if (!text.empty() && text.front() == '[') return parse_bracketed(text, default_port, out);
    // As nginx, the first colon starts the port: a bare IPv6 literal is not a host.
    int port = default_port;
    std::string_view host = text;
    size_t colon = text.find(':');
    if (colon != std::string_view::npos) {
        port = parse_port(text.substr(colon + 1));
        if (port < 0) return "invalid port";
        host = text.substr(0, colon);
    }
    if (host.empty()) return "no host";
    in_addr v4;
    if (parse_ipv4(host, v4)) {
        set_v4(out, v4, port);
    } else {
        out.kind = Parsed::Kind::name;
    }
    return nullptr;
}

bool parse_ip(std::string_view text, Parsed &out) noexcept {
    out = Parsed{};
    in_addr v4;
    if (parse_ipv4(text, v4)) {
        set_v4(out, v4, 0);
        return true;
    }
    in6_addr v6;
    if (parse_ipv6(text, v6)) {
        set_v6(out, v6, 0);
        return true;
    }
    return false;
}

}  // namespace nlf::core::address
