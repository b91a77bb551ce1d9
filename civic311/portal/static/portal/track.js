/* The tracking page, live: an EventSource on the request's public stream (/live/requests/<n>/events);
   on each update the status and timeline are fetched again as server-rendered HTML (in the resident's
   language, the same markup as without JS) and swapped in, and the new entry is announced to screen
   readers through the page's polite live region. Without JS the page is complete; reload shows news. */
(function () {
  "use strict";
  var live = document.getElementById("track-live");
  var announcer = document.getElementById("track-announcer");
  if (!live || !window.EventSource || !window.fetch) return;

  var pending = null;

  function refresh(summary) {
    // Several events at once (a status change and its note) make one fetch.
    if (pending) return pending;
    pending = fetch(live.dataset.timelineUrl, {credentials: "same-origin", headers: {"Accept": "text/html"}})
      .then(function (response) {
        if (!response.ok) throw new Error("timeline " + response.status);
        return response.text();
      })
      .then(function (html) {
        live.innerHTML = html;
        var status = document.getElementById("track-status");
        var entries = live.querySelectorAll(".timeline-entry");
        var last = entries.length ? entries[entries.length - 1].querySelector(".timeline-title") : null;
        if (announcer) {
          announcer.textContent = (live.dataset.updatedText || "Update") + ": " +
            (last ? last.textContent.trim() : (summary || "")) + (status ? " · " + status.textContent.trim() : "");
        }
      })
      .catch(function () { /* the next event or a reload catches up */ })
      .then(function () { pending = null; });
    return pending;
  }

  var source = new EventSource(live.dataset.liveUrl);
  // "open" while the stream is connected (tests and styles may read it); "retrying" between attempts.
  source.onopen = function () { live.dataset.stream = "open"; };
  source.onerror = function () { live.dataset.stream = "retrying"; };
  source.onmessage = function (message) {
    var data = {};
    try { data = JSON.parse(message.data); } catch (e) { /* refresh anyway */ }
    refresh(data.summary);
  };
  window.addEventListener("pagehide", function () { source.close(); });
})();
