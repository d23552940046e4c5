// Forms marked data-submit-once send once: after the first submit their buttons are
// disabled and say so, and further submits are ignored. The form's one-time key
// (core.forms) still makes a second post harmless where this cannot help (no
// JavaScript, two posts already in flight); this spares the relative the doubt.
// Loaded from a file, never inline: the Content-Security-Policy allows no inline script.
(function () {
  "use strict";

  function buttonsOf(form) {
    return form.querySelectorAll('button[type="submit"], button:not([type]), input[type="submit"]');
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-submit-once")) {
      return;
    }
    if (form.dataset.submitted === "yes") {
      event.preventDefault();
      return;
    }
    form.dataset.submitted = "yes";
    form.setAttribute("aria-busy", "true");
    // Disabled after the submit event has been dispatched, so the submission itself
    // is not cancelled by a disabled button.
    window.setTimeout(function () {
      buttonsOf(form).forEach(function (button) {
        button.disabled = true;
      });
    }, 0);
  });

  // Back to a page from the browser's cache (after an error, or the back button):
  // the form may be sent again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) {
      return;
    }
    document.querySelectorAll("form[data-submit-once]").forEach(function (form) {
      delete form.dataset.submitted;
      form.removeAttribute("aria-busy");
      buttonsOf(form).forEach(function (button) {
        button.disabled = false;
      });
    });
  });
})();
