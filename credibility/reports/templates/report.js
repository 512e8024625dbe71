// credibility HTML report: label filters, sortable table, sentence -> review entry, print.
// Inlined and allowed by its SHA-256 hash in the page's CSP; it reads the page, it never
// evaluates article text (no innerHTML, no eval).
(function () {
  "use strict";
  var body = document.body;

  // Label filters: an unticked box adds "hide-<label>" to <body>; the CSS does the rest.
  function syncFilter(box) {
    body.classList.toggle("hide-" + box.getAttribute("data-filter"), !box.checked);
  }
  Array.prototype.forEach.call(document.querySelectorAll("input[data-filter]"), function (box) {
    syncFilter(box); // a reload may restore an unticked box
    box.addEventListener("change", function () { syncFilter(box); });
  });

  // Sortable tables: a button in each header; aria-sort tells assistive technology the order.
  var live = document.getElementById("sort-status");
  function cellValue(row, index, numeric) {
    var cell = row.cells[index];
    var raw = cell.hasAttribute("data-value") ? cell.getAttribute("data-value") : cell.textContent.trim();
    if (numeric) {
      var n = parseFloat(raw);
      return isNaN(n) ? -Infinity : n;
    }
    return raw.toLocaleLowerCase();
  }
  function sortBy(table, th) {
    var headers = th.parentNode.children;
    var index = Array.prototype.indexOf.call(headers, th);
    var numeric = th.getAttribute("data-sort") === "num";
    var order = th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
    var sign = order === "ascending" ? 1 : -1;
    Array.prototype.forEach.call(headers, function (other) {
      if (other.hasAttribute("data-sort")) { other.setAttribute("aria-sort", "none"); }
    });
    th.setAttribute("aria-sort", order);
    var tbody = table.tBodies[0];
    var rows = Array.prototype.slice.call(tbody.rows).map(function (row, position) {
      return { row: row, key: cellValue(row, index, numeric), position: position };
    });
    rows.sort(function (a, b) {
      if (a.key < b.key) { return -sign; }
      if (a.key > b.key) { return sign; }
      return a.position - b.position; // stable
    });
    rows.forEach(function (item) { tbody.appendChild(item.row); });
    if (live) { live.textContent = "Sorted by " + th.textContent.trim() + ", " + order + "."; }
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.sortable th[data-sort] .sort"), function (button) {
    button.addEventListener("click", function () {
      var th = button.closest("th");
      sortBy(th.closest("table"), th);
    });
  });

  // A flagged sentence is a link to its review entry: open the entry when it is followed.
  function openEntry(id) {
    var entry = id && document.getElementById(id);
    if (entry && entry.tagName === "DETAILS") {
      entry.open = true;
      var summary = entry.querySelector("summary");
      if (summary) { summary.focus({ preventScroll: true }); }
      entry.scrollIntoView({ block: "center" });
      return true;
    }
    return false;
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a.s[href^='#']");
    if (link && openEntry(link.getAttribute("href").slice(1))) { event.preventDefault(); }
  });
  if (location.hash) { openEntry(decodeURIComponent(location.hash.slice(1))); }

  // Escape hides the hover card of the focused sentence (WCAG 1.4.13: dismissible).
  document.addEventListener("keydown", function (event) {
    var sentence = event.target.closest && event.target.closest(".s");
    if (event.key === "Escape" && sentence) { sentence.classList.add("tip-off"); }
  });
  document.addEventListener("focusout", function (event) {
    if (event.target.classList && event.target.classList.contains("s")) {
      event.target.classList.remove("tip-off");
    }
  });

  // Print every review entry open, then restore.
  var opened = [];
  window.addEventListener("beforeprint", function () {
    Array.prototype.forEach.call(document.querySelectorAll("details:not([open])"), function (d) {
      d.open = true;
      opened.push(d);
    });
  });
  window.addEventListener("afterprint", function () {
    opened.forEach(function (d) { d.open = false; });
    opened = [];
  });
})();
