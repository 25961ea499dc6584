// Progressive enhancement only: every page works without this file.
// Remember the reader's time zone so session times can also be shown in their own time.
(function () {
  "use strict";
  try {
    var tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
    // IANA names ("America/Montevideo") are safe in a cookie as they are: no encoding.
    if (tz && document.cookie.indexOf("th_tz=" + tz) === -1) {
      document.cookie = "th_tz=" + tz + "; path=/; max-age=31536000; samesite=lax";
    }
  } catch (e) { /* old browsers: times stay in the session's zone and UTC */ }
})();
