// Small site-wide behaviour, no inline scripts (the Content-Security-Policy forbids them).
(function () {
  "use strict";
  // Navbar toggle without Bootstrap's bundle, so phone pages stay light.
  document.addEventListener("click", function (event) {
    var toggle = event.target.closest("[data-toggle-nav]");
    if (!toggle) return;
    var target = document.querySelector(toggle.getAttribute("data-toggle-nav"));
    if (!target) return;
    var open = target.classList.toggle("show");
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  });
  // Buttons and forms that ask before destructive actions: data-confirm="Are you sure?".
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var message = form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  });
})();
