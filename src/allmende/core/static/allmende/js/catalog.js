// Draws the chart and the map of a catalog resource from data in the page.
// Both have a table with the same values for readers without JavaScript.
(function () {
  "use strict";
  function readJson(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }
  // The brand palette from the stylesheet's tokens (--chart-1 ... --chart-6).
  function chartPalette() {
    var style = getComputedStyle(document.documentElement);
    var colours = [];
    for (var i = 1; i <= 6; i++) {
      var value = style.getPropertyValue("--chart-" + i).trim();
      if (value) colours.push(value);
    }
    return colours;
  }
  function drawChart() {
    var data = readJson("chart-data");
    var canvas = document.getElementById("chart-canvas");
    if (!data || !canvas || !window.Chart) return;
    var palette = chartPalette();
    var dataset = { label: data.y_label, data: data.values };
    if (palette.length) {
      // One colour per bar or slice where the type colours them apart.
      var many = data.type === "pie" || data.type === "doughnut";
      dataset.backgroundColor = many ? data.values.map(function (_, i) { return palette[i % palette.length]; }) : palette[0];
      dataset.borderColor = many ? "#ffffff" : palette[0];
      window.Chart.defaults.color = getComputedStyle(document.body).color;
      window.Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    }
    var config = { type: data.type, data: { labels: data.labels, datasets: [dataset] },
      options: { responsive: true, maintainAspectRatio: false, animation: false } };
    if (data.type === "scatter") {
      dataset.data = data.labels.map(function (x, i) { return { x: x, y: data.values[i] }; });
      config.data = { datasets: [dataset] };
      config.options.scales = { x: { title: { display: true, text: data.x_label } },
                                y: { title: { display: true, text: data.y_label } } };
    }
    new window.Chart(canvas, config);
  }
  function drawMap() {
    var el = document.getElementById("data-map");
    var data = readJson("map-data");
    if (!el || !data || !window.L) return;
    var map = L.map(el, { scrollWheelZoom: false });
    L.tileLayer(el.dataset.tiles, { attribution: el.dataset.attribution, maxZoom: 18 }).addTo(map);
    var layer = L.geoJSON(data, {
      onEachFeature: function (feature, shape) {
        if (feature.properties && feature.properties.name) {
          var text = document.createElement("span");
          text.textContent = feature.properties.name;
          shape.bindPopup(text);
        }
      }
    }).addTo(map);
    var bounds = layer.getBounds();
    if (bounds.isValid()) { map.fitBounds(bounds, { maxZoom: 14 }); } else { map.setView([51.2, 10.4], 6); }
  }
  document.addEventListener("DOMContentLoaded", function () { drawChart(); drawMap(); });
})();
