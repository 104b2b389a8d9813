#include "core/shdict/dict.hpp"

#include "core/shdict/hash.hpp"

#include <algorithm>
#include <bit>
#include <limits>
#include <new>

namespace nlf::shdict {

namespace {

constexpr std::uint64_t kMagic = 0x4e4c462d53484443ull;  // "NLF-SHDC"
// Bumped whenever the layout in shared memory changes: a reload that brings a module
// of another layout starts the zone afresh instead of misreading it.
constexpr std::uint32_t kVersion = 2;
// Heap bytes per bucket: chains average at most 4 items even in a zone full of the
// smallest ones, for an index of at most 1/64 of the zone. Denser, the index of a large zone
// spreads a small hot set over more pages than the TLB holds, and lookups slow down.
constexpr std::size_t kHeapBytesPerBucket = 256;
constexpr std::uint32_t kMinBuckets = 16;
constexpr std::uint32_t kMaxBuckets = 1u << 30;
// Expired items at the tail of the LRU list that each write frees on the way.
constexpr int kReclaimPerWrite = 2;
// What an allocation may move to join scattered free space: this many units per unit
// requested, plus a floor so that a small item can move a larger neighbour.
constexpr std::uint64_t kMoveBudgetPerUnit = 4;
constexpr std::uint64_t kMoveBudgetMin = 64;
constexpr int kJoinStarts = 4;

struct ListEnds {
    Off head;
    Off tail;
};

constexpr std::size_t align4(std::size_t n) {
    return (n + 3) & ~std::size_t{3};
}

std::uint64_t units_for(std::size_t bytes) {
    return (std::uint64_t{bytes} + kUnit - 1) / kUnit;
}

std::size_t value_bytes(const Value &v) {
    switch (v.type) {
    case Type::number: return sizeof(double);
    case Type::boolean: return 1;
    case Type::string: return v.string.size();
    default: return 0;
    }
}

void write_bytes(char *p, const Value &v) {
    switch (v.type) {
    case Type::number: std::memcpy(p, &v.number, sizeof(double)); break;
    case Type::boolean: *p = v.number != 0 ? 1 : 0; break;
    case Type::string:
        if (!v.string.empty()) std::memcpy(p, v.string.data(), v.string.size());
        break;
    default: break;
    }
}

Value read_bytes(Type type, const char *p, std::uint32_t len) {
    Value v;
    v.type = type;
    switch (type) {
    case Type::number: std::memcpy(&v.number, p, sizeof(double)); break;
    case Type::boolean: v.number = *p != 0 ? 1 : 0; break;
    case Type::string: v.string = std::string_view(p, len); break;
    default: break;
    }
    return v;
}

}  // namespace

// A dictionary entry: header, key, then the value (or, for a list, its ends).
struct __attribute__((may_alias)) Dict::Item {
    std::uint32_t block;      // the heap's word
    Off chain_next;           // next item of the same bucket
    std::uint64_t expires;    // absolute milliseconds; 0: never
    Off lru_prev;             // more recently used
    Off lru_next;             // less recently used
    std::uint32_t value_len;  // bytes; for a list, its element count
    std::uint32_t user_flags;
    std::uint32_t generation;
    std::uint16_t key_len;
    Type type;
    std::uint8_t reserved;

    char *key() { return reinterpret_cast<char *>(this + 1); }
    const char *key() const { return reinterpret_cast<const char *>(this + 1); }
    std::string_view key_view() const { return {key(), key_len}; }
    char *value() { return key() + key_len; }
    const char *value() const { return key() + key_len; }
    ListEnds &ends() {
        return *reinterpret_cast<ListEnds *>(reinterpret_cast<char *>(this) + align4(sizeof(Item) + key_len));
    }
    const ListEnds &ends() const {
        return *reinterpret_cast<const ListEnds *>(reinterpret_cast<const char *>(this) +
                                                   align4(sizeof(Item) + key_len));
    }

