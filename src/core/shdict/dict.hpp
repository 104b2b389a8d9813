// The shared dictionary engine (ngx.shared.DICT): a hash index, an exact LRU list and
// the heap (heap.hpp), all inside one block of memory that several processes map.
//
// Pure C++ with no nginx headers: it works on any block of memory, takes the time as an
// argument (milliseconds, any epoch) and does no locking — the caller holds the zone's
// lock (spin_lock.hpp) around every call, and copies what a call returns before
// releasing it.
#pragma once

#include "core/shdict/heap.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace nlf::shdict {

// Value types, numbered as Lua's (and as OpenResty's FFI reports them).
enum class Type : std::uint8_t { nil = 0, boolean = 1, number = 3, string = 4, list = 5 };

enum class Status : int {
    ok = 0,
    not_found,
    exists,
    no_memory,
    not_a_number,
    not_a_list,
    is_a_list,
};

// A key with its hash in one dictionary. Hashing needs no lock (a dictionary's seed
// never changes): callers make keys before they take the lock.
struct Key {
    std::string_view bytes;
    std::uint64_t hash;
};

struct Value {
    Type type = Type::nil;
    double number = 0;        // number; a boolean as 0 or 1
    std::string_view string;  // string
};

// What a lookup found: `value.string` points into the zone.
struct Found {
    Value value;
    std::uint32_t user_flags = 0;
    bool stale = false;
};

enum class StoreMode { set, add, replace };
enum class End { front, back };

// Receives a popped list element before its memory is freed. A callback rather than a
// virtual interface: the module is built without RTTI and the engine with it, which
// UBSan's checks of virtual calls cannot reconcile.
class ValueSink {
public:
    template <typename F>
    explicit ValueSink(F &take) noexcept
        : object_(&take),
          call_([](void *object, const Value &v) noexcept { (*static_cast<F *>(object))(v); }) {}

    void operator()(const Value &v) const noexcept { call_(object_, v); }

private:
    void *object_;
    void (*call_)(void *, const Value &) noexcept;
};

// A batch of keys for get_keys: key bytes back to back in `bytes`, their lengths in
// `lengths`.
struct KeyBatch {
    char *bytes;
    std::size_t byte_capacity;
    std::uint16_t *lengths;
    std::size_t count_capacity;
    std::size_t count = 0;
    std::size_t bytes_used = 0;
    // After BatchResult::too_small: what the next bucket alone needs.
    std::size_t needed_count = 0;
    std::size_t needed_bytes = 0;
};

enum class BatchResult {
    done,       // every bucket was visited, or the batch holds `max` keys
    full,       // the next bucket does not fit: empty the batch, call again
    too_small,  // the next bucket does not fit even an empty batch (see needed_*)
    more,       // the bucket budget is spent: call again
};

class Dict {
public:
    static constexpr std::size_t kMaxKeyLength = 65535;

    // Lays out an empty dictionary over `size` bytes at `mem` (8-byte aligned). nullptr
    // when the size cannot hold the header, a minimal index and a heap (about 3 kB), or
    // is above 32 GiB (32-bit offsets of 8-byte units).
    static Dict *format(void *mem, std::size_t size, std::uint64_t seed) noexcept;
    // The dictionary format() left at `mem` with the same `size`; nullptr when the
    // bytes there are something else (another layout version, say).
    static Dict *attach(void *mem, std::size_t size) noexcept;

    // Keys are 1..kMaxKeyLength bytes: callers check.
    Key key(std::string_view bytes) const noexcept;

    // `now` is in milliseconds; a ttl of 0 means "never expires".
    Status get(const Key &key, std::uint64_t now, bool allow_stale, Found &out) noexcept;
    // A nil value deletes (mode set only). Unless `safe`, other items are evicted
    // (least recently used first) to make room; `forcible` tells whether a live one
    // was. Fails with no_memory only when the value cannot fit in the whole heap, or
    // when `safe` and the free space is short; the old value is kept then.
    Status store(StoreMode mode, bool safe, const Key &key, const Value &value, std::uint64_t ttl_ms,
                 std::uint32_t user_flags, std::uint64_t now, bool &forcible) noexcept;
    // Adds `delta` to a number; a missing key starts at `*init` when init is given.
    Status incr(const Key &key, double delta, const double *init, std::uint64_t init_ttl_ms, std::uint64_t now,
                double &result, bool &forcible) noexcept;
    Status push(End end, const Key &key, const Value &value, std::uint64_t now, std::uint64_t &length) noexcept;
    // not_found for a missing key (an empty list is removed).
    Status pop(End end, const Key &key, std::uint64_t now, ValueSink sink) noexcept;
    Status length(const Key &key, std::uint64_t now, std::uint64_t &n) noexcept;
    // Remaining milliseconds, 0 for an item that never expires.
    Status ttl(const Key &key, std::uint64_t now, std::uint64_t &remaining_ms) noexcept;
    Status expire(const Key &key, std::uint64_t ttl_ms, std::uint64_t now) noexcept;
    // Every item becomes expired (get_stale still sees it) in O(1).
    void flush_all() noexcept;

