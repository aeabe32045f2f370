// The directory map. Tiles come only from the server the operator configured;
// the list below the map shows the same organizations for everyone.
(function () {
  "use strict";
  function load(el) {
    if (!window.L) return;
    var map = L.map(el, { scrollWheelZoom: false }).setView([51.2, 10.4], 6);
    L.tileLayer(el.dataset.tiles, { attribution: el.dataset.attribution, maxZoom: 18 }).addTo(map);
    var layer = L.layerGroup().addTo(map);
    function refresh() {
      fetch(el.dataset.points + window.location.search, { headers: { Accept: "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          layer.clearLayers();
          data.features.forEach(function (f) {
            var c = f.geometry.coordinates;
            var link = document.createElement("a");
            link.href = f.properties.url;
            link.textContent = f.properties.name;
            L.marker([c[1], c[0]], { title: f.properties.name, alt: f.properties.name })
              .bindPopup(link).addTo(layer);
          });
        });
    }
    refresh();
    document.body.addEventListener("htmx:pushedIntoHistory", refresh);
  }
  document.addEventListener("DOMContentLoaded", function () {
    var el = document.getElementById("org-map");
    if (el) load(el);
  });
})();
