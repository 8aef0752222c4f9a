// Sort the creator table by a clicked heading. Values come from data-value
// attributes (raw numbers), so "$1,234.00" and "—" sort correctly.
// On a phone each creator is a card: "All figures" opens the rest of it.
(function () {
  var table = document.getElementById("creators");
  if (!table) return;
  var heads = table.querySelectorAll("th[data-sort]");
  heads.forEach(function (th, index) {
    th.addEventListener("click", function (event) {
      // A tap on the heading's explanation opens it; it does not sort.
      if (event.target.closest("details")) return;
      var numeric = th.dataset.sort === "num";
      var desc = !th.classList.contains("sorted-desc");
      if (!numeric && !th.classList.contains("sorted-asc") && !th.classList.contains("sorted-desc")) desc = false;
      heads.forEach(function (h) { h.classList.remove("sorted-asc", "sorted-desc"); });
      th.classList.add(desc ? "sorted-desc" : "sorted-asc");
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = a.cells[index].dataset.value, y = b.cells[index].dataset.value;
        if (numeric) {
          // Empty (no data) always sinks to the bottom.
          if (x === "" && y === "") return 0;
          if (x === "") return 1;
          if (y === "") return -1;
          return desc ? parseFloat(y) - parseFloat(x) : parseFloat(x) - parseFloat(y);
        }
        return desc ? y.localeCompare(x) : x.localeCompare(y);
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
  table.querySelectorAll("button.more-button").forEach(function (button) {
    button.addEventListener("click", function () {
      var row = button.closest("tr");
      var open = row.classList.toggle("open");
      button.setAttribute("aria-expanded", open ? "true" : "false");
      button.textContent = open ? "Fewer figures" : "All figures";
    });
  });
  // One explanation open at a time: opening one closes the others.
  document.querySelectorAll("details.why").forEach(function (d) {
    d.addEventListener("toggle", function () {
      if (!d.open) return;
      document.querySelectorAll("details.why[open]").forEach(function (o) { if (o !== d) o.open = false; });
    });
  });
})();
