#pragma once
#include <string>
#include <string_view>

// Handlers of *_by_lua* directives are compiled as `return function()\n<code>\nend`:
// a main chunk is a vararg function, which LuaJIT never compiles as a root trace, so a
// handler's own code would run interpreted on every request. The pieces here make that
// function read as the main chunk it stands for (tracebacks say "in main chunk", and
// debug.getinfo's `what` is "main", as in OpenResty).
namespace nlf::core {

// The text compiled for a handler whose code is `code`: its lines keep their numbers
// once mark_as_main_chunk has moved the function's first line to 0.
std::string fixed_arity_source(std::string_view code);

// The code a Lua file's lexer reads: without a UTF-8 byte order mark, and with a first
// line starting with '#' (a "#!" line) emptied, its newline kept.
std::string_view lexed_file_text(std::string_view text);

// In a LuaJIT bytecode dump with debug info (lj_bcwrite.c's format) of the function
// fixed_arity_source returns, moves every function one line up: the dumped one from
// line 1 to 0, which makes it a main chunk to LuaJIT's debug API, and the functions in
// it to the lines their code has in `code` (each one's line info is relative to its
// first line). False, the dump unchanged, when it is not of that shape.
bool mark_as_main_chunk(std::string &dump);

}  // namespace nlf::core
