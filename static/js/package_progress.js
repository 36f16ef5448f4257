/* The package list's progress bars (templates/archive/admin/packages.html); a file,
   not an inline script, because the Content-Security-Policy refuses inline scripts. */
(function () {
  "use strict";
  // Poll the progress of unfinished packages every 3 seconds.
  setInterval(function () {
    document.querySelectorAll("tr[data-progress-url]").forEach(function (row) {
      fetch(row.dataset.progressUrl).then(function (r) { return r.json(); }).then(function (d) {
        var bar = row.querySelector("progress");
        bar.max = d.total || 1; bar.value = d.progress;
        row.querySelector(".count").textContent = d.progress + "/" + d.total;
        row.querySelector(".status").textContent = d.status_label;
        if (d.status === "done" && !row.querySelector("a")) { location.reload(); }
      });
    });
  }, 3000);
})();
