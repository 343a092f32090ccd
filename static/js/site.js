// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // "Share this page": the device's own share sheet where the browser has one,
  // and a copy-link button where the clipboard is available.
  document.querySelectorAll("[data-share]").forEach(function (box) {
    var url = box.getAttribute("data-share-url");
    var title = box.getAttribute("data-share-title");
    var status = box.querySelector("[data-share-status]");
    var nativeButton = box.querySelector("[data-share-native]");
    var copyButton = box.querySelector("[data-share-copy]");

    if (nativeButton && navigator.share) {
      nativeButton.hidden = false;
      nativeButton.addEventListener("click", function () {
        navigator.share({ title: title, url: url }).catch(function () {});
      });
    }
    if (copyButton && navigator.clipboard && window.isSecureContext) {
      copyButton.hidden = false;
      copyButton.addEventListener("click", function () {
        navigator.clipboard.writeText(url).then(
          function () {
            if (status) status.textContent = "Link copied.";
          },
          function () {
            if (status) status.textContent = "Could not copy the link. Select the address above to copy it.";
          }
        );
      });
    }
  });

  // Buttons that must not submit twice (the booking form): disable after the first submit.
  document.querySelectorAll("form[data-submit-once]").forEach(function (form) {
    form.addEventListener("submit", function () {
      form.querySelectorAll("button[type=submit]").forEach(function (button) {
        window.setTimeout(function () {
          button.disabled = true;
          button.setAttribute("aria-disabled", "true");
        }, 0);
      });
    });
  });
})();

// Move focus to an error summary or problem message, so screen readers read it first.
(function () {
  "use strict";
  var target = document.querySelector("[data-focus-on-load]");
  if (target) {
    target.focus();
  }
})();