    static std::size_t bytes(std::size_t key_len, std::size_t value_len) {
        return sizeof(Item) + key_len + value_len;
    }
    static std::size_t list_bytes(std::size_t key_len) {
        return align4(sizeof(Item) + key_len) + sizeof(ListEnds);
    }
};

// An element of a list item.
struct __attribute__((may_alias)) Dict::Node {
    std::uint32_t block;
    Off prev;   // towards the front
    Off next;   // towards the back
    Off owner;  // the list item
    std::uint32_t value_len;
    Type type;
    std::uint8_t reserved[3];

    char *value() { return reinterpret_cast<char *>(this + 1); }
    const char *value() const { return reinterpret_cast<const char *>(this + 1); }

    static std::size_t bytes(std::size_t value_len) { return sizeof(Node) + value_len; }
};

// Where the offset of an item is stored: its bucket or the previous item's chain_next.
struct Dict::Link {
    Off *slot = nullptr;
};

Dict::Item &Dict::item(Off o) noexcept {
    return *reinterpret_cast<Item *>(base() + std::size_t{o} * kUnit);
}

const Dict::Item &Dict::item(Off o) const noexcept {
    return *reinterpret_cast<const Item *>(base() + std::size_t{o} * kUnit);
}

Dict::Node &Dict::node(Off o) noexcept {
    return *reinterpret_cast<Node *>(base() + std::size_t{o} * kUnit);
}

const Dict::Node &Dict::node(Off o) const noexcept {
    return *reinterpret_cast<const Node *>(base() + std::size_t{o} * kUnit);
}

Off *Dict::bucket_at(std::uint32_t i) noexcept {
    return reinterpret_cast<Off *>(base() + std::size_t{h_.buckets} * kUnit) + i;
}

const Off *Dict::bucket_at(std::uint32_t i) const noexcept {
    return reinterpret_cast<const Off *>(base() + std::size_t{h_.buckets} * kUnit) + i;
}

Off *Dict::bucket(std::uint64_t hash) noexcept {
    return bucket_at(static_cast<std::uint32_t>(hash >> h_.bucket_shift));
}

Dict *Dict::format(void *mem, std::size_t size, std::uint64_t seed) noexcept {
    // Offsets are 32-bit: the last unit of a block of exactly 32 GiB stays unused.
    const std::uint64_t total = std::min<std::uint64_t>(size / kUnit, std::numeric_limits<Off>::max());
    const std::uint64_t header_units = units_for(sizeof(Dict));
    if (size / kUnit > std::uint64_t{std::numeric_limits<Off>::max()} + 1 || total < header_units) {
        return nullptr;
    }
    const std::uint64_t room = (total - header_units) * kUnit;
    const auto buckets = static_cast<std::uint32_t>(
        std::bit_floor(std::clamp<std::uint64_t>(room / kHeapBytesPerBucket, kMinBuckets, kMaxBuckets)));
    const std::uint64_t heap_begin = header_units + units_for(std::size_t{buckets} * sizeof(Off));
    if (heap_begin + block::kMinUnits > total) return nullptr;

    std::memset(mem, 0, heap_begin * kUnit);
    auto *d = new (mem) Dict();
    Header &h = d->h_;
    h.magic = kMagic;
    h.version = kVersion;
    h.bucket_count = buckets;
    h.bucket_shift = 64 - static_cast<unsigned>(std::countr_zero(buckets));
    h.size = size;
    h.seed = seed;
    h.generation = 1;
    h.buckets = static_cast<Off>(header_units);
    d->heap().format(static_cast<Off>(heap_begin), static_cast<Off>(total));
    return d;
}

Dict *Dict::attach(void *mem, std::size_t size) noexcept {
    auto *d = std::launder(static_cast<Dict *>(mem));
    const Header &h = d->h_;
    if (h.magic != kMagic || h.version != kVersion || h.size != size) return nullptr;
    return d;
}

std::uint64_t Dict::hash(std::string_view key) const noexcept {
    return hash_key(key, h_.seed);
}

Key Dict::key(std::string_view bytes) const noexcept {
    return {bytes, hash(bytes)};
}

bool Dict::expired(const Item &it, std::uint64_t now) const noexcept {
    return it.generation != h_.generation || (it.expires != 0 && it.expires <= now);
}

// The helpers on the path of every get, set and incr are forced inline: GCC keeps them
// out of line (each has several callers), which costs a fifth of an uncontended call.
[[gnu::always_inline]] inline Off Dict::find(const Key &key, Link &link) noexcept {
    Off *slot = bucket(key.hash);
    for (Off o = *slot; o != 0; o = *slot) {
        Item &it = item(o);
        if (it.key_len == key.bytes.size() && same_key(it.key(), key.bytes.data(), key.bytes.size())) {
            link.slot = slot;
            return o;
        }
        slot = &it.chain_next;
    }
    return 0;
}

Off Dict::find(const Key &key) noexcept {
    Link ignored;
    return find(key, ignored);
}

[[gnu::always_inline]] inline void Dict::lru_unlink(Off o) noexcept {
    Item &it = item(o);
    if (it.lru_prev != 0) {
        item(it.lru_prev).lru_next = it.lru_next;
    } else {
        h_.lru_head = it.lru_next;
    }
    if (it.lru_next != 0) {
        item(it.lru_next).lru_prev = it.lru_prev;
    } else {
        h_.lru_tail = it.lru_prev;
    }
}

[[gnu::always_inline]] inline void Dict::lru_push_front(Off o) noexcept {
    Item &it = item(o);
    it.lru_prev = 0;
    it.lru_next = h_.lru_head;
    if (h_.lru_head != 0) {
        item(h_.lru_head).lru_prev = o;
    } else {
        h_.lru_tail = o;
    }
    h_.lru_head = o;
}

[[gnu::always_inline]] inline void Dict::touch(Off o) noexcept {
    if (h_.lru_head == o) return;
    lru_unlink(o);
    lru_push_front(o);
}

void Dict::insert(Off o, std::uint64_t hash) noexcept {
    Off *slot = bucket(hash);
    item(o).chain_next = *slot;
    *slot = o;
    lru_push_front(o);
}

void Dict::free_list_nodes(Item &it) noexcept {
    ListEnds &ends = it.ends();
    Heap h = heap();
    for (Off n = ends.head; n != 0;) {
        const Off next = node(n).next;
        h.release(n);
        n = next;
    }
    ends = {0, 0};
}

void Dict::remove(Off o, Link link) noexcept {
    Item &it = item(o);
    *link.slot = it.chain_next;
    lru_unlink(o);
    if (it.type == Type::list) free_list_nodes(it);
    heap().release(o);
}

void Dict::remove(Off o) noexcept {
    Link link{bucket(hash(item(o).key_view()))};
    while (*link.slot != o) link.slot = &item(*link.slot).chain_next;
    remove(o, link);
}

[[gnu::always_inline]] inline void Dict::reclaim_expired_tail(std::uint64_t now) noexcept {
    for (int i = 0; i < kReclaimPerWrite; ++i) {
        const Off tail = h_.lru_tail;
        if (tail == 0 || !expired(item(tail), now)) return;
        remove(tail);
    }
}

// Offsets held across this call are stale afterwards: it moves items.
//
// A full zone pays here on every write, so the work stays bounded: moves that join
// scattered free space are limited to a few times the request's size per call, and
// otherwise the least recently used items go (exact LRU order) until a block fits.
// Only a store that must not evict compacts the whole heap, rather than fail while
// enough memory is free.
Off Dict::allocate(std::uint32_t units, Evict evict, std::uint64_t now, bool &forcible) noexcept {
    Heap h = heap();
    std::uint64_t move_budget = std::uint64_t{units} * kMoveBudgetPerUnit + kMoveBudgetMin;
    bool joined = false;
    for (;;) {
        if (const Off b = h.allocate(units)) return b;
        // Once per call: in a zone under churn the free space is often many holes that
        // nothing fits, and every further attempt would fail the same way.
        if (!joined && h.free_units() >= units) {
            joined = true;
            if (join_free_space(units, move_budget)) return h.allocate(units);
        }
        const Off victim = h_.lru_tail;
        const bool live = victim != 0 && !expired(item(victim), now);
        if (victim == 0 || (live && evict == Evict::no)) {
            if (h.free_units() < units) return 0;
            compact(units);
            return h.allocate(units);
        }
        forcible = forcible || live;
        remove(victim);
    }
}

bool Dict::join_free_space(std::uint32_t units, std::uint64_t &move_budget) noexcept {
    Heap h = heap();
    auto moved = [this, &h](Off from, Off to) { repoint(h, from, to); };
    // A hole that reaches the end of the heap cannot grow: the next largest is tried.
    // Any other failure (no free block fits the neighbour, the budget is spent) ends the
    // attempt: under churn the free space is often many holes that nothing fits, and
    // trying further holes costs more than it finds.
    Off start = h.large_free_block();
    for (int tries = 0; start != 0 && tries < kJoinStarts; ++tries, start = h.smaller_free_block(start)) {
        for (Off hole = start; !h.ends_heap(hole);) {
            hole = h.move_neighbour_away(hole, move_budget, moved);
            if (hole == 0) return false;
            if (h.units_of(hole) >= units) return true;
        }
    }
    return false;
}

void Dict::compact(std::uint32_t units) noexcept {
    Heap h = heap();
    h.compact(units, [this, &h](Off from, Off to) { repoint(h, from, to); });
}

void Dict::repoint(const Heap &h, Off from, Off to) noexcept {
    if (h.is_node(to)) {
        repoint_node(to);
    } else {
        repoint_item(from, to);
    }
}

void Dict::repoint_item(Off from, Off to) noexcept {
    Item &it = item(to);
    Off *slot = bucket(hash(it.key_view()));
    while (*slot != from) slot = &item(*slot).chain_next;
    *slot = to;
    if (it.lru_prev != 0) {
        item(it.lru_prev).lru_next = to;
    } else {
        h_.lru_head = to;
    }
    if (it.lru_next != 0) {
        item(it.lru_next).lru_prev = to;
    } else {
        h_.lru_tail = to;
    }
    if (it.type == Type::list) {
        for (Off n = it.ends().head; n != 0; n = node(n).next) node(n).owner = to;
    }
}

void Dict::repoint_node(Off to) noexcept {
    Node &n = node(to);
    ListEnds &ends = item(n.owner).ends();
    if (n.prev != 0) {
        node(n.prev).next = to;
    } else {
        ends.head = to;
    }
    if (n.next != 0) {
        node(n.next).prev = to;
    } else {
        ends.tail = to;
    }
}

[[gnu::always_inline]] inline void Dict::write_value(Item &it, const Value &value) noexcept {
    it.type = value.type;
    it.value_len = static_cast<std::uint32_t>(value_bytes(value));
    write_bytes(it.value(), value);
}

[[gnu::always_inline]] inline bool Dict::reuse(Off o, std::uint64_t units, const Value &value,
                                               std::uint64_t expires, std::uint32_t user_flags) noexcept {
    Item &it = item(o);
    const std::uint32_t have = heap().units_of(o);
    // The block must be the one a new item would get, or memory would leak into it.
    if (it.type == Type::list || have < units || have - units >= block::kMinUnits) return false;
    it.expires = expires;
    it.user_flags = user_flags;
    it.generation = h_.generation;
    write_value(it, value);
    touch(o);
    return true;
}

Off Dict::new_item(const Key &key, const Value &value, std::uint64_t expires, std::uint32_t user_flags,
                   Evict evict, std::uint64_t now, bool &forcible) noexcept {
    const std::uint64_t units = units_for(Item::bytes(key.bytes.size(), value_bytes(value)));
    if (units > heap().max_block_units()) return 0;
    const Off o = allocate(static_cast<std::uint32_t>(units), evict, now, forcible);
    if (o == 0) return 0;
    Item &it = item(o);
    it.expires = expires;
    it.user_flags = user_flags;
    it.generation = h_.generation;
    it.key_len = static_cast<std::uint16_t>(key.bytes.size());
    it.reserved = 0;
    std::memcpy(it.key(), key.bytes.data(), key.bytes.size());
    write_value(it, value);
    insert(o, key.hash);
    return o;
}

Status Dict::get(const Key &key, std::uint64_t now, bool allow_stale, Found &out) noexcept {
    const Off o = find(key);
    if (o == 0) return Status::not_found;
    const Item &it = item(o);
    const bool stale = expired(it, now);
    if (stale && !allow_stale) return Status::not_found;
    if (it.type == Type::list) return Status::is_a_list;
    touch(o);
    out.value = read_bytes(it.type, it.value(), it.value_len);
    out.user_flags = it.user_flags;
    out.stale = stale;
    return Status::ok;
}

Status Dict::store(StoreMode mode, bool safe, const Key &key, const Value &value, std::uint64_t ttl_ms,
                   std::uint32_t user_flags, std::uint64_t now, bool &forcible) noexcept {
    forcible = false;
    reclaim_expired_tail(now);
    Link link;
    const Off o = find(key, link);
    const bool live = o != 0 && !expired(item(o), now);
    if (mode == StoreMode::replace && !live) return Status::not_found;
    if (mode == StoreMode::add && live) return Status::exists;
    if (value.type == Type::nil) {
        if (o != 0) remove(o, link);
        return Status::ok;
    }
    const std::uint64_t units = units_for(Item::bytes(key.bytes.size(), value_bytes(value)));
    if (units > heap().max_block_units()) return Status::no_memory;
    const std::uint64_t expires = ttl_ms != 0 ? now + ttl_ms : 0;
    if (o != 0 && reuse(o, units, value, expires, user_flags)) return Status::ok;
    // A safe store fails before it touches the old value; any other one can always
    // make room by evicting.
    const std::uint64_t reusable = o != 0 ? heap().units_of(o) : 0;
    if (safe && heap().free_units() + reusable < units) return Status::no_memory;
    if (o != 0) remove(o, link);
    const Off fresh = new_item(key, value, expires, user_flags, safe ? Evict::no : Evict::yes, now, forcible);
    return fresh != 0 ? Status::ok : Status::no_memory;
}

Status Dict::incr(const Key &key, double delta, const double *init, std::uint64_t init_ttl_ms,
                  std::uint64_t now, double &result, bool &forcible) noexcept {
    forcible = false;
    reclaim_expired_tail(now);
    Link link;
    const Off o = find(key, link);
    if (o != 0 && !expired(item(o), now)) {
        Item &it = item(o);
        if (it.type != Type::number) return Status::not_a_number;
        double v;
        std::memcpy(&v, it.value(), sizeof v);
        v += delta;
        std::memcpy(it.value(), &v, sizeof v);
        touch(o);
        result = v;
        return Status::ok;
    }
    if (init == nullptr) return Status::not_found;
    const Value value{Type::number, *init + delta, {}};
    const std::uint64_t expires = init_ttl_ms != 0 ? now + init_ttl_ms : 0;
    if (o != 0) {
        if (reuse(o, units_for(Item::bytes(key.bytes.size(), sizeof(double))), value, expires, 0)) {
            result = value.number;
            return Status::ok;
        }
        remove(o, link);
    }
    if (new_item(key, value, expires, 0, Evict::yes, now, forcible) == 0) return Status::no_memory;
    result = value.number;
    return Status::ok;
}

Status Dict::push(End end, const Key &key, const Value &value, std::uint64_t now,
                  std::uint64_t &length) noexcept {
    reclaim_expired_tail(now);
    Link link;
    Off o = find(key, link);
    if (o != 0) {
        Item &it = item(o);
        if (!expired(it, now)) {
            if (it.type != Type::list) return Status::not_a_list;
            touch(o);
        } else if (it.type == Type::list) {
            free_list_nodes(it);
            it.value_len = 0;
            it.expires = 0;
            it.user_flags = 0;
            it.generation = h_.generation;
            touch(o);
        } else {
            remove(o, link);
            o = 0;
        }
    }
    // Lists never evict (as in OpenResty): a push fails when the zone is full.
    bool ignored = false;
    const std::uint32_t max_units = heap().max_block_units();
    if (o == 0) {
        const std::uint64_t units = units_for(Item::list_bytes(key.bytes.size()));
        o = units <= max_units ? allocate(static_cast<std::uint32_t>(units), Evict::no, now, ignored) : 0;
        if (o == 0) return Status::no_memory;
        Item &it = item(o);
        it.expires = 0;
        it.user_flags = 0;
        it.generation = h_.generation;
        it.key_len = static_cast<std::uint16_t>(key.bytes.size());
        it.type = Type::list;
        it.reserved = 0;
        it.value_len = 0;
        std::memcpy(it.key(), key.bytes.data(), key.bytes.size());
        it.ends() = {0, 0};
        insert(o, key.hash);
    }
    const std::uint64_t units = units_for(Node::bytes(value_bytes(value)));
    const Off n = units <= max_units ? allocate(static_cast<std::uint32_t>(units), Evict::no, now, ignored) : 0;
    o = find(key, link);
    Item &it = item(o);
    if (n == 0) {
        if (it.value_len == 0) remove(o, link);
        return Status::no_memory;
    }
    heap().mark_node(n);
    Node &nd = node(n);
    nd.owner = o;
    nd.type = value.type;
    nd.value_len = static_cast<std::uint32_t>(value_bytes(value));
    write_bytes(nd.value(), value);
    ListEnds &ends = it.ends();
    if (end == End::front) {
        nd.prev = 0;
        nd.next = ends.head;
        if (ends.head != 0) {
            node(ends.head).prev = n;
        } else {
            ends.tail = n;
        }
        ends.head = n;
    } else {
        nd.next = 0;
        nd.prev = ends.tail;
        if (ends.tail != 0) {
            node(ends.tail).next = n;
        } else {
            ends.head = n;
        }
        ends.tail = n;
    }
    length = ++it.value_len;
    return Status::ok;
}

Status Dict::pop(End end, const Key &key, std::uint64_t now, ValueSink sink) noexcept {
    reclaim_expired_tail(now);
    Link link;
    const Off o = find(key, link);
    if (o == 0 || expired(item(o), now)) return Status::not_found;
    Item &it = item(o);
    if (it.type != Type::list) return Status::not_a_list;
    ListEnds &ends = it.ends();
    const Off n = end == End::front ? ends.head : ends.tail;
    const Node &nd = node(n);
    sink(read_bytes(nd.type, nd.value(), nd.value_len));
    if (nd.prev != 0) {
        node(nd.prev).next = nd.next;
    } else {
        ends.head = nd.next;
    }
    if (nd.next != 0) {
        node(nd.next).prev = nd.prev;
    } else {
        ends.tail = nd.prev;
    }
    heap().release(n);
    if (--it.value_len == 0) {
        remove(o, link);
    } else {
        touch(o);
    }
    return Status::ok;
}

Status Dict::length(const Key &key, std::uint64_t now, std::uint64_t &n) noexcept {
    reclaim_expired_tail(now);
    const Off o = find(key);
    n = 0;
    if (o == 0 || expired(item(o), now)) return Status::ok;
    if (item(o).type != Type::list) return Status::not_a_list;
    touch(o);
    n = item(o).value_len;
    return Status::ok;
}

Status Dict::ttl(const Key &key, std::uint64_t now, std::uint64_t &remaining_ms) noexcept {
    const Off o = find(key);
    if (o == 0 || expired(item(o), now)) return Status::not_found;
    const Item &it = item(o);
    remaining_ms = it.expires != 0 ? it.expires - now : 0;
    return Status::ok;
}

Status Dict::expire(const Key &key, std::uint64_t ttl_ms, std::uint64_t now) noexcept {
    const Off o = find(key);
    if (o == 0 || expired(item(o), now)) return Status::not_found;
    item(o).expires = ttl_ms != 0 ? now + ttl_ms : 0;
    return Status::ok;
}

void Dict::flush_all() noexcept {
    ++h_.generation;
}

std::size_t Dict::flush_expired(std::uint64_t now, std::uint32_t &cursor, std::uint32_t bucket_budget,
                                std::size_t max) noexcept {
    std::size_t freed = 0;
    const auto stop = static_cast<std::uint32_t>(
        std::min<std::uint64_t>(std::uint64_t{cursor} + bucket_budget, h_.bucket_count));
    for (; cursor < stop; ++cursor) {
        Link link{bucket_at(cursor)};
        while (*link.slot != 0) {
            const Off o = *link.slot;
            if (!expired(item(o), now)) {
                link.slot = &item(o).chain_next;
                continue;
            }
            remove(o, link);
            if (++freed == max) return freed;
        }
    }
    return freed;
}

BatchResult Dict::collect_keys(std::uint64_t now, std::uint32_t &cursor, std::uint32_t bucket_budget,
                               std::size_t max, KeyBatch &batch) noexcept {
    const auto stop = static_cast<std::uint32_t>(
        std::min<std::uint64_t>(std::uint64_t{cursor} + bucket_budget, h_.bucket_count));
    for (; cursor < stop; ++cursor) {
        const std::size_t wanted = max - batch.count;
        std::size_t count = 0;
        std::size_t bytes = 0;
        for (Off o = *bucket_at(cursor); o != 0 && count < wanted; o = item(o).chain_next) {
            if (expired(item(o), now)) continue;
            ++count;
            bytes += item(o).key_len;
        }
        if (batch.count + count > batch.count_capacity || batch.bytes_used + bytes > batch.byte_capacity) {
            if (batch.count != 0) return BatchResult::full;
            batch.needed_count = count;
            batch.needed_bytes = bytes;
            return BatchResult::too_small;
        }
        std::size_t taken = 0;
        for (Off o = *bucket_at(cursor); o != 0 && taken < count; o = item(o).chain_next) {
            const Item &it = item(o);
            if (expired(it, now)) continue;
            std::memcpy(batch.bytes + batch.bytes_used, it.key(), it.key_len);
            batch.bytes_used += it.key_len;
            batch.lengths[batch.count++] = it.key_len;
            ++taken;
        }
        if (batch.count == max) return BatchResult::done;
    }
    return cursor < h_.bucket_count ? BatchResult::more : BatchResult::done;
}

bool Dict::verify(std::uint64_t now, std::string &why) const {
    auto *self = const_cast<Dict *>(this);
    Heap h = self->heap();
    if (!h.verify(why)) return false;
    std::uint64_t items = 0;
    std::uint64_t used_units = 0;
    for (std::uint32_t b = 0; b < h_.bucket_count; ++b) {
        for (Off o = *bucket_at(b); o != 0; o = item(o).chain_next) {
            const Item &it = item(o);
            if (o < h_.heap.begin || o >= h_.heap.end || h.is_node(o)) {
                why = "bucket " + std::to_string(b) + " links a non-item " + std::to_string(o);
                return false;
            }
            if ((hash(it.key_view()) >> h_.bucket_shift) != b) {
                why = "item " + std::to_string(o) + " sits in the wrong bucket";
                return false;
            }
            ++items;
            used_units += h.units_of(o);
            if (it.type != Type::list) continue;
            std::uint32_t elements = 0;
            Off prev = 0;
            for (Off n = it.ends().head; n != 0; prev = n, n = node(n).next) {
                if (!h.is_node(n) || node(n).owner != o || node(n).prev != prev) {
                    why = "list node " + std::to_string(n) + " is badly linked";
                    return false;
                }
                ++elements;
                used_units += h.units_of(n);
            }
            if (prev != it.ends().tail || elements != it.value_len || (elements == 0 && !expired(it, now))) {
                why = "list item " + std::to_string(o) + " has a wrong length or tail";
                return false;
            }
        }
    }
    std::uint64_t on_lru = 0;
    Off prev = 0;
    for (Off o = h_.lru_head; o != 0; prev = o, o = item(o).lru_next) {
        if (item(o).lru_prev != prev || ++on_lru > items) {
            why = "the LRU list is badly linked";
            return false;
        }
    }
    if (on_lru != items || prev != h_.lru_tail) {
        why = "the LRU list holds " + std::to_string(on_lru) + " items, the index " + std::to_string(items);
        return false;
    }
    if (used_units + h.free_units() != h.total_units()) {
        why = "blocks not reachable from the index: " +
              std::to_string(h.total_units() - h.free_units() - used_units) + " units";
        return false;
    }
    return true;
}

}  // namespace nlf::shdict
