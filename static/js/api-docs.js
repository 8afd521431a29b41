/* Swagger UI page (/api/docs/): names for the selects and the request body Swagger UI renders without one. Swagger UI
 * renders (and re-renders) with React after load, so new ones are labelled as they appear. */
(function () {
  "use strict";

  const NAMES = [
    ["#servers", "Servers"],
    [".examples-select-element", "Example"],
    [".content-type", "Media type"],
    [".body-param__text", "Request body"],
  ];

  function label(root) {
    for (const [selector, name] of NAMES) {
      for (const control of root.querySelectorAll(selector)) {
        if (!control.hasAttribute("aria-label")) {
          control.setAttribute("aria-label", name);
        }
      }
    }
  }

  const ui = document.getElementById("swagger-ui");
  label(ui);
  new MutationObserver(function () {
    label(ui);
  }).observe(ui, { childList: true, subtree: true });
})();
