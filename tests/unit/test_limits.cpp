#include <doctest/doctest.h>

#include <thread>

#include "limits/limits.h"

using assay::Budget;
using assay::LimitKind;
using assay::Limits;

TEST_CASE("objects: the count includes the root and stops the scan at the ceiling") {
  Limits limits;
  limits.max_objects = 2;
  Budget budget(limits, 100);
  CHECK_FALSE(budget.charge_object());
  CHECK_FALSE(budget.charge_object());
  CHECK(budget.charge_object() == LimitKind::MaxObjects);
  CHECK(budget.scan_stopped() == LimitKind::MaxObjects);
  CHECK(budget.any_limit_hit());
}

TEST_CASE("per-member limits skip the member without stopping the scan") {
  Limits limits;
  limits.max_object_bytes = 1000;
  Budget budget(limits, 10'000'000);
  CHECK_FALSE(budget.charge_decoded(1000, 1000, 0));
  CHECK(budget.charge_decoded(1, 1001, 0) == LimitKind::MaxObjectBytes);
  CHECK_FALSE(budget.scan_stopped());
  CHECK(budget.any_limit_hit());
}

TEST_CASE("member ratio is judged only past its floor") {
  Limits limits;
  limits.max_ratio = 100;
  Budget budget(limits, 1ull << 40);  // a huge input: the scan-wide ratio stays out of the way
  // 1 MiB from 1 byte: very compressible but small, so not judged.
  CHECK_FALSE(budget.charge_decoded(Limits::kMemberRatioFloorBytes, Limits::kMemberRatioFloorBytes, 1));
  // Past the floor at ratio 99: fine; at ratio 100: tripped.
  const uint64_t size = Limits::kMemberRatioFloorBytes + 99 * 1000;
  CHECK_FALSE(budget.charge_decoded(0, size, size / 99));
  CHECK(budget.charge_decoded(0, size, size / 100) == LimitKind::MaxRatio);
  CHECK_FALSE(budget.scan_stopped());
  // An unknown compressed size (0) is never judged.
  CHECK_FALSE(budget.charge_decoded(0, size * 10, 0));
}

TEST_CASE("the scan-wide expansion stops nested bombs") {
  Limits limits;
  limits.max_ratio = 100;
  Budget budget(limits, 1000);  // a 1 KB input
  uint64_t decoded = 0;
  std::optional<LimitKind> hit;
  while (!hit && decoded < (64ull << 20)) {
    hit = budget.charge_decoded(64 * 1024, 64 * 1024, 0);  // many modest members
    decoded += 64 * 1024;
  }
  CHECK(hit == LimitKind::MaxRatio);
  CHECK(budget.scan_stopped() == LimitKind::MaxRatio);
  CHECK(decoded > Limits::kScanRatioFloorBytes);
  CHECK(decoded <= Limits::kScanRatioFloorBytes + 64 * 1024);
}

TEST_CASE("total bytes and the deadline stop the scan") {
  Limits limits;
  limits.max_total_bytes = 10;
  Budget budget(limits, 1ull << 40);
  CHECK_FALSE(budget.charge_decoded(10, 10, 0));
  CHECK(budget.charge_decoded(1, 1, 0) == LimitKind::MaxTotalBytes);

  Limits quick;
  quick.timeout_ms = 1;
  Budget late(quick, 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  CHECK(late.check_deadline() == LimitKind::Timeout);
  CHECK(late.scan_stopped() == LimitKind::Timeout);
}

TEST_CASE("limit names are the stable words of flags and warnings") {
  CHECK(assay::limit_name(LimitKind::MaxDepth) == "max_depth");
  CHECK(assay::limit_name(LimitKind::MaxObjects) == "max_objects");
  CHECK(assay::limit_name(LimitKind::MaxObjectBytes) == "max_object_bytes");
  CHECK(assay::limit_name(LimitKind::MaxTotalBytes) == "max_total_bytes");
  CHECK(assay::limit_name(LimitKind::MaxRatio) == "max_ratio");
  CHECK(assay::limit_name(LimitKind::Timeout) == "timeout");
}
