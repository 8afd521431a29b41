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

  // The shown-once secret (after Create, in the dialog or on its own page, and after Roll): until
  // it is copied or marked saved, closing asks first and leaving, reloading or going Back warns.
  // Close ignores clicks for a moment after the value appeared (the tail of a double-click).
  const CLOSE_GUARD_MS = 1000;
  const LEAVE_QUESTION = "You have not copied the new API secret. It is shown only this once. Leave anyway?";

  function revealOf(container) {
    return container && container.querySelector("[data-reveal]");
  }

  function mustAskBeforeClosing(reveal) {
    if (!reveal || !reveal.isConnected) return false;
    const saved = reveal.querySelector("[data-reveal-saved]");
    return !(
      reveal.dataset.copied === "true" ||
      reveal.dataset.released === "true" ||
      reveal.dataset.gone === "true" ||
      (saved && saved.checked)
    );
  }

  function unconfirmedReveal() {
    const reveal = revealOf(document);
    return mustAskBeforeClosing(reveal) ? reveal : null;
  }

  function markCopied(reveal) {
    reveal.dataset.copied = "true";
    reveal.querySelector("[data-close-check]").hidden = true;
  }

  function revealShown(reveal) {
    reveal.dataset.shownAt = String(Date.now());
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
    // The first text only: a visually hidden rest of the name ("the curl command") stays.
    button.firstChild.nodeValue = copied ? "Copied" : "Copy";
    const reveal = button.closest("[data-reveal]");
    if (reveal && copied) markCopied(reveal);
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
      const pageReveal = !dialog && closer.closest("[data-reveal]");
      if (pageReveal) {
        // The reveal on a page of its own: Close leaves it, so it asks first the same way.
        if (closer.hasAttribute("data-close-anyway")) {
          event.preventDefault();
          pageReveal.dataset.released = "true";
          window.location.assign(pageReveal.querySelector("[data-reveal-close]").form.action);
        } else if (mustAskBeforeClosing(pageReveal)) {
          event.preventDefault();
          if (Date.now() - Number(pageReveal.dataset.shownAt || 0) < CLOSE_GUARD_MS) return;
          askBeforeClosing(pageReveal);
        }
        return;
      }
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
      if (reveal) revealShown(reveal);
      focusFirst(target);
    }
  });

  // The reveal on a page of its own (Roll, or Create without the dialog): the value focused and
  // selected, as in the dialog.
  const standaloneReveal = document.querySelector("[data-reveal]");
  if (standaloneReveal && !standaloneReveal.closest("dialog")) {
    revealShown(standaloneReveal);
    focusFirst(standaloneReveal);
  }

  // "I have saved the secret" counts as confirmed, like Copy.
  document.addEventListener("change", function (event) {
    if (!event.target.matches("[data-reveal-saved]")) return;
    const reveal = event.target.closest("[data-reveal]");
    if (event.target.checked) reveal.querySelector("[data-close-check]").hidden = true;
  });

  // Copying with the keyboard or the context menu: it counts when the copied text holds the
  // whole secret (the value itself or the curl line).
  document.addEventListener("copy", function (event) {
    const field = event.target.closest && event.target.closest("[data-reveal] input[type=text]");
    if (!field) return;
    const reveal = field.closest("[data-reveal]");
    const value = reveal.querySelector("[data-secret-value]").value;
    const copied = field.value.slice(field.selectionStart, field.selectionEnd);
    if (!value || !copied.includes(value)) return;
    markCopied(reveal);
    const status = field.closest(".field").querySelector(".copy-status");
    if (status) status.textContent = "Copied to the clipboard.";
  });

  // Reload, a link, a form or Back to another page: the browser's own "Leave site?" question.
  window.addEventListener("beforeunload", function (event) {
    if (!unconfirmedReveal()) return;
    event.preventDefault();
    event.returnValue = "";
  });

  // Back (or Forward) within the page, e.g. to before a header sort: htmx would put the earlier
  // page in place, dialog and value gone, with no beforeunload. This capturing listener runs
  // before htmx's window.onpopstate and, unless the user agrees, keeps the page and its address.
  let hereUrl = location.href;
  let hereState = history.state;
  document.addEventListener("htmx:pushedIntoHistory", function () {
    hereUrl = location.href;
    hereState = history.state;
  });
  window.addEventListener(
    "popstate",
    function (event) {
      if (!unconfirmedReveal()) {
        hereUrl = location.href;
        hereState = event.state;
        return;
      }
      if (window.confirm(LEAVE_QUESTION)) {
        unconfirmedReveal().dataset.released = "true";
        return;
      }
      event.stopImmediatePropagation();
      history.pushState(hereState, "", hereUrl);
    },
    true
  );
  // htmx keeps a copy of the page it leaves (sessionStorage): never with a secret value in it.
  document.addEventListener("htmx:beforeHistorySave", function () {
    const reveal = revealOf(document);
    if (!reveal) return;
    const dialog = reveal.closest("dialog");
    reveal.remove();
    if (dialog && dialog.open) dialog.close();
  });

  // A secret deleted meanwhile (another tab, another admin) must not stay shown as if usable:
  // when the tab comes back into view, ask the portal whether it still exists.
  async function checkRevealStillExists() {
    const reveal = revealOf(document);
    if (!reveal || !reveal.dataset.existsUrl || reveal.dataset.gone === "true") return;
    let response;
    try {
      response = await fetch(reveal.dataset.existsUrl, { cache: "no-store", credentials: "same-origin" });
    } catch (error) {
      return; // offline: nothing is known, the value stays
    }
    if (response.status !== 404 || !reveal.isConnected) return;
    reveal.dataset.gone = "true";
    const hadFocus = reveal.contains(document.activeElement);
    reveal.querySelector("[data-reveal-value]").remove();
    const gone = reveal.querySelector("[data-reveal-gone]");
    gone.hidden = false;
    gone.setAttribute("role", "alert");
    if (hadFocus) gone.focus();
  }
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") checkRevealStillExists();
  });
  window.addEventListener("focus", checkRevealStillExists);

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

  // The table refreshes itself after a create: when that answer lands after the dialog closed,
  // focus was on the create button of the table being replaced, and goes to the new one.
  let createButtonHadFocus = false;
  document.addEventListener("htmx:beforeSwap", function (event) {
    const focused = document.activeElement;
    createButtonHadFocus = Boolean(
      focused && focused.matches("#secrets-table [data-open-dialog]") && event.detail.target.contains(focused)
    );
  });

  // After the table replaced itself (e.g. the deleted row's button is gone), keep focus in it.
  document.addEventListener("htmx:afterSettle", function () {
    if (createButtonHadFocus) {
      createButtonHadFocus = false;
      if (document.activeElement === document.body) {
        focusCreateButton();
        return;
      }
    }
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
