// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  var zone = null;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone || null;
  } catch (e) { /* old browsers: times stay in the session's zone, labelled */ }
  if (!zone) { return; }

  // Remember the reader's zone, so the server shows their time next time (and on pages it
  // builds without this script).
  // IANA names ("America/Montevideo") are safe in a cookie as they are: no encoding.
  if (document.cookie.indexOf("th_tz=" + zone) === -1) {
    document.cookie = "th_tz=" + zone + "; path=/; max-age=31536000; samesite=lax";
  }

  var FIELDS = {
    datetime: { year: "numeric", month: "short", day: "numeric", hour: "numeric", minute: "2-digit" },
    full: { weekday: "long", year: "numeric", month: "long", day: "numeric", hour: "numeric", minute: "2-digit" },
    date: { year: "numeric", month: "short", day: "numeric" },
    time: { hour: "numeric", minute: "2-digit" }
  };

  // "UTC-3", "UTC+5:30", "UTC": the same label the server writes (i18n.zone_label).
  function offset(when) {
    var parts = new Intl.DateTimeFormat("en", { timeZone: zone, timeZoneName: "shortOffset" })
      .formatToParts(when);
    for (var i = 0; i < parts.length; i++) {
      if (parts[i].type === "timeZoneName") { return parts[i].value.replace("GMT", "UTC"); }
    }
    return "";
  }

  function readerText(el, when) {
    var style = FIELDS[el.getAttribute("data-style")] ? el.getAttribute("data-style") : "datetime";
    var options = Object.assign({ timeZone: zone }, FIELDS[style]);
    var text = new Intl.DateTimeFormat(document.documentElement.lang || undefined, options).format(when);
    if (style === "date") { return text; }
    var city = zone === "UTC" || zone === "Etc/UTC" ? "" : zone.split("/").pop().replace(/_/g, " ") + ", ";
    return text + " (" + city + offset(when) + ")";
  }

  // Each <time data-zone> shown in another zone than the reader's gets the reader's time beside
  // it; one the server already wrote for another zone (a cookie from elsewhere) is corrected.
  function localize(root) {
    var times = (root.querySelectorAll ? root : document).querySelectorAll("time[data-zone]");
    for (var i = 0; i < times.length; i++) {
      var el = times[i];
      var next = el.nextElementSibling;
      var shown = next && next.classList.contains("reader-time") ? next : null;
      if (el.getAttribute("data-zone") === zone) {
        if (shown) { shown.remove(); }
        continue;
      }
      if (shown && shown.getAttribute("data-reader-zone") === zone) { continue; }
      var when = new Date(el.getAttribute("datetime"));
      if (isNaN(when.getTime())) { continue; }
      var text = readerText(el, when);
      if (el.getAttribute("data-style") === "date" && text === el.textContent) { continue; }
      if (!shown) {
        shown = document.createElement("small");
        shown.className = "reader-time";
        el.insertAdjacentElement("afterend", shown);
        el.insertAdjacentText("afterend", " ");
      }
      shown.setAttribute("data-reader-zone", zone);
      shown.textContent = (el.getAttribute("data-reader-label") || "") + " " + text;
    }
  }

  function start() { localize(document); }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
  // Remarks that htmx appends to a live feed.
  document.addEventListener("htmx:load", function (event) { localize(event.target); });
})();
