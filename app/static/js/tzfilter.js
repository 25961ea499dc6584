// The time-zone filter (templates/_macros/timezone.html): progressive enhancement only, the
// grouped select works without it. Typing keeps the matching places in the select, picks the
// one that matches exactly (or the only one left), and says how many match.
(function () {
  "use strict";
  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }
  function wire(box) {
    if (box.dataset.wired) { return; }
    box.dataset.wired = "1";
    var select = document.getElementById(box.getAttribute("data-tz-filter"));
    var input = box.querySelector("input");
    var list = box.querySelector("datalist");
    var count = box.querySelector("[aria-live]");
    if (!select || !input) { return; }
    var options = Array.prototype.slice.call(select.querySelectorAll("option[value]"))
      .filter(function (o) { return o.value; });
    options.forEach(function (o) {
      var item = document.createElement("option");
      item.value = o.textContent;
      list.appendChild(item);
    });
    input.addEventListener("input", function () {
      var words = fold(input.value.trim()).split(/\s+/).filter(Boolean);
      var shown = [];
      options.forEach(function (o) {
        var text = fold(o.textContent + " " + o.value);
        var match = words.every(function (w) { return text.indexOf(w) !== -1; });
        o.hidden = !match;
        if (match) { shown.push(o); }
      });
      Array.prototype.forEach.call(select.querySelectorAll("optgroup"), function (g) {
        g.hidden = !g.querySelector("option:not([hidden])");
      });
      var exact = shown.filter(function (o) { return o.textContent === input.value; });
      var pick = exact.length ? exact[0] : (shown.length === 1 ? shown[0] : null);
      if (pick) { select.value = pick.value; }
      count.textContent = words.length ? box.getAttribute("data-count").replace("{n}", shown.length) : "";
    });
    box.hidden = false;
  }
  function wireAll() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-tz-filter]"), wire);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", wireAll);
  } else {
    wireAll();
  }
})();
