// The export page while a worker writes the file: poll the status URL, show the
// progress, and reload once the file is ready (or the export failed). Without
// JavaScript the page refreshes itself (<noscript> meta refresh).
(function () {
  "use strict";
  var box = document.getElementById("export-status");
  if (!box) {
    return;
  }
  function poll() {
    fetch(box.dataset.statusUrl, { credentials: "same-origin" })
      .then(function (response) {
        return response.json();
      })
      .then(function (status) {
        document.getElementById("export-progress").value = status.progress;
        document.getElementById("export-rows").textContent = status.rows;
        if (status.download_url || status.state === "failed") {
          window.location.reload();
          return;
        }
        setTimeout(poll, 1000);
      })
      .catch(function () {
        setTimeout(poll, 3000);
      });
  }
  setTimeout(poll, 1000);
})();
