// Starts Swagger UI on the API docs page (a served file: the Content-Security-Policy allows no inline script).
(function () {
  "use strict";
  var container = document.getElementById("swagger-ui-container");
  var config = { url: container.getAttribute("data-spec-url"), dom_id: "#swagger-ui-container" };
  var extra = JSON.parse(container.getAttribute("data-config") || "{}");
  Object.keys(extra).forEach(function (key) { config[key] = extra[key]; });
  window.ui = window.SwaggerUIBundle(config);
})();
