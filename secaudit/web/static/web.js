// secaudit serve: small progressive enhancements only; every page works without script.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var err = document.querySelector("#form-error, #conflict, #login-error, #bundle-refused");
  if (err) { err.setAttribute("tabindex", "-1"); err.focus(); }
});
