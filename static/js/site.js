// Site-wide behaviour (no inline scripts: the CSP forbids them).
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var toggle = event.target.closest("[data-toggle-nav]");
    if (!toggle) return;
    var target = document.querySelector(toggle.getAttribute("data-toggle-nav"));
    if (!target) return;
    var open = target.classList.toggle("show");
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var message = form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  });

  document.addEventListener("keydown", function (e) {
    var i = e.target;
    if (e.key != "Enter" || !i.matches(".btn-check")) return;
    e.preventDefault();
    i.checked = i.type == "radio" || !i.checked;
    i.dispatchEvent(new Event("change", { bubbles: true }));
  });
})();
