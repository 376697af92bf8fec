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
    text = (text || "").replace(/[\s\u00a0$]/g, "").replace(",", ".");
    if (!/^\d+(\.\d{0,2})?$/.test(text)) return null;
    var parts = text.split(".");
    return parseInt(parts[0], 10) * 100 + (parts[1] ? parseInt((parts[1] + "0").slice(0, 2), 10) : 0);
  }

  // Money as the page's language writes it: 21,68 $ in French, $21.68 in English.
  var moneyFormat = null;
  function money(cents) {
    if (!moneyFormat) {
      var lang = (document.documentElement.getAttribute("lang") || "en") === "fr" ? "fr-CA" : "en-CA";
      moneyFormat = new Intl.NumberFormat(lang, { style: "currency", currency: "CAD" });
    }
    return moneyFormat.format(cents / 100);
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
    // Cash is rounded to 5 cents (Canada has no pennies); the card part is not.
    var cashDue = Math.max(total - cardCents, 0);
    var roundedDue = cashDue ? Math.floor((cashDue + 2) / 5) * 5 : 0;
    var change = given - roundedDue;
    var label = out.getAttribute(change >= 0 ? "data-change-label" : "data-missing-label") ||
      (change >= 0 ? "Change due" : "Missing");
    out.textContent = label + " " + money(Math.abs(change));
    out.className = "change-preview " + (change >= 0 ? "ok" : "short");
  }

  // A barcode scanner types a burst of characters a few milliseconds apart, then Enter.
  // Whatever the cashier last touched (a quantity, a discount, the cash field, a button, a
  // closed dialog), a burst lands in the page's scan box: the characters a text field took
  // are given back to it, and Enter submits the scan, not the form the field belongs to.
  // A burst in a text field is told from a person's typing by its pace: at least
  // BURST_MIN keys averaging under BURST_AVG_MS apart (people need 100 ms or more a key).
  var BURST_MIN = 4;
  var BURST_AVG_MS = 35;
  var RUN_GAP_MS = 150;      // a longer pause ends a run of keys
  var keys = [];             // recent printable keys in a text field: {key, t, before}
  var buffer = { chars: "", last: 0 };  // keys for a hidden scan target (the receipt screen)

  function isTextField(el) {
    if (!el || !el.tagName) return false;
    var tag = el.tagName.toLowerCase();
    if (tag === "textarea") return true;
    if (tag !== "input") return false;
    var type = (el.getAttribute("type") || "text").toLowerCase();
    return ["text", "number", "search", "tel", "password", "email", "url", ""].indexOf(type) !== -1;
  }

  // The page's scan target: the sale screen's scan box, else a form marked data-scan-form
  // (the receipt's "next sale", the returns screen's receipt number).
  function scanTarget() {
    var input = scanInput();
    if (input) return { input: input, form: document.getElementById("scan-form") };
    var form = document.querySelector("form[data-scan-form]");
    if (!form) return null;
    return { input: form.querySelector("[data-scan-input]"), form: form };
  }

  function submitScan(target) {
    if (target.form.requestSubmit) target.form.requestSubmit(); else target.form.submit();
  }

  function sendTo(target, chars) {
    target.input.value = chars;
    if (target.input.type === "hidden") return;
    target.input.focus();
    try { target.input.setSelectionRange(chars.length, chars.length); } catch (e) { /* number input */ }
  }

  // The run of fast keys ending now, if it is a scanner's.
  function scannerRun() {
    var start = keys.length - 1;
    while (start > 0 && keys[start].t - keys[start - 1].t < RUN_GAP_MS) start--;
    var run = keys.slice(start);
    if (run.length < BURST_MIN) return null;
    var average = (run[run.length - 1].t - run[0].t) / (run.length - 1);
    return average < BURST_AVG_MS ? run : null;
  }

  document.addEventListener("keydown", function (event) {
    var target = scanTarget();
    if (!target || !target.input || event.target === target.input || event.ctrlKey || event.altKey ||
        event.metaKey) {
      keys = [];
      return;
    }
    var field = event.target;
    var now = event.timeStamp || Date.now();
    var printable = event.key && event.key.length === 1;
    if (!isTextField(field)) {
      // Nothing to type into: every printable key goes to the scan target.
      if (printable) {
        event.preventDefault();
        if (target.input.type === "hidden") {
          if (now - buffer.last > 1000) buffer.chars = "";
          buffer.chars += event.key;
          buffer.last = now;
          target.input.value = buffer.chars;
        } else {
          sendTo(target, (target.input === document.activeElement ? target.input.value : "") + event.key);
        }
      } else if (event.key === "Enter" && target.input.type === "hidden" && buffer.chars &&
                 now - buffer.last < 1000) {
        event.preventDefault();
        buffer.chars = "";
        submitScan(target);
      }
      return;
    }
    if (!printable) { if (event.key !== "Shift") keys = []; return; }
    if (keys.length && keys[keys.length - 1].field !== field) keys = [];
    keys.push({ key: event.key, t: now, before: field.value, field: field });
    var run = scannerRun();
    if (run) {
      event.preventDefault();
      field.value = run[0].before;  // the field keeps what it had before the burst
      keys = [];
      sendTo(target, run.map(function (k) { return k.key; }).join(""));
    }
  }, true);

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
    if (fromLine) { updateChange(); focusScan(false); return; }
    var fromResult = source && source.hasAttribute && source.hasAttribute("data-result");
    focusScan(fromResult);
    updateChange();
  });

  document.addEventListener("DOMContentLoaded", function () { updateChange(); });
})();
