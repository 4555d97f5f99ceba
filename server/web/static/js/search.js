/* Type-ahead on the search page: fill the datalist from /search/suggest as the user types.
   Loaded from our own host, so the strict Content-Security-Policy of our pages allows it. */
(function () {
  "use strict";
  var input = document.getElementById("search-q"), list = document.getElementById("search-suggestions");
  if (!input || !list || !window.fetch) return;
  var timer = null;
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var text = input.value.trim();
      if (text.length < 2) { list.replaceChildren(); return; }
      fetch(input.dataset.suggest + "?q=" + encodeURIComponent(text) + "&lang=" + encodeURIComponent(input.dataset.lang))
        .then(function (r) { return r.ok ? r.json() : {results: []}; })
        .then(function (data) {
          list.replaceChildren.apply(list, data.results.map(function (item) {
            var option = document.createElement("option");
            option.value = item.label; option.label = item.type; return option;
          }));
        }).catch(function () {});
    }, 150);
  });
})();
