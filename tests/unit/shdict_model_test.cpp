// The dictionary against a model (tests/common/shdict_model.hpp), operations drawn
// from seeded generators.
#include <gtest/gtest.h>

#include <random>

#include "../common/shdict_model.hpp"

using nlf::shdict::testing::ModelDriver;
using nlf::shdict::testing::ModelRun;

namespace {

class SeededDriver final : public ModelDriver {
public:
    explicit SeededDriver(std::uint64_t seed) : rng_(seed) {}

    std::uint64_t below(std::uint64_t n) override { return rng_() % n; }
    std::uint32_t word() override { return static_cast<std::uint32_t>(rng_()); }
    bool exhausted() const override { return false; }
    void fail(const std::string &what) override { ADD_FAILURE() << what; }

private:
    std::mt19937_64 rng_;
};

void run(std::size_t zone_bytes, std::uint64_t seed, bool tight) {
    SeededDriver driver(seed);
    ModelRun model(zone_bytes, tight, driver);
    EXPECT_TRUE(model.run(20000)) << "seed " << seed;
}

}  // namespace

TEST(ShdictModel, RoomyZoneMatchesTheModelExactly) {
    for (std::uint64_t seed : {1, 2, 3}) run(4 << 20, seed, false);
}

TEST(ShdictModel, TightZoneEvictsButNeverCorrupts) {
    for (std::uint64_t seed : {11, 12, 13, 14}) run(8 << 10, seed, true);
}
