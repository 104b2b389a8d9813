// A dictionary on a plain buffer with a fake clock, for the shdict unit tests.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "../common/shdict_zone.hpp"

namespace nlf::shdict::testing {

struct Zone : ZoneBase {
    using ZoneBase::ZoneBase;

    void check() {
        std::string why;
        ASSERT_TRUE(dict->verify(now, why)) << why;
    }
};

}  // namespace nlf::shdict::testing
