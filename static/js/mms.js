/* Small behaviours of the screens, bound by data- attributes: the Content-Security-Policy allows no inline
   script or on*= handler, so the templates say what they want and this file (loaded by base.html) does it.

   data-confirm="Question?"       on a form: ask before it is submitted
   data-tick-all="CSS selector"   on a checkbox: tick or untick every (enabled) box of the page the selector
                                  finds (rows may sit outside the form, joined to it by form="...")
   data-print                     on a button: print the page
   data-select-on-focus           on an input: select its text when it gets the focus
   data-swap-errors="400 409"     on an element: htmx swaps these error answers into it (forms with errors)
*/
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form instanceof HTMLFormElement ? form.getAttribute("data-confirm") : null;
    if (question && !window.confirm(question)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!(box instanceof HTMLInputElement) || !box.hasAttribute("data-tick-all")) return;
    document.querySelectorAll(box.getAttribute("data-tick-all")).forEach(function (other) {
      if (!other.disabled && other !== box) other.checked = box.checked;
    });
  });

  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element ? event.target.closest("[data-print]") : null;
    if (button) window.print();
  });

  document.addEventListener("focusin", function (event) {
    var input = event.target;
    if (input instanceof HTMLInputElement && input.hasAttribute("data-select-on-focus")) input.select();
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    var holder = event.target instanceof Element ? event.target.closest("[data-swap-errors]") : null;
    if (!holder) return;
    var statuses = holder.getAttribute("data-swap-errors").split(/\s+/);
    if (statuses.indexOf(String(event.detail.xhr.status)) !== -1) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
})();
