#include <gtest/gtest.h>

#include "core/pure/peer_address.hpp"

#include <arpa/inet.h>

#include <string>

namespace addr = nlf::core::address;
using Kind = addr::Parsed::Kind;

namespace {

// "ip:port" / "[ip]:port" / "unix:path" of a parsed address, "name" for a host name,
// or the error.
std::string show(std::string_view text, int port = 80) {
    addr::Parsed p;
    if (const char *err = addr::parse_peer(text, port, p)) return std::string("error: ") + err;
    char buf[INET6_ADDRSTRLEN];
    switch (p.kind) {
    case Kind::name: return "name";
    case Kind::unix_path: return std::string("unix:") + p.sockaddr.un.sun_path;
    case Kind::ip:
        if (p.sockaddr.any.sa_family == AF_INET) {
            EXPECT_EQ(p.socklen, sizeof(sockaddr_in));
            inet_ntop(AF_INET, &p.sockaddr.v4.sin_addr, buf, sizeof(buf));
            return std::string(buf) + ":" + std::to_string(ntohs(p.sockaddr.v4.sin_port));
        }
        EXPECT_EQ(p.socklen, sizeof(sockaddr_in6));
        inet_ntop(AF_INET6, &p.sockaddr.v6.sin6_addr, buf, sizeof(buf));
        return "[" + std::string(buf) + "]:" + std::to_string(ntohs(p.sockaddr.v6.sin6_port));
    }
    return "?";
}

}  // namespace

TEST(PeerAddress, Ipv4WithAndWithoutPort) {
    EXPECT_EQ(show("127.0.0.1"), "127.0.0.1:80");
    EXPECT_EQ(show("127.0.0.1:8080"), "127.0.0.1:8080");
    EXPECT_EQ(show("10.0.0.255", 0), "10.0.0.255:0");
    // nginx reads every part as decimal, leading zeros included.
    EXPECT_EQ(show("010.001.0.1"), "10.1.0.1:80");
}

TEST(PeerAddress, Ipv6NeedsBrackets) {
    EXPECT_EQ(show("[::1]"), "[::1]:80");
    EXPECT_EQ(show("[::1]:9"), "[::1]:9");
    EXPECT_EQ(show("[fe80::1:2]"), "[fe80::1:2]:80");
    // The first colon starts the port, as in ngx_parse_url.
    EXPECT_EQ(show("::1"), "error: invalid port");
    EXPECT_EQ(show("[::1"), "error: invalid host");
    EXPECT_EQ(show("[::1]x"), "error: invalid host");
    EXPECT_EQ(show("[::1]:"), "error: invalid port");
    EXPECT_EQ(show("[]"), "error: no host");
    EXPECT_EQ(show("[zz::1]"), "error: invalid IPv6 address");
}

TEST(PeerAddress, Ports) {
    EXPECT_EQ(show("127.0.0.1:65535"), "127.0.0.1:65535");
    EXPECT_EQ(show("127.0.0.1:0"), "error: invalid port");
    EXPECT_EQ(show("127.0.0.1:65536"), "error: invalid port");
    EXPECT_EQ(show("127.0.0.1:x"), "error: invalid port");
    EXPECT_EQ(show("127.0.0.1:"), "error: invalid port");
    EXPECT_EQ(show("127.0.0.1:123456"), "error: invalid port");
}

TEST(PeerAddress, HostNames) {
    EXPECT_EQ(show("localhost"), "name");
    EXPECT_EQ(show("a.example:99"), "name");
    EXPECT_EQ(show("foo bar"), "name");
    EXPECT_EQ(show("1.2.3"), "name");
    EXPECT_EQ(show("1.2.3.4.5"), "name");
    EXPECT_EQ(show("256.1.1.1"), "name");
    EXPECT_EQ(show("1..2.3"), "name");
    EXPECT_EQ(show(""), "error: no host");
    EXPECT_EQ(show(":80"), "error: no host");
}

TEST(PeerAddress, UnixPaths) {
    EXPECT_EQ(show("unix:/tmp/a.sock"), "unix:/tmp/a.sock");
    EXPECT_EQ(show("unix:"), "error: no path in the unix domain socket");
    EXPECT_EQ(show("unix:" + std::string(sizeof(sockaddr_un::sun_path), 'x')),
              "error: too long path in the unix domain socket");
    EXPECT_EQ(show("unix:" + std::string(sizeof(sockaddr_un::sun_path) - 1, 'x')).size(),
              5 + sizeof(sockaddr_un::sun_path) - 1);
}

TEST(PeerAddress, BareIpLiterals) {
    addr::Parsed p;
    ASSERT_TRUE(addr::parse_ip("127.0.0.2", p));
    EXPECT_EQ(p.sockaddr.any.sa_family, AF_INET);
    EXPECT_EQ(p.sockaddr.v4.sin_port, 0);
    ASSERT_TRUE(addr::parse_ip("::1", p));
    EXPECT_EQ(p.sockaddr.any.sa_family, AF_INET6);
    EXPECT_FALSE(addr::parse_ip("[::1]", p));
    EXPECT_FALSE(addr::parse_ip("127.0.0.1:80", p));
    EXPECT_FALSE(addr::parse_ip("localhost", p));
    EXPECT_FALSE(addr::parse_ip("", p));
}
