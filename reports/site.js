/* secaudit dashboard: sortable and filterable tables, plain JavaScript, no network.
   An external file (not inline) so that a strict Content-Security-Policy (script-src 'self') works.
   Without JavaScript the tables are plain, complete and readable: this only adds buttons. */
(function () {
  "use strict";

  function cellValue(row, index) {
    var cell = row.cells[index];
    if (!cell) return "";
    var v = cell.getAttribute("data-sort");
    return v !== null ? v : cell.textContent.trim();
  }

  function asNumber(text) {
    // "14,3 %", "1.234", "62", "—": Vietnamese decimals use a comma, thousands a dot.
    var t = text.replace(/[\s\u00a0%]/g, "");
    if (!/^-?[\d.,]+$/.test(t)) return null;
    if (t.indexOf(",") >= 0) t = t.replace(/\./g, "").replace(",", ".");
    var n = parseFloat(t);
    return isNaN(n) ? null : n;
  }

  function compare(a, b) {
    var na = asNumber(a), nb = asNumber(b);
    if (na !== null && nb !== null) return na - nb;
    if (na !== null) return -1;
    if (nb !== null) return 1;
    return a.localeCompare(b, document.documentElement.lang || "vi");
  }

  function makeSortable(table) {
    var head = table.tHead;
    var body = table.tBodies[0];
    if (!head || !body) return;
    var ths = head.rows[0].cells;
    Array.prototype.forEach.call(ths, function (th, index) {
      if (th.hasAttribute("data-nosort")) return;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      while (th.firstChild) button.appendChild(th.firstChild);
      th.appendChild(button);
      th.setAttribute("aria-sort", "none");
      button.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(ths, function (other) { other.setAttribute("aria-sort", "none"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (r1, r2) {
          var c = compare(cellValue(r1, index), cellValue(r2, index));
          return ascending ? c : -c;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  }

  function makeFilterable(table) {
    var body = table.tBodies[0];
    if (!body) return;
    var label = document.createElement("label");
    label.className = "filter";
    var input = document.createElement("input");
    input.type = "search";
    input.setAttribute("aria-label", table.getAttribute("data-filter") || "");
    input.placeholder = table.getAttribute("data-filter") || "";
    label.appendChild(input);
    var wrap = table.parentNode.classList.contains("table-wrap") ? table.parentNode : table;
    wrap.parentNode.insertBefore(label, wrap);
    input.addEventListener("input", function () {
      var q = input.value.trim().toLocaleLowerCase();
      Array.prototype.forEach.call(body.rows, function (row) {
        row.hidden = q !== "" && row.textContent.toLocaleLowerCase().indexOf(q) < 0;
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), makeSortable);
    Array.prototype.forEach.call(document.querySelectorAll("table[data-filter]"), makeFilterable);
  });
})();
