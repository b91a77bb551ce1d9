/* Requests around a place: the map of the list's requests (GeoJSON from data-points), a circle for the
   search area, and each point linking to its request's page. The list beside it works without JS. */
(function () {
  "use strict";
  var element = document.getElementById("around-map");
  if (!element || !window.civicMap || !window.L) return;
  var lat = parseFloat(element.dataset.lat), long = parseFloat(element.dataset.long);
  var radius = parseFloat(element.dataset.radius) || 1000;
  var map = window.civicMap.create(element, {center: [lat, long], zoom: radius > 1500 ? 13 : 15});
  if (!map) return;
  var area = L.circle([lat, long], {radius: radius, color: "#0b4f8a", weight: 2, fillOpacity: 0.05, interactive: false});
  area.addTo(map);
  map.fitBounds(area.getBounds());

  function escape(text) {
    var div = document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML;
  }

  fetch(element.dataset.points, {credentials: "same-origin"})
    .then(function (response) { return response.ok ? response.json() : {features: []}; })
    .then(function (collection) {
      L.geoJSON(collection, {
        pointToLayer: function (feature, latlng) {
          var open = feature.properties.status === "open";
          return L.circleMarker(latlng, {
            radius: 7, weight: 2, color: open ? "#a4262c" : "#2b6b2b", fillOpacity: 0.7,
          });
        },
        onEachFeature: function (feature, layer) {
          var p = feature.properties;
          layer.bindPopup('<a href="' + escape(p.url) + '">' + escape(p.service) + " · " + escape(p.number) +
            "</a><br>" + escape(p.status_label));
        },
      }).addTo(map);
    })
    .catch(function () { /* the list still shows them */ });
})();
