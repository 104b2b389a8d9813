#include <gtest/gtest.h>

#include "core/pure/bytecode_dump.hpp"

#include <string>

using nlf::core::fixed_arity_source;
using nlf::core::lexed_file_text;
using nlf::core::mark_as_main_chunk;

namespace {

// A prototype as lj_bcwrite.c writes it: flags, numparams, framesize, sizeuv, then
// sizekgc, sizekn, sizebc, sizedbg, firstline, numline (one-byte ULEB128s here) and
// `rest` standing for the bytecode and debug info.
std::string proto(const std::string &firstline, const std::string &rest = std::string("\x11\x22\x33", 3)) {
    std::string body{'\0', '\0', '\x02', '\0', '\0', '\0', '\x01', '\x03'};
    body += firstline;
    body += '\x02';
    body += rest;
    return std::string(1, static_cast<char>(body.size())) + body;
}

std::string dump(const std::string &protos, unsigned char flags = 0) {
    return std::string("\x1bLJ\x02", 4) + static_cast<char>(flags) + "\x03" "abc" + protos + std::string(1, '\0');
}

const std::string line0(1, '\0');

}  // namespace

TEST(BytecodeDump, TheDumpedFunctionStartsAtLineZero) {
    std::string d = dump(proto("\x01"));
    ASSERT_TRUE(mark_as_main_chunk(d));
    EXPECT_EQ(d, dump(proto(line0)));
}

TEST(BytecodeDump, FunctionsInsideMoveUpALineTooChildrenComeFirst) {
    std::string d = dump(proto("\x05") + proto("\x02") + proto("\x01"));
    ASSERT_TRUE(mark_as_main_chunk(d));
    EXPECT_EQ(d, dump(proto("\x04") + proto("\x01") + proto(line0)));
}

TEST(BytecodeDump, AFirstLineThatGetsShorterShortensItsPrototype) {
    std::string d = dump(proto("\x80\x01") + proto("\x01"));  // line 128
    ASSERT_TRUE(mark_as_main_chunk(d));
    EXPECT_EQ(d, dump(proto("\x7f") + proto(line0)));
}

TEST(BytecodeDump, RefusesWhatItCannotReadAndLeavesItAsItIs) {
    for (std::string bad : {dump(proto("\x01"), 0x02),               // stripped: no debug info
                            dump(proto("\x02")),                     // not on line 1
                            dump(proto("\x01") + proto("\x01")),     // a function on the first line
                            std::string("\x1bLJ"),                   // too short
                            std::string("-- Lua text"),              // not a dump
                            dump(""),                                // no prototype
                            dump(proto("\x01")).substr(0, 12),       // cut short
                            dump(proto("\x01")) + "x"})              // something after it
    {
        const std::string before = bad;
        EXPECT_FALSE(mark_as_main_chunk(bad));
        EXPECT_EQ(bad, before);
    }
}

TEST(BytecodeDump, FixedAritySourceKeepsTheCodeOnItsOwnLines) {
    EXPECT_EQ(fixed_arity_source("ngx.say(1) -- comment"), "return function()\nngx.say(1) -- comment\nend");
}

TEST(BytecodeDump, FileTextAsTheLexerReadsIt) {
    EXPECT_EQ(lexed_file_text("#!/usr/bin/lua\nprint(1)\n"), "\nprint(1)\n");
    EXPECT_EQ(lexed_file_text("\xef\xbb\xbf" "print(1)"), "print(1)");
    EXPECT_EQ(lexed_file_text("\xef\xbb\xbf#!x\r\nprint(1)"), "\r\nprint(1)");
    EXPECT_EQ(lexed_file_text("#only"), "");
    EXPECT_EQ(lexed_file_text("print(1)"), "print(1)");
}
