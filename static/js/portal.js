/* CyberGate portal: the small behaviour HTMX does not cover — dialogs, copy, confirm.
 * Every control keeps a plain link or form underneath, so the page works without this file. */
(function () {
  "use strict";

  document.documentElement.classList.replace("no-js", "js");

  function focusFirst(container) {
    const target = container.querySelector(
      "[aria-invalid=true], [data-autofocus], input:not([type=hidden]), select, textarea, button"
    );
    if (!target) return;
    target.focus();
    if (target.readOnly && target.select) target.select();
  }

  function openCreateDialog(dialog) {
    const panel = dialog.querySelector("#create-panel");
    const template = document.getElementById("create-dialog-template");
    panel.innerHTML = template.innerHTML;
    if (window.htmx) window.htmx.process(panel);
    dialog.showModal();
    focusFirst(panel);
  }

  async function copyValue(button) {
    const input = document.getElementById(button.dataset.copyTarget);
    const status = button.closest(".field").querySelector(".copy-status");
    let copied = false;
    try {
      await navigator.clipboard.writeText(input.value);
      copied = true;
    } catch (error) {
      // No Clipboard API (plain http, old browser): fall back to selecting and copying.
      input.focus();
      input.select();
      try {
        copied = document.execCommand("copy");
      } catch (ignored) {
        copied = false;
      }
    }
    button.textContent = copied ? "Copied" : "Copy";
    if (status) {
      status.textContent = copied
        ? "Copied to the clipboard."
        : "Could not copy: select the secret and copy it yourself.";
    }
  }

  document.addEventListener("click", function (event) {
    const opener = event.target.closest("[data-open-dialog]");
    if (opener) {
      const dialog = document.getElementById(opener.dataset.openDialog);
      if (dialog && typeof dialog.showModal === "function") {
        event.preventDefault();
        openCreateDialog(dialog);
      }
      return;
    }
    const closer = event.target.closest("[data-close-dialog]");
    if (closer) {
      const dialog = closer.closest("dialog");
      if (dialog) {
        event.preventDefault();
        dialog.close();
      }
      return;
    }
    const copy = event.target.closest("[data-copy-target]");
    if (copy) copyValue(copy);
  });

  // A closed create dialog forgets what it showed: the secret value must not linger in the DOM.
  // ("close" does not bubble; a capturing listener still sees it.)
  document.addEventListener(
    "close",
    function (event) {
      if (event.target.id === "create-dialog") {
        event.target.querySelector("#create-panel").replaceChildren();
      }
    },
    true
  );

  document.addEventListener("htmx:afterSwap", function (event) {
    const target = event.detail.target;
    if (target && target.id === "create-panel") focusFirst(target);
  });

  // After the table replaced itself (e.g. the deleted row's button is gone), keep focus in it.
  document.addEventListener("htmx:afterSettle", function () {
    if (document.activeElement === document.body) {
      const title = document.querySelector("#secrets-table .toolbar-title");
      if (title) {
        title.setAttribute("tabindex", "-1");
        title.focus();
      }
    }
  });

  // hx-confirm through an accessible <dialog> instead of window.confirm().
  document.addEventListener("htmx:confirm", function (event) {
    const question = event.detail.question;
    const dialog = document.getElementById("confirm-dialog");
    if (!question || !dialog || typeof dialog.showModal !== "function") return;
    event.preventDefault();
    dialog.querySelector("#confirm-dialog-message").textContent = question;
    const ok = dialog.querySelector("[data-confirm-ok]");
    const cancel = dialog.querySelector("[data-confirm-cancel]");
    let confirmed = false;
    ok.onclick = function () {
      confirmed = true;
      dialog.close();
    };
    cancel.onclick = function () {
      dialog.close();
    };
    dialog.addEventListener(
      "close",
      function () {
        if (confirmed) event.detail.issueRequest(true);
      },
      { once: true }
    );
    dialog.showModal();
  });
})();
