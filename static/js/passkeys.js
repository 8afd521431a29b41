/* Passkey prompts run by django-allauth's mfa/js/webauthn.js.
 *
 * Its forms are started here from a button's data-passkey-form (allauth's form function) and
 * data-passkey-ids (the element ids it needs), where allauth's templates use an inline <script>.
 * A failure comes as a cancelable "allauth.error" event and, left alone, reaches only the
 * console: here it becomes a message in the page's [data-passkey-error] alert, worded for what
 * the page was doing (data-passkey-action). */
(function () {
  "use strict";

  const NOT_ALLOWED = {
    add: "No passkey was added: the prompt was cancelled or timed out, or no authenticator answered. Try again when your device or hardware key is ready.",
    "sign-in": "You were not signed in with a passkey: the prompt was cancelled or timed out, or this device has no passkey for the portal. Try again, or sign in another way.",
    confirm: "Access was not confirmed with a passkey: the prompt was cancelled or timed out, or this device has no passkey for the portal. Try again, or confirm another way.",
  };

  function explain(exception, action) {
    switch (exception && exception.name) {
      case "NotAllowedError":
        return NOT_ALLOWED[action] || NOT_ALLOWED["sign-in"];
      case "InvalidStateError":
        return "This authenticator already holds a passkey for your login: use that one, or add one on another device.";
      case "SecurityError":
        return "Passkeys work only on a secure address: open the portal by its name (https://, or http://localhost), not by an IP address.";
      case "NotSupportedError":
        return "This browser or device cannot use passkeys. Try another browser, or sign in another way.";
      default:
        return "The passkey did not work. Reload the page and try again.";
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-passkey-form]").forEach(function (button) {
      const start = window.allauth.webauthn.forms[button.dataset.passkeyForm];
      start({ ids: JSON.parse(button.dataset.passkeyIds) });
    });
  });

  document.addEventListener("allauth.error", function (event) {
    const tags = (event.detail && event.detail.tags) || [];
    const box = document.querySelector("[data-passkey-error]");
    if (!box || tags.indexOf("webauthn") === -1) return;
    event.preventDefault();
    const text = explain(event.detail.exception, box.dataset.passkeyAction);
    // Emptied first, so a second identical failure is announced again.
    box.textContent = "";
    box.hidden = false;
    window.requestAnimationFrame(function () {
      box.textContent = text;
    });
  });
})();
