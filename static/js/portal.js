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

  function randomToken() {
    const bytes = new Uint8Array(32);
    crypto.getRandomValues(bytes);
    return btoa(String.fromCharCode.apply(null, bytes))
      .replace(/\+/g, "-")
      .replace(/\//g, "_")
      .replace(/=+$/, "");
  }

  // The shown-once secret: closing before Copy asks first; Close ignores clicks for a moment
  // after the value appeared (the second click of a double-click on Generate).
  const CLOSE_GUARD_MS = 1000;

  function revealOf(dialog) {
    return dialog && dialog.querySelector("[data-reveal]");
  }

  function mustAskBeforeClosing(reveal) {
    return reveal && reveal.dataset.copied !== "true";
  }

  function askBeforeClosing(reveal) {
    const check = reveal.querySelector("[data-close-check]");
    check.hidden = false;
    check.querySelector("[data-close-check-back]").focus();
  }

  function backToSecret(reveal) {
    reveal.querySelector("[data-close-check]").hidden = true;
    focusFirst(reveal);
  }

  function focusCreateButton() {
    const target = ["[data-open-dialog]", ".tooltip", ".toolbar-title"]
      .map(function (selector) {
        return document.querySelector("#secrets-table " + selector);
      })
      .find(Boolean);
    if (!target) return;
    if (!target.matches("button, [tabindex]")) target.setAttribute("tabindex", "-1");
    target.focus();
  }

  function openCreateDialog(dialog, templateId) {
    const panel = dialog.querySelector("#create-panel");
    const template = document.getElementById(templateId || "create-dialog-template");
    panel.innerHTML = template.innerHTML;
    // The template is cloned for every opening: each form gets its own one-time token.
    const token = panel.querySelector("[data-submit-token]");
    if (token) token.value = randomToken();
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
    const reveal = button.closest("[data-reveal]");
    if (reveal && copied) {
      reveal.dataset.copied = "true";
      reveal.querySelector("[data-close-check]").hidden = true;
    }
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
        openCreateDialog(dialog, opener.dataset.dialogTemplate);
      }
      return;
    }
    const closer = event.target.closest("[data-close-dialog], [data-close-anyway]");
    if (closer) {
      const dialog = closer.closest("dialog");
      if (dialog) {
        event.preventDefault();
        const reveal = revealOf(dialog);
        if (reveal && closer.hasAttribute("data-close-dialog")) {
          if (mustAskBeforeClosing(reveal)) {
            // A click this soon after the value appeared is the tail of a double-click.
            if (Date.now() - Number(reveal.dataset.shownAt || 0) < CLOSE_GUARD_MS) return;
            askBeforeClosing(reveal);
            return;
          }
        }
        dialog.close();
      }
      return;
    }
    const back = event.target.closest("[data-close-check-back]");
    if (back) {
      backToSecret(back.closest("[data-reveal]"));
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
        // Back to where the user started, not the page body.
        focusCreateButton();
      }
    },
    true
  );

  document.addEventListener("htmx:afterSwap", function (event) {
    const target = event.detail.target;
    if (target && target.id === "create-panel") {
      const reveal = target.querySelector("[data-reveal]");
      if (reveal) reveal.dataset.shownAt = String(Date.now());
      focusFirst(target);
    }
  });

  // Escape: in the reveal it asks first (and, asked, goes back to the secret); on the limit
  // tooltip it hides the tooltip (WCAG 1.4.13).
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    const tooltip = event.target.closest && event.target.closest(".tooltip");
    if (tooltip) tooltip.classList.add("tooltip-dismissed");
    const dialog = document.getElementById("create-dialog");
    if (!dialog || !dialog.open) return;
    const reveal = revealOf(dialog);
    if (!mustAskBeforeClosing(reveal)) return;
    event.preventDefault(); // no close request: the dialog stays open
    if (reveal.querySelector("[data-close-check]").hidden) askBeforeClosing(reveal);
    else backToSecret(reveal);
  });
  // A close request that did not come from the keydown above (e.g. a back gesture).
  document.addEventListener(
    "cancel",
    function (event) {
      const reveal = revealOf(event.target);
      if (mustAskBeforeClosing(reveal)) {
        event.preventDefault();
        askBeforeClosing(reveal);
      }
    },
    true
  );

  // The usage chart: the focused or tapped day's numbers, in words under the chart (its name
  // for assistive technology is the same text).
  function showUsageDay(day) {
    const readout = document.querySelector("[data-usage-readout]");
    if (readout) readout.textContent = day.getAttribute("aria-label");
  }

  document.addEventListener("focusin", function (event) {
    const day = event.target.closest && event.target.closest(".usage-day");
    if (day) showUsageDay(day);
  });

  document.addEventListener("click", function (event) {
    const day = event.target.closest && event.target.closest(".usage-day");
    if (!day) return;
    day.focus();
    showUsageDay(day);
  });

  document.addEventListener("focusout", function (event) {
    if (event.target.classList && event.target.classList.contains("tooltip")) {
      event.target.classList.remove("tooltip-dismissed");
    }
  });
  document.addEventListener("mouseout", function (event) {
    const tooltip = event.target.closest && event.target.closest(".tooltip");
    if (tooltip && !tooltip.contains(event.relatedTarget)) tooltip.classList.remove("tooltip-dismissed");
  });

  // Sorting replaces the table: keep focus on the header link that was used.
  let sortKey = null;
  document.addEventListener("htmx:beforeRequest", function (event) {
    const link = event.detail.elt;
    sortKey = link && link.classList && link.classList.contains("sort-link") ? link.dataset.sort : null;
  });

  // HTMX answers that failed: say so in the page and show the table as it is now.
  const ERROR_TEXT = {
    403: "That was refused: your session may have changed. The list below is up to date; try again.",
    404: "That API secret no longer exists (deleted elsewhere?). The list below is up to date.",
    409: "That conflicted with a change made elsewhere. The list below is up to date; try again.",
  };
  function announce(text) {
    const region = document.getElementById("live-status");
    if (!region) return;
    region.textContent = text;
    region.hidden = false;
  }
  document.addEventListener("htmx:responseError", function (event) {
    const status = event.detail.xhr.status;
    announce(
      ERROR_TEXT[status] ||
        (status >= 500
          ? "Something went wrong on our side (error " + status + "). Nothing was changed by this request; please try again."
          : "The request failed (error " + status + "). Please reload the page.")
    );
    const dialog = event.detail.elt.closest("dialog");
    if (dialog && dialog.open) dialog.close();
    if (document.getElementById("secrets-table") && window.htmx) {
      window.htmx.trigger(document.body, "secretsChanged");
    }
  });
  document.addEventListener("htmx:sendError", function () {
    announce("The portal could not be reached. Check your connection and try again.");
  });

  // After the table replaced itself (e.g. the deleted row's button is gone), keep focus in it.
  document.addEventListener("htmx:afterSettle", function () {
    if (sortKey) {
      const link = document.querySelector('#secrets-table .sort-link[data-sort="' + sortKey + '"]');
      sortKey = null;
      if (link) {
        link.focus();
        return;
      }
    }
    if (document.activeElement === document.body) {
      const title = document.querySelector("#secrets-table .toolbar-title");
      if (title) {
        title.setAttribute("tabindex", "-1");
        title.focus();
      }
    }
  });

  // A full page that came back with errors: focus goes to its summary, whose links move focus
  // to the field (its label scrolled into view with it).
  function focusErrorSummary() {
    const summary = document.querySelector("[data-error-summary]");
    if (summary) summary.focus();
  }
  focusErrorSummary();

  document.addEventListener("click", function (event) {
    const link = event.target.closest && event.target.closest("[data-error-summary] a[href^='#']");
    if (!link) return;
    const field = document.getElementById(decodeURIComponent(link.hash.slice(1)));
    if (!field) return;
    event.preventDefault();
    const legend = field.closest("fieldset") && field.closest("fieldset").querySelector("legend");
    const label = legend || document.querySelector('label[for="' + CSS.escape(field.id) + '"]');
    (label || field).scrollIntoView();
    field.focus({ preventScroll: true });
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
