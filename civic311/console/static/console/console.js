// The console's small behaviours: keyboard moves in the queue, the map view, response templates,
// and live updates (Server-Sent Events) that refresh what others changed.
(function () {
  "use strict";

  function onReady(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }

  // Keyboard: "/" search, j/k move between requests, x selects, Enter opens (the link is focused).
  function queueKeys() {
    var table = document.getElementById("queue-table");
    if (!table) return;
    document.addEventListener("keydown", function (event) {
      var target = event.target;
      if (target.matches("input, select, textarea") || event.metaKey || event.ctrlKey || event.altKey) return;
      if (event.key === "/") {
        event.preventDefault();
        document.getElementById("f-q").focus();
        return;
      }
      var rows = Array.prototype.slice.call(table.querySelectorAll("tbody tr[data-number]"));
      if (!rows.length) return;
      var current = table.querySelector("tr.current");
      var index = rows.indexOf(current);
      if (event.key === "j" || event.key === "k") {
        index = event.key === "j" ? Math.min(rows.length - 1, index + 1) : Math.max(0, index - 1);
        if (current) current.classList.remove("current");
        rows[index].classList.add("current");
        rows[index].querySelector("a").focus();
      } else if (event.key === "x" && current) {
        var box = current.querySelector("input[type=checkbox]");
        box.checked = !box.checked;
      }
    });
  }

  function districtLayer(map, url) {
    return fetch(url, {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (data) {
      var layer = L.geoJSON(data, {style: {color: "#5a6b7b", weight: 1, fillOpacity: 0.04}}).addTo(map);
      return layer;
    });
  }

  function queueMap() {
    var holder = document.getElementById("queue-map");
    var switcher = document.querySelector(".view-switch");
    if (!holder || !switcher) return;
    var map = null;
    switcher.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-view]");
      if (!button) return;
      var showMap = button.dataset.view === "map";
      switcher.querySelectorAll("button").forEach(function (b) { b.setAttribute("aria-pressed", String(b === button)); });
      holder.hidden = !showMap;
      document.getElementById("queue-table").hidden = showMap;
      if (showMap && window.L) {
        if (!map) map = L.map(holder, {preferCanvas: true}).setView([41.88, -87.68], 11);
        map.eachLayer(function (layer) { map.removeLayer(layer); });
        districtLayer(map, holder.dataset.districts).then(function (wards) {
          if (wards.getBounds().isValid()) map.fitBounds(wards.getBounds());
          return fetch(holder.dataset.geojson + window.location.search, {credentials: "same-origin"});
        }).then(function (r) { return r.json(); }).then(function (data) {
          L.geoJSON(data, {
            pointToLayer: function (feature, latlng) {
              return L.circleMarker(latlng, {radius: 5, color: "#0b5394", weight: 1, fillOpacity: 0.7});
            },
            onEachFeature: function (feature, layer) {
              var p = feature.properties;
              layer.bindPopup('<a href="/staff/requests/' + encodeURIComponent(p.id) + '/">' + p.id + "</a> " +
                              p.service.replace(/[<>&]/g, "") + " (" + p.status + ")");
            }
          }).addTo(map);
        });
        setTimeout(function () { map.invalidateSize(); }, 0);
      }
    });
  }

  function requestMap() {
    var holder = document.getElementById("request-map");
    if (!holder || !window.L) return;
    var point = [parseFloat(holder.dataset.lat), parseFloat(holder.dataset.long)];
    var map = L.map(holder).setView(point, 16);
    districtLayer(map, holder.dataset.districts);
    L.circleMarker(point, {radius: 8, color: "#a4161a", weight: 2, fillOpacity: 0.8}).addTo(map);
  }

  function responseTemplates() {
    document.querySelectorAll("select[data-template-for]").forEach(function (select) {
      select.addEventListener("change", function () {
        var note = document.getElementById(select.dataset.templateFor);
        if (select.value) note.value = select.value;
        var status = select.selectedOptions[0].dataset.status;
        if (status) document.getElementById("id_status").value = status;
      });
    });
  }

  // Live: the server streams events of the user's departments; the page refreshes its parts.
  function live() {
    var holder = document.querySelector("[data-live-url]");
    if (!holder || !window.EventSource) return;
    var source = new EventSource(holder.dataset.liveUrl);
    var pending = null;
    source.onmessage = function (message) {
      var data = {};
      try { data = JSON.parse(message.data); } catch (e) { return; }
      var number = holder.dataset.number;
      if (number && data.service_request_id !== number) return;
      clearTimeout(pending);
      pending = setTimeout(function () {
        if (number) {
          document.body.dispatchEvent(new CustomEvent("live-update"));
        } else if (window.htmx) {
          htmx.ajax("GET", window.location.pathname + window.location.search, {target: "#queue-table", swap: "innerHTML"});
        }
      }, 300);
    };
  }

  onReady(function () {
    queueKeys();
    queueMap();
    requestMap();
    responseTemplates();
    live();
  });
})();
