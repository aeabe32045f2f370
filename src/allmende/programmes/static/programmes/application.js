// Counts words or characters of limited answers while the applicant types,
// and names a file's size limit before an upload starts.
(function () {
  "use strict";
  var lang = document.documentElement.lang || "de";
  var de = lang.slice(0, 2) === "de";

  function words(text) {
    var trimmed = text.trim();
    return trimmed ? trimmed.split(/\s+/).length : 0;
  }

  function update(input) {
    var counter = document.querySelector('[data-counter-for="' + input.id + '"]');
    if (!counter) return;
    var maxWords = parseInt(input.dataset.maxWords || "", 10);
    var maxChars = parseInt(input.dataset.maxChars || "", 10);
    var text;
    if (maxWords) {
      text = words(input.value) + (de ? " von höchstens " : " of at most ") + maxWords + (de ? " Wörtern" : " words");
    } else if (maxChars) {
      text = input.value.length + (de ? " von höchstens " : " of at most ") + maxChars + (de ? " Zeichen" : " characters");
    } else {
      text = input.value.length + (de ? " Zeichen" : " characters");
    }
    counter.textContent = text;
    var over = (maxWords && words(input.value) > maxWords) || (maxChars && input.value.length > maxChars);
    counter.classList.toggle("error", Boolean(over));
  }

  document.addEventListener("input", function (event) {
    var target = event.target;
    if (target instanceof HTMLElement && target.id && target.id.indexOf("input-") === 0) {
      update(target);
    }
  });

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!(input instanceof HTMLInputElement) || input.type !== "file" || !input.files || !input.files.length) return;
    var limit = parseInt(input.dataset.maxBytes || "", 10);
    var box = document.getElementById("errors-" + input.name);
    if (!box) return;
    box.textContent = "";
    if (limit && input.files[0].size > limit) {
      var p = document.createElement("p");
      p.className = "error";
      p.textContent = de
        ? "Diese Datei ist zu groß: höchstens " + Math.round(limit / 1048576) + " MB sind erlaubt."
        : "This file is too large: at most " + Math.round(limit / 1048576) + " MB are allowed.";
      box.appendChild(p);
      input.value = "";
    }
  });
})();
