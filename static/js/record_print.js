/* The "In" button of a record's print view: the browser's print dialog (no inline
 * script: the Content-Security-Policy refuses them). */
(function () {
  "use strict";
  document.querySelectorAll("[data-hoso-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();
