// Resident forms: disable the submit button after the first click so a double click sends one
// form (the server also ignores a resent intake form; this just saves a round trip).
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    if (event.defaultPrevented) return;
    var button = event.target.querySelector("[data-disable-on-submit]");
    if (!button) return;
    // Defer so the button's own name/value still goes with this submission.
    window.setTimeout(function () {
      button.disabled = true;
    }, 0);
  });
})();
