// The shared-dictionary engine: operation sequences drawn from the input against a model
// (tests/common/shdict_model.hpp), every invariant checked after each step, in a tight
// zone that evicts or a roomy one that must agree with the model exactly.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "../common/shdict_model.hpp"

using nlf::shdict::testing::ModelDriver;
using nlf::shdict::testing::ModelRun;

namespace {

class InputDriver final : public ModelDriver {
public:
    InputDriver(const std::uint8_t *data, std::size_t size) : data_(data), size_(size) {}

    std::uint64_t below(std::uint64_t n) override {
        std::uint64_t v = next();
        if (n > 256) v = v << 8 | next();
        return v % n;
    }
    std::uint32_t word() override {
        std::uint32_t w = 0;
        for (int i = 0; i < 4; ++i) w = w << 8 | static_cast<std::uint32_t>(next());
        return w;
    }
    bool exhausted() const override { return at_ >= size_; }
    void fail(const std::string &what) override {
        std::fprintf(stderr, "shdict model: %s\n", what.c_str());
        std::abort();
    }

private:
    std::uint64_t next() { return at_ < size_ ? data_[at_++] : 0; }

    const std::uint8_t *data_;
    std::size_t size_;
    std::size_t at_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    if (size < 1) return 0;
    const bool tight = data[0] & 1;
    InputDriver driver(data + 1, size - 1);
    // A roomy zone must never evict: 200 steps store at most 200 values of at most
    // 1500 bytes, well within 512 KiB.
    ModelRun model(tight ? 8 << 10 : 512 << 10, tight, driver);
    model.run(tight ? 1 << 20 : 200);
    return 0;
}
