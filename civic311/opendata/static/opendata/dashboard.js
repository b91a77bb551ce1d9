/* The dashboard's charts (uPlot) and ward map (Leaflet, over the ward outlines): drawn when they come
   into view, so they never hold up the first paint or the first input. Every figure they draw is also
   in a table on the page; without JavaScript the tables are the dashboard. */
(function () {
  "use strict";
  var script = document.currentScript;
  var labels = script.dataset;
  var dataNode = document.getElementById("dashboard-data");
  if (!dataNode) return;
  var data = JSON.parse(dataNode.textContent);
  var loaded = {};

  function load(src, css) {
    if (!loaded[src]) {
      loaded[src] = new Promise(function (resolve, reject) {
        if (css) {
          var link = document.createElement("link");
          link.rel = "stylesheet";
          link.href = css;
          document.head.appendChild(link);
        }
        var s = document.createElement("script");
        s.src = src;
        s.onload = resolve;
        s.onerror = reject;
        document.head.appendChild(s);
      });
    }
    return loaded[src];
  }

  function whenVisible(element, draw) {
    if (!element) return;
    if (!("IntersectionObserver" in window)) { draw(); return; }
    var seen = new IntersectionObserver(function (entries) {
      if (entries.some(function (e) { return e.isIntersecting; })) {
        seen.disconnect();
        draw();
      }
    }, {rootMargin: "200px"});
    seen.observe(element);
  }

  function epoch(day) { return Date.parse(day + "T12:00:00Z") / 1000; }

  function chart(element, series, x, ys) {
    // One point is no line: the table beside says it better.
    if (x.length < 2) { element.hidden = true; return Promise.resolve(); }
    return load(labels.uplot, labels.uplotCss).then(function () {
      var width = element.clientWidth || 600;
      series.forEach(function (s) {
        if (s.bars) { s.paths = window.uPlot.paths.bars({size: [0.6, 48]}); s.points = {show: false}; delete s.bars; }
      });
      var opts = {
        width: width,
        height: 240,
        series: [{}].concat(series),
        axes: [{}, {scale: "y"}].concat(series.some(function (s) { return s.scale === "days"; })
          ? [{scale: "days", side: 1, grid: {show: false}}] : []),
        scales: {x: {time: true}},
        legend: {show: true},
      };
      var plot = new window.uPlot(opts, [x].concat(ys), element);
      window.addEventListener("resize", function () { plot.setSize({width: element.clientWidth, height: 240}); });
    });
  }

  whenVisible(document.getElementById("chart-months"), function () {
    var months = data.months;
    chart(document.getElementById("chart-months"), [
      {label: labels.labelRequests, stroke: "#0b4f8a", fill: "rgba(11,79,138,.35)", scale: "y", bars: true},
      {label: labels.labelMedian, stroke: "#8a4b00", width: 2, scale: "days"},
    ], months.map(function (m) { return epoch(m.key + "-15"); }),
    [months.map(function (m) { return m.requests; }), months.map(function (m) { return m.median_days; })]);
  });

  whenVisible(document.getElementById("chart-weeks"), function () {
    var weeks = data.weeks;
    chart(document.getElementById("chart-weeks"), [
      {label: labels.labelOpened, stroke: "#0b4f8a", scale: "y"},
      {label: labels.labelClosed, stroke: "#1a6b2f", scale: "y"},
      {label: labels.labelBacklog, stroke: "#a4161a", dash: [6, 4], scale: "y"},
    ], weeks.map(function (w) { return epoch(w.week); }),
    [weeks.map(function (w) { return w.opened; }), weeks.map(function (w) { return w.closed; }),
     weeks.map(function (w) { return w.backlog; })]);
  });

  // Ward colours: five steps of blue by requests, the legend saying what each step holds.
  var STEPS = ["#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"];

  whenVisible(document.getElementById("dashboard-map"), function () {
    var element = document.getElementById("dashboard-map");
    load(labels.leaflet, labels.leafletCss).then(function () { return load(labels.map); }).then(function () {
      var map = window.civicMap && window.civicMap.create(element, {districts: element.dataset.districts});
      if (!map) return;
      // Five steps by quintile of the wards' counts, so one busy ward does not wash out the rest.
      var counts = Object.keys(data.wards).map(function (k) { return data.wards[k].requests; }).sort(function (a, b) { return a - b; });
      var bounds = STEPS.map(function (_, i) { return counts.length ? counts[Math.floor((i + 1) * (counts.length - 1) / STEPS.length)] : 0; });
      function step(n) { for (var i = 0; i < bounds.length; i++) { if (n <= bounds[i]) return i; } return STEPS.length - 1; }
      map.civicWards.then(function (layer) {
        if (!layer) return;
        // The base outlines take no clicks: the coloured copy above them shows each ward's figure.
        window.L.geoJSON(layer.toGeoJSON(), {
          style: function (feature) {
            var ward = data.wards[feature.properties.code];
            return {color: "#333", weight: 1, fillOpacity: 0.8, fillColor: ward ? STEPS[step(ward.requests)] : "#fff"};
          },
          onEachFeature: function (feature, ward) {
            var figures = data.wards[feature.properties.code];
            ward.bindTooltip(feature.properties.name + ": " + (figures ? figures.requests : 0));
          },
        }).addTo(map);
        var legend = window.L.control({position: "bottomright"});
        legend.onAdd = function () {
          var box = window.L.DomUtil.create("div", "map-legend");
          var rows = [labels.labelLegend];
          var low = counts.length ? counts[0] : 0;
          for (var i = 0; i < STEPS.length; i++) {
            if (i > 0 && bounds[i] === bounds[i - 1]) continue;
            rows.push('<i style="background:' + STEPS[i] + '"></i>' + low + "–" + bounds[i]);
            low = bounds[i] + 1;
          }
          box.innerHTML = rows.join("<br>");
          return box;
        };
        legend.addTo(map);
      });
    });
  });
})();
