// Swagger UI for /api/docs, started without an inline script (the page's
// Content-Security-Policy allows none).
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");

  // Swagger UI leaves its title and its authorization outside any landmark
  // and jumps from its title (h1) to the groups of operations (h3); the
  // landmarks and heading levels are given here, again whenever it redraws.
  function describe() {
    var info = root.querySelector(".information-container");
    if (info && !info.hasAttribute("role")) {
      info.setAttribute("role", "banner");
    }
    var schemes = root.querySelector(".scheme-container");
    if (schemes && !schemes.hasAttribute("role")) {
      schemes.setAttribute("role", "region");
      schemes.setAttribute("aria-label", "Authorization");
    }
    root.querySelectorAll("h3.opblock-tag, .models > h4").forEach(function (h) {
      if (h.getAttribute("aria-level") !== "2") {
        h.setAttribute("aria-level", "2");
      }
    });
  }

  window.SwaggerUIBundle({
    url: root.dataset.openapiUrl,
    domNode: root,
    // Deep links put a link inside each operation's button, which a keyboard
    // or a screen reader cannot reach on its own.
    deepLinking: false,
    layout: "BaseLayout",
    presets: [window.SwaggerUIBundle.presets.apis],
    // The online validator would be another host.
    validatorUrl: null,
    onComplete: describe,
  });
  new MutationObserver(describe).observe(root, { childList: true, subtree: true });
})();
