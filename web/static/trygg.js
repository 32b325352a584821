// Progressive enhancement only: every page works without this file.
// GOV.UK Frontend's components (error summary focus, radios, checkboxes) start here,
// kept out of inline script so the Content-Security-Policy can forbid inline code.
document.body.classList.add("js-enabled", "govuk-frontend-supported");
import("./govuk/govuk-frontend.min.js").then(function (govuk) { govuk.initAll(); });
