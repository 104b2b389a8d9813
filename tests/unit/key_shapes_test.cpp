#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "core/pure/key_shapes.hpp"

namespace ks = nlf::core::key_shapes;
using nlf::core::FfiPair;

namespace {

// A list of pairs; a value "<true>" is a key without '=' (length -1).
struct List {
    std::vector<std::pair<std::string, std::string>> items;
    std::vector<FfiPair> pairs;

    List(std::initializer_list<std::pair<std::string, std::string>> kv) : items(kv) { link(); }
    explicit List(const std::vector<std::string> &keys) {
        for (const std::string &k : keys) items.emplace_back(k, "v");
        link();
    }

    void link() {
        pairs.clear();
        for (const auto &[key, value] : items) {
            FfiPair p{{static_cast<int>(key.size()), reinterpret_cast<const unsigned char *>(key.data())},
                      {static_cast<int>(value.size()), reinterpret_cast<const unsigned char *>(value.data())}};
            if (value == "<true>") p.value = {-1, nullptr};
            pairs.push_back(p);
        }
    }
    int n() const { return static_cast<int>(pairs.size()); }
};

class KeyShapes : public ::testing::Test {
protected:
    std::vector<unsigned char> table = std::vector<unsigned char>(ks::table_size(), 0);

    const ks::Found &find(const List &list, unsigned flavor = 0) {
        return ks::find(table.data(), list.pairs.data(), list.n(), flavor);
    }
    int shape(const List &list, unsigned flavor = 0) { return find(list, flavor).shape; }
    std::vector<int> changed(const List &list) {
        const ks::Found &f = find(list);
        EXPECT_GE(f.shape, 0);
        EXPECT_LT(f.shape, ks::stored);
        return {f.changed, f.changed + f.changed_count};
    }
};

bool is_stored(int shape) { return shape >= ks::stored; }
int slot_of(int shape) { return shape >= ks::stored ? shape - ks::stored : shape; }

TEST_F(KeyShapes, StoresThenFindsTheSameKeys) {
    List list({"host", "user-agent", "accept"});
    int first = shape(list);
    ASSERT_TRUE(is_stored(first));
    EXPECT_LT(slot_of(first), ks::slots);
    EXPECT_EQ(shape(list), slot_of(first));
    EXPECT_EQ(shape(List({"host", "user-agent", "accept"})), slot_of(first));
}

TEST_F(KeyShapes, ReportsTheValuesThatChangedSinceTheLastList) {
    List a{{"host", "example.com"}, {"accept", "*/*"}, {"x-id", "1"}};
    ASSERT_TRUE(is_stored(shape(a)));
    EXPECT_EQ(changed(a), std::vector<int>{});
    List b{{"host", "example.com"}, {"accept", "text/*"}, {"x-id", "2"}};
    EXPECT_EQ(changed(b), (std::vector<int>{1, 2}));
    EXPECT_EQ(changed(b), std::vector<int>{});
    // Compared with the last list, not the first.
    EXPECT_EQ(changed(a), (std::vector<int>{1, 2}));
}

TEST_F(KeyShapes, TrueValuesAndEmptyValuesAreValues) {
    List a{{"a", "<true>"}, {"b", ""}, {"c", "x"}};
    ASSERT_TRUE(is_stored(shape(a)));
    EXPECT_EQ(changed(a), std::vector<int>{});
    List b{{"a", ""}, {"b", "<true>"}, {"c", "x"}};
    EXPECT_EQ(changed(b), (std::vector<int>{0, 1}));
    EXPECT_EQ(changed(a), (std::vector<int>{0, 1}));
}

TEST_F(KeyShapes, AValueLongerThanItsRoomAlwaysCountsAsChanged) {
    List a{{"k", "short"}, {"n", "1"}};
    ASSERT_TRUE(is_stored(shape(a)));
    List grown{{"k", "short"}, {"n", "12345678901234567890"}};
    EXPECT_EQ(changed(grown), std::vector<int>{1});
    EXPECT_EQ(changed(grown), std::vector<int>{1});
    // A shorter value fits again.
    List back{{"k", "short"}, {"n", "2"}};
    EXPECT_EQ(changed(back), std::vector<int>{1});
    EXPECT_EQ(changed(back), std::vector<int>{});
}

TEST_F(KeyShapes, ValuesBeyondTheSlotsBytesAlwaysCountAsChanged) {
    const std::string big(ks::max_value_bytes, 'b');
    List a{{"big", big}, {"small", "s"}};
    ASSERT_TRUE(is_stored(shape(a)));
    EXPECT_EQ(changed(a), std::vector<int>{0});
    List fits{{"first", "s"}, {"big", std::string(ks::max_value_bytes - 64, 'b')}};
    ASSERT_TRUE(is_stored(shape(fits)));
    EXPECT_EQ(changed(fits), std::vector<int>{});
}

// Names and values are compared in words with an overlapping tail: a difference in
// any byte of any length must show.
TEST_F(KeyShapes, EveryDifferingByteIsSeen) {
    for (std::size_t len = 1; len <= 40; ++len) {
        const std::string same(len, 'a');
        const std::string name = "k" + std::to_string(len);  // its own slot, sized for `same`
        List a{{name, same}};
        shape(a);
        ASSERT_EQ(changed(a), std::vector<int>{}) << len;
        for (std::size_t pos = 0; pos < len; ++pos) {
            std::string other = same;
            other[pos] = 'b';
            List b{{name, other}};
            EXPECT_EQ(changed(b), std::vector<int>{0}) << len << " " << pos;
            EXPECT_EQ(changed(a), std::vector<int>{0}) << len << " " << pos;
        }
        for (std::size_t pos = 0; pos < len; ++pos) {
            List base{{same, "v"}};
            std::string other = same;
            other[pos] = 'b';
            List key{{other, "v"}};
            shape(base);
            EXPECT_TRUE(is_stored(shape(key))) << len << " " << pos;
        }
    }
}

TEST_F(KeyShapes, OrderLengthAndFlavorMakeOtherShapes) {
    int base = slot_of(shape(List(std::vector<std::string>{"a", "b"})));
    EXPECT_TRUE(is_stored(shape(List(std::vector<std::string>{"b", "a"}))));
    EXPECT_TRUE(is_stored(shape(List(std::vector<std::string>{"a", "bc"}))));
    EXPECT_TRUE(is_stored(shape(List(std::vector<std::string>{"ab"}))));
    EXPECT_TRUE(is_stored(shape(List(std::vector<std::string>{"a", "b", "c"}))));
    EXPECT_TRUE(is_stored(shape(List(std::vector<std::string>{"a", "b"}), 1)));
    // Each of those may have taken the first shape's slot; when it comes back it is
    // found or stored again there, never confused with another.
    EXPECT_EQ(slot_of(shape(List(std::vector<std::string>{"a", "b"}))), base);
}

TEST_F(KeyShapes, EvictedShapeIsStoredAgain) {
    List a(std::vector<std::string>{"first", "second"});
    int slot = slot_of(shape(a));
    for (int i = 0;; ++i) {
        ASSERT_LT(i, 100000) << "no shape found for slot " << slot;
        if (slot_of(shape(List(std::vector<std::string>{"k" + std::to_string(i)}))) == slot) break;
    }
    int back = shape(a);
    EXPECT_TRUE(is_stored(back));
    EXPECT_EQ(slot_of(back), slot);
    EXPECT_EQ(shape(a), slot);
}

TEST_F(KeyShapes, ListsThatDoNotFitAreNotCached) {
    EXPECT_EQ(shape(List(std::vector<std::string>{})), ks::uncached);
    std::vector<std::string> many;
    for (int i = 0; i <= ks::max_keys; ++i) many.push_back("k" + std::to_string(i));
    EXPECT_EQ(shape(List(many)), ks::uncached);
    many.pop_back();
    EXPECT_TRUE(is_stored(shape(List(many))));
    EXPECT_EQ(shape(List(std::vector<std::string>{std::string(ks::max_key_bytes + 1, 'x')})), ks::uncached);
    EXPECT_TRUE(is_stored(shape(List(std::vector<std::string>{std::string(ks::max_key_bytes, 'x')}))));
}

TEST_F(KeyShapes, EmptyKeysAreKeys) {
    List a(std::vector<std::string>{"", "a"});
    int first = shape(a);
    ASSERT_TRUE(is_stored(first));
    EXPECT_EQ(shape(a), slot_of(first));
    EXPECT_TRUE(is_stored(shape(List(std::vector<std::string>{"a", ""}))));
}

}  // namespace
