#include <algorithm>
#include <chrono>
#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "auth/password.hpp"

namespace ov::auth {
namespace {

// Cheap parameters for tests that only need "an argon2id hash".
constexpr PasswordCost kFast{1, 64u * 1024u};

// Made at development time by the reference implementation (libargon2 0~20171227, the C
// library argon2-cffi bundles) with argon2id_hash_encoded; not by libsodium.
// argon2-cffi's default profile (RFC 9106 low-memory: t=3, 64 MiB, p=4).
constexpr const char* kCffiDefaultPhc =
    "$argon2id$v=19$m=65536,t=3,p=4$T2JqZWN0VmlzaW9uU2FsdA$"
    "MvjNv+VQPWgy5bh+0JbGT5EKNJQCmEEZF2dlTByzBQ0";
constexpr const char* kCffiDefaultPassword = "correct horse battery staple";
// OWASP's minimum (our default cost) and a non-ASCII password (UTF-8 bytes).
constexpr const char* kOwaspPhc =
    "$argon2id$v=19$m=19456,t=2,p=1$MDEyMzQ1Njc4OWFiY2RlZg$"
    "QfkxvhERZc2hMiIBVgTiaVNSRCw53nlvBGiqHkVVbCw";
constexpr const char* kOwaspPassword = "p\xc3\xa4ssw\xc3\xb6rd \xe2\x9c\x93";  // "pässwörd ✓"
// argon2i (not id) of kCffiDefaultPassword: a valid PHC string of another variant.
constexpr const char* kArgon2iPhc =
    "$argon2i$v=19$m=4096,t=3,p=1$T2JqZWN0VmlzaW9uU2FsdA$"
    "XmOGvHNAKjsOLbA5zCbhXRCW6yghP0KFHUwrJy+Eieo";

TEST(Password, HashThenVerify) {
  PasswordHasher hasher(kFast);
  std::string phc = hasher.hash("hunter2-but-longer");
  EXPECT_TRUE(hasher.verify(phc, "hunter2-but-longer"));
  EXPECT_FALSE(hasher.verify(phc, "hunter2-but-longeR"));
  EXPECT_FALSE(hasher.verify(phc, "hunter2-but-longer "));
  EXPECT_FALSE(hasher.verify(phc, ""));
}

TEST(Password, EmptyAndBinaryPasswordsWork) {
  PasswordHasher hasher(kFast);
  std::string empty = hasher.hash("");
  EXPECT_TRUE(hasher.verify(empty, ""));
  EXPECT_FALSE(hasher.verify(empty, " "));
  std::string with_nul("a\0b", 3);
  std::string phc = hasher.hash(with_nul);
  EXPECT_TRUE(hasher.verify(phc, with_nul));
  EXPECT_FALSE(hasher.verify(phc, "a"));  // not cut at the NUL
}

TEST(Password, DefaultCostGivesTheExpectedPhcString) {
  PasswordHasher hasher(PasswordCost{});
  std::string phc = hasher.hash("secret");
  static const std::regex kPhc(
      R"(^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$)");
  EXPECT_TRUE(std::regex_match(phc, kPhc)) << phc;
  EXPECT_NE(hasher.hash("secret"), phc);  // a fresh random salt each time
}

TEST(Password, VerifiesHashesMadeByTheReferenceImplementation) {
  PasswordHasher hasher(kFast);  // its own cost does not matter: the PHC string carries it
  EXPECT_TRUE(hasher.verify(kCffiDefaultPhc, kCffiDefaultPassword));
  EXPECT_FALSE(hasher.verify(kCffiDefaultPhc, "correct horse battery stapler"));
  EXPECT_TRUE(hasher.verify(kOwaspPhc, kOwaspPassword));
  EXPECT_FALSE(hasher.verify(kOwaspPhc, "passwoerd"));
}

TEST(Password, TamperedReferenceHashFails) {
  PasswordHasher hasher(kFast);
  std::string phc = kOwaspPhc;
  phc[phc.size() - 5] = phc[phc.size() - 5] == 'A' ? 'B' : 'A';  // one bit of the digest
  EXPECT_FALSE(hasher.verify(phc, kOwaspPassword));
  std::string other_salt = kOwaspPhc;
  other_salt.replace(other_salt.find("MDEy"), 4, "MTEy");
  EXPECT_FALSE(hasher.verify(other_salt, kOwaspPassword));
}

TEST(Password, NonArgon2idStringsFailCleanly) {
  PasswordHasher hasher(kFast);
  std::vector<std::string> junk = {
      "",
      "hunter2",
      "$2b$12$C6UzMDM.H6dfI/f/IKxGhuL3Ij8u3Vv6Z9sG3bq0kQ6.5Qp8oG1Ye",  // bcrypt
      kArgon2iPhc,                                                     // argon2i
      "$argon2id$v=19$m=19456,t=2,p=1$MDEyMzQ1Njc4OWFiY2RlZg",         // no digest
      "$argon2id$v=19$m=19456,t=2,p=1$$",
      "$argon2id$v=18$m=19456,t=2,p=1$MDEyMzQ1Njc4OWFiY2RlZg$"
      "QfkxvhERZc2hMiIBVgTiaVNSRCw53nlvBGiqHkVVbCw",
      "$argon2id$v=19$m=1,t=2,p=1$MDEyMzQ1Njc4OWFiY2RlZg$"
      "QfkxvhERZc2hMiIBVgTiaVNSRCw53nlvBGiqHkVVbCw",
      std::string(kOwaspPhc) + "A",
      std::string(kOwaspPhc).substr(0, 40) + std::string(1, '\0') +
          std::string(kOwaspPhc).substr(40),
      std::string(4096, '$'),
  };
  for (const auto& phc : junk) {
    EXPECT_FALSE(hasher.verify(phc, kOwaspPassword)) << phc;
    EXPECT_FALSE(hasher.verify(phc, "hunter2")) << phc;
    EXPECT_TRUE(hasher.needs_rehash(phc)) << phc;
  }
  EXPECT_FALSE(hasher.verify(kArgon2iPhc, kCffiDefaultPassword));  // right password, wrong variant
}

TEST(Password, NeedsRehashWhenTheCostChanges) {
  PasswordHasher cheap(kFast);
  PasswordHasher current(PasswordCost{2, 19u * 1024u * 1024u});
  std::string old_hash = cheap.hash("pw");
  EXPECT_TRUE(current.needs_rehash(old_hash));
  EXPECT_FALSE(cheap.needs_rehash(old_hash));
  EXPECT_FALSE(current.needs_rehash(kOwaspPhc));       // m=19456 KiB, t=2: our default
  EXPECT_TRUE(current.needs_rehash(kCffiDefaultPhc));  // other parameters
  EXPECT_TRUE(current.verify(old_hash, "pw"));         // still verifies until rehashed
}

TEST(Password, RefusesACostBelowLibsodiumsMinimum) {
  EXPECT_THROW(PasswordHasher(PasswordCost{0, 64u * 1024u}), std::invalid_argument);
  EXPECT_THROW(PasswordHasher(PasswordCost{1, 1024u}), std::invalid_argument);
}

// Not a speed target: a guard against verify_dummy() doing nothing, which would let a login
// tell unknown emails from wrong passwords by timing. The bound is deliberately loose.
TEST(Password, DummyVerificationDoesRealWork) {
  PasswordHasher hasher(PasswordCost{2, 16u * 1024u * 1024u});
  std::string phc = hasher.hash("pw");
  auto median = [](auto&& fn) {
    std::vector<double> runs;
    for (int i = 0; i < 5; ++i) {
      auto start = std::chrono::steady_clock::now();
      fn();
      runs.push_back(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    std::sort(runs.begin(), runs.end());
    return runs[2];
  };
  double real = median([&] { (void)hasher.verify(phc, "wrong"); });
  double dummy = median([&] { hasher.verify_dummy("wrong"); });
  EXPECT_GT(dummy, real * 0.25) << "real " << real << " s, dummy " << dummy << " s";
}

}  // namespace
}  // namespace ov::auth
