// The venue of an event on a map. Tiles come only from the server the
// operator configured; the address is always written out on the page too.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var el = document.getElementById("event-map");
    if (!el || !window.L) return;
    var point = [parseFloat(el.dataset.lat), parseFloat(el.dataset.lon)];
    var map = L.map(el, { scrollWheelZoom: false }).setView(point, 15);
    L.tileLayer(el.dataset.tiles, { attribution: el.dataset.attribution, maxZoom: 18 }).addTo(map);
    L.marker(point, { keyboard: false }).addTo(map);
  });
})();
