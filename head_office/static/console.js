// Comptoir console: the little behaviour pages need, as a served file (the Content-Security-Policy
// allows no inline script and no on*= attribute).
(function () {
  "use strict";
  // <select data-autosubmit>: submit its form when the choice changes (the filters).
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el && el.hasAttribute && el.hasAttribute("data-autosubmit") && el.form) el.form.submit();
  });
})();
