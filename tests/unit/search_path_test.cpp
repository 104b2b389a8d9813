#include <gtest/gtest.h>

#include "core/pure/chunk_name.hpp"
#include "core/pure/search_path.hpp"

using nlf::core::chunk_tag;
using nlf::core::expand_search_path;
using nlf::core::inline_chunk_name;

TEST(SearchPath, DoubleSemicolonInsertsDefault) {
    EXPECT_EQ(expand_search_path("/a/?.lua;;", "./?.lua;/usr/?.lua", "/p/"),
              "/a/?.lua;./?.lua;/usr/?.lua");
    EXPECT_EQ(expand_search_path(";;/a/?.lua", "D", "/p/"), "D;/a/?.lua");
    EXPECT_EQ(expand_search_path("/a/?.lua;;/b/?.lua", "D", "/p/"), "/a/?.lua;D;/b/?.lua");
}

TEST(SearchPath, WithoutDoubleSemicolonTheDefaultIsDropped) {
    EXPECT_EQ(expand_search_path("/a/?.lua;/b/?.lua", "D", "/p/"), "/a/?.lua;/b/?.lua");
}

TEST(SearchPath, PrefixIsExpandedInBothSpellings) {
    EXPECT_EQ(expand_search_path("$prefix/lua/?.lua;${prefix}x/?.lua", "D", "/srv/"),
              "/srv//lua/?.lua;/srv/x/?.lua");
}

TEST(SearchPath, OnlyTheFirstDoubleSemicolonIsTheDefault) {
    EXPECT_EQ(expand_search_path("a;;b;;c", "D", "/"), "a;D;b;;c");
}

TEST(ChunkName, UsesBasenameAndLine) {
    EXPECT_EQ(inline_chunk_name("content_by_lua", "/etc/nginx/nginx.conf", 12),
              "=content_by_lua(nginx.conf:12)");
    EXPECT_EQ(inline_chunk_name("init_by_lua", "main.conf", 3), "=init_by_lua(main.conf:3)");
}

TEST(ChunkName, TagDropsBlockAndFileSuffixes) {
    EXPECT_EQ(chunk_tag("content_by_lua_block"), "content_by_lua");
    EXPECT_EQ(chunk_tag("access_by_lua_file"), "access_by_lua");
    EXPECT_EQ(chunk_tag("log_by_lua"), "log_by_lua");
}
