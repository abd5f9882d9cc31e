/* kb: the search page's rules, as pure functions (no DOM, no window): kb-search-page.js applies
   them, tests/js/page-rules.test.mjs runs them under Node.

     fullModelPolicy(connection, wide)
                       "background" when the full model may load unasked after the first
                       answer by meaning, "ask" when the reader is to be asked first
     megabytes(bytes)  "41.0" (MB of 10^6 bytes, as the size line and the progress line say)
     progressText(loaded, total)
                       "Loading the full model: 12.3 of 41.0 MB" (or without the numbers
                       while no size is known)
     sameOrder(a, b)   whether two result lists show the same papers in the same order
     filtersLabel(n)   the phone's one control over the filters: "Filters", "Filters (2 set)"
     filtersSet(values, defaults)
                       how many filters differ from their defaults */

// A link on which the full model (about 40 MB) loads unasked: Chromium's Network Information
// says 4g, no data saver, a downlink (Mbit/s, capped at 10 by Chromium) unknown or >= 5, and
// not a cellular link (metered, most often). Browsers without the API (Safari, Firefox) say
// nothing of the link: a wide screen is taken for a desk, a narrow one for a phone.
export var FAST_DOWNLINK = 5;

export function fullModelPolicy(connection, wide) {
  if (!connection || typeof connection !== "object" || !("effectiveType" in connection)) {
    return wide ? "background" : "ask";
  }
  if (connection.saveData) { return "ask"; }
  if (connection.type === "cellular") { return "ask"; }
  if (connection.effectiveType !== "4g") { return "ask"; }
  var down = connection.downlink;
  if (typeof down === "number" && isFinite(down) && down > 0 && down < FAST_DOWNLINK) { return "ask"; }
  return "background";
}

export function megabytes(bytes) {
  return (Math.max(0, Number(bytes) || 0) / 1e6).toFixed(1);
}

export function progressText(loaded, total) {
  var whole = Math.max(Number(total) || 0, Number(loaded) || 0);
  if (!whole) { return "Loading the full model\u2026"; }  // no size known yet
  return "Loading the full model: " + megabytes(Math.min(loaded, whole)) + " of " + megabytes(whole) + " MB";
}

export function sameOrder(a, b) {
  if (!a || !b || a.length !== b.length) { return false; }
  for (var i = 0; i < a.length; i++) {
    if (a[i].key !== b[i].key) { return false; }
  }
  return true;
}

export function filtersSet(values, defaults) {
  var n = 0;
  Object.keys(values).forEach(function (name) {
    var value = values[name] == null ? "" : String(values[name]).trim();
    var standard = defaults && defaults[name] != null ? String(defaults[name]) : "";
    if (value !== standard) { n += 1; }
  });
  return n;
}

export function filtersLabel(n) {
  return n ? "Filters (" + n + " set)" : "Filters";
}
