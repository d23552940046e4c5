// A page whose work a worker is doing (an uploaded list, a pasted list, an export): poll
// the element's status URL, move its progress bar (and its count of rows, if it has one),
// and reload once the work is done or failed. Without JavaScript the page refreshes itself
// (<noscript> meta refresh).
// Markup: <div data-status-poll data-status-url="…" data-progress-bar="id-of-progress"
//   [data-rows="id-of-rows-count"]>.
(function () {
  "use strict";
  var box = document.querySelector("[data-status-poll]");
  if (!box) {
    return;
  }
  function poll() {
    fetch(box.dataset.statusUrl, { credentials: "same-origin" })
      .then(function (response) {
        return response.json();
      })
      .then(function (status) {
        var bar = document.getElementById(box.dataset.progressBar);
        if (bar) {
          bar.value = status.progress;
        }
        var rows = box.dataset.rows && document.getElementById(box.dataset.rows);
        if (rows) {
          rows.textContent = status.rows;
        }
        if (status.state === "done" || status.state === "failed") {
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
