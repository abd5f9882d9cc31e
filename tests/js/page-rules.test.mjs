// page-rules.js: the search page's rules (when the full model loads unasked, the progress
// line, the no-reorder check, the filters' fold label), with plain objects for the browser's.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  filtersLabel, filtersSet, fullModelPolicy, megabytes, progressText, sameOrder
} from "../../kb/site/assets/page-rules.js";

test("the full model loads unasked on a fast link only", () => {
  const fast = { effectiveType: "4g", downlink: 10, saveData: false };
  for (const wide of [true, false]) {
    assert.equal(fullModelPolicy(fast, wide), "background");
    assert.equal(fullModelPolicy({ ...fast, downlink: 5 }, wide), "background");
    assert.equal(fullModelPolicy({ effectiveType: "4g" }, wide), "background");  // downlink unknown
    assert.equal(fullModelPolicy({ ...fast, downlink: 0 }, wide), "background");  // Chromium's unknown
    assert.equal(fullModelPolicy({ ...fast, downlink: 4.9 }, wide), "ask");
    assert.equal(fullModelPolicy({ ...fast, saveData: true }, wide), "ask");
    assert.equal(fullModelPolicy({ ...fast, type: "cellular" }, wide), "ask");  // metered
    assert.equal(fullModelPolicy({ ...fast, type: "wifi" }, wide), "background");
    for (const slow of ["3g", "2g", "slow-2g", undefined]) {
      assert.equal(fullModelPolicy({ ...fast, effectiveType: slow }, wide), "ask", String(slow));
    }
  }
});

test("without the Network Information API, a wide screen loads it, a narrow one asks", () => {
  for (const none of [undefined, null, {}, "4g"]) {
    assert.equal(fullModelPolicy(none, true), "background");
    assert.equal(fullModelPolicy(none, false), "ask");
  }
});

test("the progress line counts megabytes of every file, as text", () => {
  assert.equal(megabytes(41_023_456), "41.0");
  assert.equal(megabytes(0), "0.0");
  assert.equal(megabytes(undefined), "0.0");
  assert.equal(progressText(12_345_678, 41_000_000), "Loading the full model: 12.3 of 41.0 MB");
  // a total that has not caught up with the bytes yet never shows more loaded than in all
  assert.equal(progressText(5_000_000, 0), "Loading the full model: 5.0 of 5.0 MB");
  assert.equal(progressText(0, 41_000_000), "Loading the full model: 0.0 of 41.0 MB");
  assert.equal(progressText(0, 0), "Loading the full model\u2026");  // no size known yet
});

test("same order: the same papers in the same places", () => {
  const list = (...keys) => keys.map((key) => ({ key }));
  assert.equal(sameOrder(list("a", "b", "c"), list("a", "b", "c")), true);
  assert.equal(sameOrder(list("a", "b", "c"), list("a", "c", "b")), false);
  assert.equal(sameOrder(list("a", "b"), list("a", "b", "c")), false);
  assert.equal(sameOrder(list(), list()), true);
  assert.equal(sameOrder(null, list("a")), false);
});

test("the fold says how many filters are set", () => {
  const defaults = { mode: "hybrid" };
  const none = { mode: "hybrid", session: "", tag: "", type: "", from: "", to: "" };
  assert.equal(filtersSet(none, defaults), 0);
  assert.equal(filtersLabel(0), "Filters");
  assert.equal(filtersSet({ ...none, session: "4", from: " 2020 " }, defaults), 2);
  assert.equal(filtersSet({ ...none, mode: "keyword" }, defaults), 1);
  assert.equal(filtersSet({ ...none, to: "  " }, defaults), 0);
  assert.equal(filtersLabel(2), "Filters (2 set)");
});
