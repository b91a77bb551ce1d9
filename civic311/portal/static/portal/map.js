/* civicMap: a small helper over Leaflet for the resident app's maps.

   window.civicMap.create(element, options) -> a Leaflet map (or null when Leaflet did not load).
   The base layer is always the city's ward outlines (public GeoJSON at /districts.geojson), so a map
   works offline and in tests; a tile layer is added only when a tile URL is configured.

   Settings come from options, else from the element's data attributes:
     data-tile-url          settings.PORTAL_TILE_URL ("" = no tiles)
     data-tile-attribution  settings.PORTAL_TILE_ATTRIBUTION
     data-districts         the outline URL (default "/districts.geojson")
     data-lat, data-long    a centre (else the outlines' bounds), data-zoom (default 16 with a centre)
   Other options: center [lat, long], zoom, leaflet (options passed to L.map), onReady(map, wards).
   map.civicWards is a promise of the outline layer (resolves to null if the outlines cannot load). */
(function () {
  "use strict";

  var WARD_STYLE = {color: "#4a5968", weight: 1, fillOpacity: 0.04};
  var cache = {};

  function outlines(url) {
    if (!cache[url]) {
      cache[url] = fetch(url, {credentials: "same-origin"}).then(function (r) {
        if (!r.ok) throw new Error("districts " + r.status);
        return r.json();
      });
    }
    return cache[url];
  }

  function number(value) {
    var n = parseFloat(value);
    return isFinite(n) ? n : null;
  }

  function create(element, options) {
    if (typeof element === "string") element = document.getElementById(element) || document.querySelector(element);
    if (!element || !window.L) return null;
    options = options || {};
    var data = element.dataset || {};
    var tileUrl = options.tileUrl !== undefined ? options.tileUrl : (data.tileUrl || "");
    var attribution = options.tileAttribution !== undefined ? options.tileAttribution : (data.tileAttribution || "");
    var districtsUrl = options.districts || data.districts || "/districts.geojson";
    var center = options.center || null;
    if (!center && number(data.lat) !== null && number(data.long) !== null) {
      center = [number(data.lat), number(data.long)];
    }
    var zoom = options.zoom || number(data.zoom) || 16;

    var map = L.map(element, options.leaflet || {});
    // A first view so the map is usable at once; the outlines refine it when they arrive.
    map.setView(center || [0, 0], center ? zoom : 2);
    if (tileUrl) {
      L.tileLayer(tileUrl, {attribution: attribution, maxZoom: 19}).addTo(map);
    }
    map.civicWards = outlines(districtsUrl).then(function (geojson) {
      var wards = L.geoJSON(geojson, {style: WARD_STYLE, interactive: false}).addTo(map);
      wards.bringToBack();
      if (!center && wards.getBounds().isValid()) map.fitBounds(wards.getBounds());
      return wards;
    }).catch(function () { return null; });
    map.civicWards.then(function (wards) {
      if (options.onReady) options.onReady(map, wards);
    });
    return map;
  }

  window.civicMap = {create: create};
})();
