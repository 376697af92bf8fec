// Comptoir till: keyboard flow around htmx. No framework, no build step.
(function () {
  "use strict";

  function scanInput() { return document.getElementById("code"); }

  function focusScan(clear) {
    var input = scanInput();
    if (!input) return false;
    if (clear) input.value = "";
    input.focus();
    return true;
  }

  function results() { return Array.prototype.slice.call(document.querySelectorAll("[data-result]")); }

  function parseCents(text) {
    text = (text || "").trim().replace(",", ".").replace("$", "");
    if (!/^\d+(\.\d{0,2})?$/.test(text)) return null;
    var parts = text.split(".");
    return parseInt(parts[0], 10) * 100 + (parts[1] ? parseInt((parts[1] + "0").slice(0, 2), 10) : 0);
  }

  function money(cents) {
    var sign = cents < 0 ? "-" : "";
    cents = Math.abs(cents);
    return sign + "$" + Math.floor(cents / 100).toLocaleString("en-CA") + "." + String(cents % 100).padStart(2, "0");
  }

  function updateChange() {
    var cart = document.getElementById("cart");
    var out = document.getElementById("change-preview");
    var cash = document.getElementById("cash");
    var card = document.getElementById("card");
    if (!cart || !out || !cash) return;
    var total = parseInt(cart.getAttribute("data-total") || "0", 10);
    var given = parseCents(cash.value);
    var cardCents = card ? parseCents(card.value) || 0 : 0;
    if (given === null) { out.textContent = ""; return; }
    var change = given + cardCents - total;
    out.textContent = change >= 0 ? "Change due " + money(change) : "Missing " + money(-change);
    out.className = "change-preview " + (change >= 0 ? "ok" : "short");
  }

  document.addEventListener("keydown", function (event) {
    if (event.key === "F2") {
      event.preventDefault();
      if (!focusScan(false)) window.location.href = "/sell";
      return;
    }
    if (event.key === "F4") {
      var cash = document.getElementById("cash");
      if (cash) { event.preventDefault(); cash.focus(); cash.select(); }
      return;
    }
    var target = event.target;
    var list = results();
    if (target === scanInput() && event.key === "ArrowDown" && list.length) {
      event.preventDefault();
      list[0].focus();
      return;
    }
    if (target && target.hasAttribute && target.hasAttribute("data-result")) {
      var index = list.indexOf(target);
      if (event.key === "ArrowDown" && index < list.length - 1) { event.preventDefault(); list[index + 1].focus(); }
      else if (event.key === "ArrowUp") { event.preventDefault(); if (index > 0) list[index - 1].focus(); else focusScan(false); }
      else if (event.key === "Escape") { event.preventDefault(); focusScan(false); }
    }
  });

  document.addEventListener("input", function (event) {
    if (event.target && (event.target.id === "cash" || event.target.id === "card")) updateChange();
  });

  document.addEventListener("click", function (event) {
    var el = event.target.closest ? event.target.closest("[data-print],[data-open-dialog]") : null;
    if (!el) return;
    if (el.hasAttribute("data-print")) { window.print(); }
    var id = el.getAttribute("data-open-dialog");
    if (id) {
      var dialog = document.getElementById(id);
      if (dialog) { dialog.setAttribute("open", ""); var first = dialog.querySelector("input"); if (first) first.focus(); }
    }
  });

  // A scan clears the input as soon as its request leaves, so a scanner that
  // types the next barcode at once loses no digit; a search that fires after
  // a scan with an empty box is dropped so it does not wipe the scan's results.
  var lastScan = 0;
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    if (elt && elt.id === "scan-form") {
      lastScan = Date.now();
      var input = scanInput();
      if (input) input.value = "";
    } else if (elt && elt.id === "code" && !elt.value.trim() && Date.now() - lastScan < 1500) {
      event.preventDefault();
    }
  });

  // After the cart is redrawn: the scanner input is ready again, unless payment needs attention.
  document.addEventListener("htmx:afterSwap", function (event) {
    var source = event.detail && event.detail.requestConfig ? event.detail.requestConfig.elt : null;
    var fromPay = source && source.closest && source.closest("#pay-form");
    var fromLine = source && source.closest && source.closest("table.lines form");
    var approval = document.querySelector("dialog#approval[open]");
    if (approval) { var first = approval.querySelector("input"); if (first) first.focus(); return; }
    if (fromPay) { var cash = document.getElementById("cash"); if (cash) cash.focus(); updateChange(); return; }
    if (fromLine) { updateChange(); return; }
    var fromResult = source && source.hasAttribute && source.hasAttribute("data-result");
    focusScan(fromResult);
    updateChange();
  });

  document.addEventListener("DOMContentLoaded", function () { updateChange(); });
})();
