// Training session page: find a mentor in a long attendee list and count the ticks.
(function () {
  "use strict";
  var filter = document.getElementById("attendee-filter");
  var count = document.getElementById("attendee-count");
  var boxes = document.querySelectorAll(".attendee-box");

  function updateCount() {
    if (!count) return;
    var n = 0;
    boxes.forEach(function (box) { if (box.checked) n += 1; });
    count.textContent = n === 1 ? "1 attendee ticked" : n + " attendees ticked";
  }

  if (filter) {
    filter.addEventListener("input", function () {
      var term = filter.value.trim().toLowerCase();
      document.querySelectorAll(".attendee").forEach(function (row) {
        var match = !term || row.getAttribute("data-name").indexOf(term) !== -1;
        row.classList.toggle("d-none", !match);
      });
    });
    // Enter in the search box must not submit the session.
    filter.addEventListener("keydown", function (event) {
      if (event.key === "Enter") event.preventDefault();
    });
  }
  boxes.forEach(function (box) { box.addEventListener("change", updateCount); });
  updateCount();
})();
