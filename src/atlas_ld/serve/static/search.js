// The search page without a click on "apply": a change of a filter submits the form, and the
// focus comes back to the same control after the page reloads, so keyboard users keep their
// place. Without JavaScript the "apply" button does the same.
(function () {
  "use strict";
  var form = document.getElementById("search-form");
  if (!form) return;
  var KEY = "atlas-search-focus";
  var last = window.sessionStorage.getItem(KEY);
  if (last) {
    window.sessionStorage.removeItem(KEY);
    var control = document.getElementById(last);
    if (control) {
      var details = control.closest("details");
      if (details) details.open = true;
      control.focus();
    }
  }
  form.addEventListener("change", function (event) {
    var target = event.target;
    if (target.type !== "checkbox" && target.tagName !== "SELECT") return;
    if (target.id) window.sessionStorage.setItem(KEY, target.id);
    var page = form.querySelector("input[name=page]");
    if (page) page.remove();
    form.submit();
  });
})();