    // Bucket-by-bucket walks, so that the caller can release the lock between calls:
    // `cursor` is the next bucket. An item that stays in the dictionary during a whole
    // walk is visited exactly once (buckets never move).
    //
    // Frees expired items of up to `bucket_budget` buckets; stops early after `max`.
    std::size_t flush_expired(std::uint64_t now, std::uint32_t &cursor, std::uint32_t bucket_budget,
                              std::size_t max) noexcept;
    // Adds the keys of live items of up to `bucket_budget` buckets to `batch`, whole
    // buckets at a time, until it holds `max` keys.
    BatchResult collect_keys(std::uint64_t now, std::uint32_t &cursor, std::uint32_t bucket_budget,
                             std::size_t max, KeyBatch &batch) noexcept;

    std::uint32_t bucket_count() const noexcept { return h_.bucket_count; }
    std::uint64_t free_bytes() const noexcept { return heap_state().free_units * kUnit; }
    // Bytes of items ever moved to join scattered free space (the cost of writes into a
    // fragmented zone); for tests.
    std::uint64_t moved_bytes() const noexcept { return heap_state().moved_units * kUnit; }

    // Checks every invariant of the index, the LRU list, the lists and the heap; for
    // tests. Returns false with `why` set.
    bool verify(std::uint64_t now, std::string &why) const;

private:
    struct Header {
        std::uint64_t magic;
        std::uint32_t version;
        std::uint32_t bucket_count;
        std::uint64_t size;
        std::uint64_t seed;
        unsigned bucket_shift;
        std::uint32_t generation;  // items of an older generation are expired (flush_all)
        Off buckets;
        Off lru_head;  // most recently used
        Off lru_tail;
        HeapState heap;
    };

    struct Item;
    struct Node;
    struct Link;

    explicit Dict() = default;

    char *base() noexcept { return reinterpret_cast<char *>(this); }
    const char *base() const noexcept { return reinterpret_cast<const char *>(this); }
    Item &item(Off o) noexcept;
    const Item &item(Off o) const noexcept;
    Node &node(Off o) noexcept;
    const Node &node(Off o) const noexcept;
    Off *bucket_at(std::uint32_t i) noexcept;
    const Off *bucket_at(std::uint32_t i) const noexcept;
    Off *bucket(std::uint64_t hash) noexcept;
    Heap heap() noexcept { return Heap(base(), h_.heap); }
    const HeapState &heap_state() const noexcept { return h_.heap; }

    std::uint64_t hash(std::string_view key) const noexcept;
    bool expired(const Item &it, std::uint64_t now) const noexcept;
    Off find(const Key &key, Link &link) noexcept;
    Off find(const Key &key) noexcept;

    void insert(Off o, std::uint64_t hash) noexcept;
    void remove(Off o, Link link) noexcept;
    void remove(Off o) noexcept;
    void free_list_nodes(Item &it) noexcept;
    void lru_unlink(Off o) noexcept;
    void lru_push_front(Off o) noexcept;
    void touch(Off o) noexcept;
    void reclaim_expired_tail(std::uint64_t now) noexcept;

    enum class Evict { no, yes };
    Off allocate(std::uint32_t units, Evict evict, std::uint64_t now, bool &forcible) noexcept;
    // Moves items out of the way of a large free block until it holds `units`, within
    // `move_budget` units moved (which it spends).
    bool join_free_space(std::uint32_t units, std::uint64_t &move_budget) noexcept;
    void compact(std::uint32_t units) noexcept;
    void repoint(const Heap &h, Off from, Off to) noexcept;
    void repoint_item(Off from, Off to) noexcept;
    void repoint_node(Off to) noexcept;

    Off new_item(const Key &key, const Value &value, std::uint64_t expires, std::uint32_t user_flags,
                 Evict evict, std::uint64_t now, bool &forcible) noexcept;
    // Overwrites item `o` in place when its block is the size (`units`) a new one would get.
    bool reuse(Off o, std::uint64_t units, const Value &value, std::uint64_t expires,
               std::uint32_t user_flags) noexcept;
    void write_value(Item &it, const Value &value) noexcept;

    Header h_;
};

}  // namespace nlf::shdict
