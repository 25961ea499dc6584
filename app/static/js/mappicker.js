// The crowd-report form's map picker. Progressive enhancement: without this file the form
// keeps its longitude and latitude fields, which keyboards and screen readers use anyway.
// The map (app/lib/choropleth.py) carries its projection in data-* attributes:
//   x = pad + (lon - lon0) * kx * scale,  y = pad + (lat0 - lat) * scale
(function () {
  "use strict";

  function round(value) { return Math.round(value * 1e5) / 1e5; }

  function setUp(picker) {
    var form = picker.closest("form");
    var svg = picker.querySelector("svg.choropleth");
    var lon = form && form.querySelector("input[name=lon]");
    var lat = form && form.querySelector("input[name=lat]");
    if (!svg || !lon || !lat || !svg.getScreenCTM) { return; }
    var p = {
      lon0: parseFloat(svg.dataset.lon0), lat0: parseFloat(svg.dataset.lat0),
      kx: parseFloat(svg.dataset.kx), scale: parseFloat(svg.dataset.scale),
      pad: parseFloat(svg.dataset.pad)
    };
    var marker = svg.querySelector(".map-marker");
    var status = picker.querySelector("[data-picker-status]");
    var locate = picker.querySelector("[data-picker-locate]");

    function show(lonValue, latValue, message) {
      if (marker) {
        marker.setAttribute("cx", String(p.pad + (lonValue - p.lon0) * p.kx * p.scale));
        marker.setAttribute("cy", String(p.pad + (p.lat0 - latValue) * p.scale));
      }
      if (status && message) {
        status.textContent = message.replace("{lon}", lon.value).replace("{lat}", lat.value);
      }
    }

    function choose(lonValue, latValue, message) {
      lon.value = String(round(lonValue));
      lat.value = String(round(latValue));
      show(lonValue, latValue, message);
    }

    svg.addEventListener("click", function (event) {
      var point = svg.createSVGPoint();
      point.x = event.clientX;
      point.y = event.clientY;
      var at = point.matrixTransform(svg.getScreenCTM().inverse());
      choose(p.lon0 + (at.x - p.pad) / (p.kx * p.scale), p.lat0 - (at.y - p.pad) / p.scale,
        picker.dataset.chosen);
    });

    // Typed coordinates move the point too, so both ways of choosing agree.
    function typed() {
      var a = parseFloat(lon.value), b = parseFloat(lat.value);
      if (isFinite(a) && isFinite(b)) { show(a, b, null); }
    }
    lon.addEventListener("input", typed);
    lat.addEventListener("input", typed);
    typed();

    if (locate && navigator.geolocation) {
      locate.hidden = false;
      locate.addEventListener("click", function () {
        if (status) { status.textContent = picker.dataset.locating || ""; }
        navigator.geolocation.getCurrentPosition(function (position) {
          choose(position.coords.longitude, position.coords.latitude, picker.dataset.located);
        }, function () {
          if (status) { status.textContent = picker.dataset.unlocated || ""; }
        }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
      });
    }
    picker.hidden = false;
  }

  // Only the fields of the chosen kind are shown (both are, without this script).
  function kinds(form) {
    var radios = form.querySelectorAll("input[name=kind]");
    function update() {
      var chosen = form.querySelector("input[name=kind]:checked");
      form.querySelectorAll("[data-for-kind]").forEach(function (box) {
        box.hidden = !!chosen && box.getAttribute("data-for-kind") !== chosen.value;
      });
    }
    radios.forEach(function (radio) { radio.addEventListener("change", update); });
    update();
  }

  function start() {
    document.querySelectorAll("[data-map-picker]").forEach(setUp);
    document.querySelectorAll("form[data-report-form]").forEach(kinds);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
