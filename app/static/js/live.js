// The live form names what is being typed: "Your question" once "Question" is chosen. Without
// this file the label stays neutral ("Your remark or question"), which is true either way.
(function () {
  "use strict";
  function follow(label) {
    var choice = document.getElementById(label.getAttribute("data-follows"));
    var text = choice && label.getAttribute("data-label-" + choice.value);
    if (text) { label.textContent = text; }
  }
  function all() {
    var labels = document.querySelectorAll("[data-follows]");
    for (var i = 0; i < labels.length; i++) { follow(labels[i]); }
  }
  document.addEventListener("change", function (event) {
    var id = event.target && event.target.id;
    if (!id) { return; }
    var labels = document.querySelectorAll('[data-follows="' + id + '"]');
    for (var i = 0; i < labels.length; i++) { follow(labels[i]); }
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", all);
  } else {
    all();
  }
})();
