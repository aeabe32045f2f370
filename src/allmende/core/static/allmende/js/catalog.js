// Draws the chart and the map of a catalog resource from data in the page.
// Both have a table with the same values for readers without JavaScript.
(function () {
  "use strict";
  function readJson(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }
  function drawChart() {
    var data = readJson("chart-data");
    var canvas = document.getElementById("chart-canvas");
    if (!data || !canvas || !window.Chart) return;
    var dataset = { label: data.y_label, data: data.values };
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
