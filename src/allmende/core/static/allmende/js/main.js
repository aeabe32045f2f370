// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  // A form marked data-submit-once disables its submit buttons after the first
  // submit, so an impatient second click does not send it again. The server
  // also recognises a repeated submission (see core/idempotency.py).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-submit-once")) return;
    if (form.dataset.submitted === "1") { event.preventDefault(); return; }
    form.dataset.submitted = "1";
    form.querySelectorAll("button[type=submit], input[type=submit]").forEach(function (b) {
      b.setAttribute("aria-disabled", "true");
      window.setTimeout(function () { b.disabled = true; }, 0);
    });
  });
  // Coming back with the browser's back button must not leave the form locked.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-submit-once]").forEach(function (form) {
      form.dataset.submitted = "";
      form.querySelectorAll("[aria-disabled=true]").forEach(function (b) {
        b.disabled = false; b.removeAttribute("aria-disabled");
      });
    });
  });
  // When htmx replaces a region together with the button that had focus, put
  // focus on the new region (marked data-focus-after-swap), so a keyboard user
  // goes on from there instead of from the top of the page.
  document.addEventListener("htmx:afterSettle", function () {
    var active = document.activeElement;
    if (active && active !== document.body) return;
    var region = document.querySelector("[data-focus-after-swap]");
    if (region) region.focus();
  });
  // Move focus to an error summary so screen readers announce it.
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector(".error-summary");
    if (summary) summary.focus();
  });
})();
