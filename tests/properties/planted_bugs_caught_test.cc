// The merge laws catch the planted bugs.
//
// Linked against //core:memberlist_planted_bugs. Each test runs one law of
// laws.h with a bug switched on, through rapidcheck's checker with a fixed
// seed (so the run is deterministic), and asserts that rapidcheck FALSIFIES
// it and shrinks to a small counterexample naming the law; the shrunk
// counterexample text is printed (see the test log). The same laws pass
// against the production library in merge_laws_test. rapidcheck ends the
// log with "Some of your RapidCheck properties had failures": those are the
// expected failures of this test, not a problem.
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <rapidcheck.h>

#include "tests/properties/generators.h"
#include "tests/properties/laws.h"

namespace swim::props {
namespace {

// Runs `property` with rapidcheck and returns the failure report ("" and a
// test failure if the property held).
template <typename Property>
std::string ExpectFalsified(const std::string& name, Property property,
                            uint64_t seed) {
  rc::detail::TestParams params;
  params.seed = seed;
  params.maxSuccess = 3000;
  params.maxSize = 100;
  rc::detail::TestMetadata metadata;
  metadata.id = name;
  metadata.description = name;
  const rc::detail::TestResult result =
      rc::detail::checkTestable(std::move(property), metadata, params);
  std::ostringstream os;
  rc::detail::printResultMessage(result, os);
  rc::detail::FailureResult failure;
  EXPECT_TRUE(result.match(failure)) << name << " was not falsified:\n"
                                     << os.str();
  std::cout << "==== " << name << " (seed " << seed << ") ====\n"
            << os.str() << "\n";
  return os.str();
}

// Deliveries in the printed counterexample (each prints as "packet[",
// "compound[" or "push/pull[").
int CountDeliveries(const std::string& report) {
  int n = 0;
  for (const char* tag : {"packet[", "compound[", "push/pull["}) {
    for (size_t at = report.find(tag); at != std::string::npos;
         at = report.find(tag, at + 1)) {
      ++n;
    }
  }
  return n;
}

std::string CounterExample(const std::string& report) {
  // The counterexample is printed before the failure description.
  return report.substr(0, report.find("RC_FAIL"));
}

TEST(PlantedBugs, StaleAliveBreaksMonotonicity) {
  const std::string report = ExpectFalsified(
      "monotonicity with kBugAcceptStaleAlive",
      [] { LawMonotonicity(kBugAcceptStaleAlive, *GenDeliveries()); }, 1);
  EXPECT_NE(report.find("M monotonicity"), std::string::npos) << report;
  EXPECT_LE(CountDeliveries(CounterExample(report)), 4) << report;
}

TEST(PlantedBugs, StaleAliveBreaksAgreement) {
  const std::string report = ExpectFalsified(
      "agreement with kBugAcceptStaleAlive",
      [](const ConsistentScenario& c) {
        LawAgreementConsistent(kBugAcceptStaleAlive, c);
      },
      1);
  EXPECT_NE(report.find("A1 agreement"), std::string::npos) << report;
  EXPECT_LE(CountDeliveries(CounterExample(report)), 4) << report;
}

TEST(PlantedBugs, IgnoreRefuteBreaksRefutation) {
  const std::string report = ExpectFalsified(
      "refutation with kBugIgnoreRefute",
      [] { LawRefutation(kBugIgnoreRefute, DrawAccusedHistory()); }, 1);
  EXPECT_NE(report.find("R refutation"), std::string::npos) << report;
  EXPECT_LE(CountDeliveries(CounterExample(report)), 2) << report;
}

// Without a bug switched on the planted library is the production state
// machine: the same law, same seed, holds.
TEST(PlantedBugs, SameLawsHoldWithNoBugSwitchedOn) {
  rc::detail::TestParams params;
  params.seed = 1;
  params.maxSuccess = 300;
  const auto result = rc::detail::checkTestable(
      [] { LawMonotonicity(kBugNone, *GenDeliveries()); },
      rc::detail::TestMetadata(), params);
  std::ostringstream os;
  rc::detail::printResultMessage(result, os);
  EXPECT_TRUE(result.is<rc::detail::SuccessResult>()) << os.str();
}

}  // namespace
}  // namespace swim::props
