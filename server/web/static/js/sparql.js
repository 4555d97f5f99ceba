/* The query UI at /sparql: YASGUI (vendored from npm) set up for our endpoint, the example queries,
   and the accessibility repairs YASGUI needs (WCAG 2.1 AA / BITV 2.0), applied after it renders and
   again whenever it redraws (a new tab, a new editor, new results): names for the editor, the endpoint
   field and the page-size choice, keyboard-reachable scroll areas (editor, results), and a tab list
   that holds only tabs. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("sparql-config").textContent);
  var root = document.getElementById("yasgui");
  var endpoint = new URL(root.dataset.endpoint, window.location.href).href;

  function usePrefixesOfThisHost() {
    var prefixList = Object.keys(config.prefixes).sort().map(function (p) {
      return p + ": <" + config.prefixes[p] + ">";
    });
    // Prefix completion from our own list: no request to prefix.cc or LOV (nothing leaves this host).
    Yasgui.Yasqe.forkAutocompleter("prefixes", {
      name: "ikpePrefixes", persistenceId: null,
      get: function () { return Promise.resolve(prefixList); }
    }, false);
  }

  function label(elements, text) {
    elements.forEach(function (element) {
      if (!element.getAttribute("aria-label")) { element.setAttribute("aria-label", text); }
    });
  }

  function scrollableByKeyboard(elements, text) {
    elements.forEach(function (element) {
      if (element.getAttribute("tabindex") !== "0") {
        element.setAttribute("tabindex", "0");
        element.setAttribute("role", "region");
        element.setAttribute("aria-label", text);
      }
    });
  }

  function repairAccessibility() {
    label(root.querySelectorAll(".yasqe .CodeMirror textarea"), config.labels.query);
    label(root.querySelectorAll(".controlbar input.autocomplete, .controlbar input[type=text]"), config.labels.endpoint);
    label(root.querySelectorAll(".yasr select.tableSizer"), config.labels.pageSize);
    // CodeMirror makes its scroll area unfocusable; wide results scroll inside their own area
    scrollableByKeyboard(root.querySelectorAll(".yasqe .CodeMirror-scroll"), config.labels.query);
    scrollableByKeyboard(root.querySelectorAll(".yasr .yasr_results"), config.labels.results);
    // a tablist may only hold tabs: YASGUI's "add tab" button sits in it, so it becomes a tab that is
    // never selected (moving it would break YASGUI, which inserts new tabs before it)
    root.querySelectorAll(".tabsList button.addTab:not([role])").forEach(function (button) {
      button.setAttribute("role", "tab");
      button.setAttribute("aria-selected", "false");
    });
  }

  function watchRedraws() {
    var pending = false;
    new MutationObserver(function () {
      if (pending) { return; }
      pending = true;
      window.requestAnimationFrame(function () { pending = false; repairAccessibility(); });
    }).observe(root, { childList: true, subtree: true });
  }

  function offerExamples(yasgui) {
    var byId = {};
    config.examples.forEach(function (ex) { byId[ex.id] = ex; });
    document.getElementById("sparql-example").addEventListener("change", function (event) {
      var ex = byId[event.target.value];
      if (!ex) { return; }
      var current = yasgui.getTab();
      current.getYasqe().setValue(ex.query);
      if (current.setName) { current.setName(ex.titles[config.lang] || ex.title); }
    });
  }

  // the query as a URL bound to one release: it answers the same years later (docs/versions.md)
  function offerPermanentLink(yasgui) {
    var box = document.getElementById("sparql-permalink");
    if (!box) { return; }
    var base = new URL(root.dataset.endpoint, window.location.href);
    function update() {
      var url = new URL(base.pathname, base);
      url.searchParams.set("query", yasgui.getTab().getYasqe().getValue());
      url.searchParams.set("release", box.dataset.release);
      document.getElementById("sparql-permalink-query").href = url.href;
      url.searchParams.set("format", "json");
      document.getElementById("sparql-permalink-answer").href = url.href;
      box.hidden = false;
    }
    yasgui.getTab().getYasqe().on("change", update);
    update();
  }

  usePrefixesOfThisHost();
  var yasgui = new Yasgui(root, {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: false,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
    persistenceId: null,
    populateFromUrl: false,
    yasqe: { value: config.query, autocompleters: ["ikpePrefixes", "variables"], prefixCcApi: "" },
    yasr: { prefixes: config.prefixes, defaultPlugin: "table" }
  });
  var tab = yasgui.getTab();
  tab.setEndpoint(endpoint);
  tab.getYasqe().setValue(config.query);
  offerExamples(yasgui);
  offerPermanentLink(yasgui);
  repairAccessibility();
  watchRedraws();
  window.ikpeYasgui = yasgui;
})();
