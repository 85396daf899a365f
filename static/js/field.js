/* The engineer's Complete form (templates/jobs/field/_complete_form.html): the customer's signature on a
   canvas (signature_pad, vendored in static/vendor/signature_pad/), kept in a hidden field as a PNG data
   URL when the form is sent, drawn back after a refused send; and one send at a time.
   No inline script: the site's Content-Security-Policy stays as it is. */
(function () {
  "use strict";

  function setUp(form) {
    var canvas = form.querySelector("[data-signature-canvas]");
    var hidden = form.querySelector("input[name=signature_png]");
    var state = form.querySelector("[data-signature-state]");
    if (!canvas || !hidden || typeof window.SignaturePad !== "function") return;
    var pad = new window.SignaturePad(canvas, { penColor: "#111827", minWidth: 0.8, maxWidth: 2.6 });

    function say(text) { if (state) state.textContent = text; }

    function fit() {
      // The canvas's bitmap follows its box and the screen's density; a resize clears it, so redraw.
      var kept = pad.isEmpty() ? hidden.value : pad.toDataURL("image/png");
      var ratio = Math.max(window.devicePixelRatio || 1, 1);
      canvas.width = canvas.offsetWidth * ratio;
      canvas.height = canvas.offsetHeight * ratio;
      canvas.getContext("2d").scale(ratio, ratio);
      pad.clear();
      if (kept) pad.fromDataURL(kept, { ratio: ratio, width: canvas.offsetWidth, height: canvas.offsetHeight });
    }

    pad.addEventListener("endStroke", function () {
      hidden.value = pad.toDataURL("image/png");
      say("Signed.");
    });
    form.querySelector("[data-signature-clear]").addEventListener("click", function () {
      pad.clear();
      hidden.value = "";
      say("Signature cleared.");
    });
    var width = canvas.offsetWidth;
    window.addEventListener("resize", function () {
      if (canvas.offsetWidth !== width) { width = canvas.offsetWidth; fit(); }
    });
    fit();
    if (hidden.value) say("Signed.");
  }

  function oneSendAtATime(form) {
    form.addEventListener("submit", function () {
      var button = form.querySelector("[data-complete-submit]");
      if (button) {
        // Disabled after this tick, so the button's own submission still goes through.
        setTimeout(function () { button.disabled = true; button.textContent = "Sending…"; }, 0);
      }
    });
  }

  document.querySelectorAll("[data-complete-form]").forEach(function (form) {
    setUp(form);
    oneSendAtATime(form);
  });
  var errors = document.getElementById("complete-errors");
  if (errors) errors.focus();
})();
