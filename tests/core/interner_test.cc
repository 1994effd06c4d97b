// core/interner.h: one shared, reference-counted copy of each string.
#include "core/interner.h"

#include <string>
#include <utility>

#include "gtest/gtest.h"

namespace swim {
namespace {

TEST(Interner, SameBytesShareOneEntry) {
  Interner in;
  const InternedString* a = in.Acquire("node-1");
  const InternedString* b = in.Acquire(std::string("node-") + "1");
  EXPECT_EQ(a, b);
  EXPECT_EQ(a->refs(), 2u);
  EXPECT_EQ(in.size(), 1u);
  EXPECT_EQ(a->view(), "node-1");
  in.Release(a);
  in.Release(b);
  EXPECT_EQ(in.size(), 0u);
}

TEST(Interner, EntryFreedAtLastReleaseAndIdReused) {
  Interner in;
  const InternedString* a = in.Acquire("a");
  const InternedString* b = in.Acquire("b");
  const uint32_t a_id = a->id();
  EXPECT_NE(a_id, b->id());
  EXPECT_GE(a_id, 1u);
  in.Release(a);
  EXPECT_EQ(in.Find("a"), nullptr);
  EXPECT_EQ(in.Find("b"), b);
  const InternedString* c = in.Acquire("c");
  EXPECT_EQ(c->id(), a_id);  // the freed id is handed out again
  EXPECT_LE(in.id_limit(), 3u);
  in.Release(b);
  in.Release(c);
}

TEST(Interner, BytesWithZerosAndEmptyStringsAreKeys) {
  Interner in;
  const std::string with_zero("a\0b", 3);
  const InternedString* z = in.Acquire(with_zero);
  const InternedString* e = in.Acquire("");
  EXPECT_EQ(z->view(), with_zero);
  EXPECT_EQ(in.Find("a"), nullptr);
  EXPECT_EQ(e->view(), "");
  EXPECT_EQ(in.Find(""), e);
  in.Release(z);
  in.Release(e);
  EXPECT_EQ(in.size(), 0u);
}

TEST(InternedRef, CopiesCountAndTheLastOneReleases) {
  Interner in;
  {
    InternedRef r1(&in, "x");
    {
      InternedRef r2 = r1;
      EXPECT_EQ(r1.get(), r2.get());
      EXPECT_EQ(r1.get()->refs(), 2u);
      InternedRef r3 = std::move(r2);
      EXPECT_EQ(r2.get(), nullptr);
      EXPECT_EQ(r3.view(), "x");
    }
    EXPECT_EQ(r1.get()->refs(), 1u);
    EXPECT_EQ(in.size(), 1u);
  }
  EXPECT_EQ(in.size(), 0u);
  EXPECT_EQ(InternedRef().view(), "");
}

}  // namespace
}  // namespace swim
