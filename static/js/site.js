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

  // Enter on a chip (.btn-check) chooses it like Space and never submits the form.
  document.addEventListener("keydown", function (event) {
    var input = event.target;
    if (event.key !== "Enter" || !input.classList || !input.classList.contains("btn-check")) return;
    event.preventDefault();
    if (input.type === "checkbox") input.checked = !input.checked;
    else if (input.type === "radio") input.checked = true;
    else return;
    input.dispatchEvent(new Event("input", { bubbles: true }));
    input.dispatchEvent(new Event("change", { bubbles: true }));
  });
  // A focused control is scrolled above its form's sticky .save-bar (instantly: smooth
  // scrolling would leave it hidden for a moment).
  document.addEventListener("focusin", function (event) {
    var el = event.target;
    var form = el.form || (el.closest && el.closest("form"));
    var bar = form && form.querySelector(".save-bar");
    if (!bar || bar.contains(el)) return;
    var shown = el.classList.contains("btn-check") && el.labels && el.labels[0] ? el.labels[0] : el;
    var rect = shown.getBoundingClientRect();
    var limit = bar.getBoundingClientRect().top - 8;
    if (rect.bottom > limit) window.scrollBy({ top: rect.bottom - limit, behavior: "instant" });
    else if (rect.top < 8) window.scrollBy({ top: rect.top - 8, behavior: "instant" });
  });
})();
