// livermdt: a login ends after a while without requests (automatic logoff, see docs/web.md,
// "Security"). Typing into a long form makes no request, so without this a clinician filling in
// the case editor for longer than the idle timeout would lose the form on saving. While the user
// types, clicks or scrolls on a page, this asks the server who is logged in (GET /api/session)
// at most once a minute, which counts as use; a page left alone still logs out.
(function () {
  "use strict";
  var STEP_MS = 60000;
  var last = Date.now();
  function active() {
    var now = Date.now();
    if (now - last < STEP_MS) {
      return;
    }
    last = now;
    fetch("/api/session", { credentials: "same-origin", cache: "no-store" }).catch(function () {});
  }
  ["input", "keydown", "pointerdown", "scroll"].forEach(function (type) {
    document.addEventListener(type, active, { capture: true, passive: true });
  });
})();
